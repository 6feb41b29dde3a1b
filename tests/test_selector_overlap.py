"""A service whose selector also matches another service's series is warned about at compile.

Found by the round 21 routing hunt: team pay's `api` on `{job: api}` beside team pay-eu's `api-v2` on
`{job: api, namespace: eu}`. api's SLOs counted api-v2's failures (pay was paged for pay-eu's incidents) and
api's ServiceDown summed api-v2's targets (it could not fire while they were up); compile said nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  pay: {routing: {critical: {webhook: {url: "https://pager.example.com/pay"}}}}
  pay-eu: {routing: {critical: {webhook: {url: "https://pager.example.com/pay-eu"}}}}
alertmanager: {default_receiver: catchall}
receivers: {catchall: {webhook: {url: "https://pager.example.com/catchall"}}}
"""
SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
selector: {selector}
{extra}metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""


def _warnings(capsys: pytest.CaptureFixture[str], tmp_path: Path, api: str, api_v2: str, extra: str = "") -> list[str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "api.yaml").write_text(SPEC.format(service="api", team="pay", selector=api, extra=extra))
    (specs / "api-v2.yaml").write_text(SPEC.format(service="api-v2", team="pay-eu", selector=api_v2, extra=""))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, result.err
    return [line for line in result.err.splitlines() if "also matches" in line]


def test_a_selector_inside_another_services_is_warned_about_naming_both(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    warnings = _warnings(capsys, tmp_path, "{job: api}", "{job: api, namespace: eu}")
    assert len(warnings) == 1, warnings
    said = warnings[0]
    assert said.startswith(f"obsc: warning: {tmp_path}/specs/api.yaml:2:10: service api (team pay) selector")
    assert "also matches service api-v2 (team pay-eu, " in said and '{job="api", namespace="eu"}' in said
    assert "count api-v2's series as its own" in said


def test_equal_selectors_are_said_of_both(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    warnings = _warnings(capsys, tmp_path, "{job: api}", "{job: api}")
    assert [w.split("service ", 1)[1].split(" ")[0] for w in warnings] == ["api", "api-v2"]


def test_targets_apart_from_the_selector_are_compared_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    warnings = _warnings(
        capsys, tmp_path, "{job: api, grpc_service: a}", "{job: api, namespace: eu}", extra="targets: {job: api}\n"
    )
    assert len(warnings) == 1 and 'targets {job="api"}' in warnings[0], warnings
    assert "ServiceDown counts api-v2's targets as its own" in warnings[0]


@pytest.mark.parametrize(
    ("api", "api_v2"),
    [
        ("{job: api, namespace: us}", "{job: api, namespace: eu}"),  # told apart by a label
        # selector values are exact: `~api.*` was no regex but the text, now refused (tests/errors/
        # regex_in_exact_matcher); a dot in a value is the value's own
        ('{job: "api.v1"}', "{job: api-v2}"),
    ],
)
def test_selectors_told_apart_or_not_judged_say_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, api: str, api_v2: str
) -> None:
    assert _warnings(capsys, tmp_path, api, api_v2) == []


def test_services_told_apart_by_their_metrics_labels_share_only_targets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # one job, a service per handler: cart's SLO reads handler="cart" only, none of pay's series (round 21 review:
    # it was said to count pay's series); their shared `up` is still said
    cart = 'requests: http_requests_total{handler="cart"}\n  errors: http_requests_total{handler="cart", code=~"5.."}'
    pay = 'requests: http_requests_total{handler="pay"}\n  errors: http_requests_total{handler="pay", code=~"5.."}'
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, team, selector, metrics in (
        ("api", "pay", "{job: api}", cart),
        ("api-v2", "pay-eu", "{job: api, tier: pay}", pay),
    ):
        body = SPEC.format(service=name, team=team, selector=selector, extra="")
        (specs / f"{name}.yaml").write_text(
            body.replace('requests: http_requests_total\n  errors: http_requests_total{code=~"5.."}', metrics)
        )
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "also matches" in line]
    assert [w for w in warnings if " selector {" in w] == []
    assert warnings and all(" targets {" in w for w in warnings), warnings


@pytest.mark.parametrize("both", [True, False], ids=["both-relayed", "one-is-the-relay"])
def test_targets_shared_through_a_relay_are_said_to_page_each_team(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, both: bool
) -> None:
    """Two span-metric services behind one collector (`targets: {job: otel-collector}`, `targets_via: collector`):
    the warning told each to "add a label that tells them apart ... or merge them", which no relay allows (round
    48, gap48). What sharing a relay means is said instead: one relay down pages each service, to its own team.
    The same where the other service is the collector itself, its targets its own (no `targets_via`)."""
    relayed = "targets: {job: otel-collector}\ntargets_via: collector\n"
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "api.yaml").write_text(SPEC.format(service="api", team="pay", selector="{app: api}", extra=relayed))
    other = relayed if both else ""
    collector = "{app: cart}" if both else "{job: otel-collector}"
    (specs / "api-v2.yaml").write_text(SPEC.format(service="api-v2", team="pay-eu", selector=collector, extra=other))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, result.err
    said = [line for line in result.err.splitlines() if "otel-collector" in line and "warning" in line]
    assert said and not [line for line in said if "merge them" in line], said
    first = next(line for line in said if "service api (team pay)" in line)
    assert first.startswith(f"obsc: warning: {tmp_path}/specs/api.yaml:2:10: service api (team pay) targets")
    assert "api and api-v2 each page ServiceDown, to team pay and team pay-eu, for one outage" in first
    assert ("both name them a relay" in first) == both


def test_services_held_by_two_relays_of_one_up_are_not_said_to_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two specs of one collector (`otel-collector` of team pay, `otel-gateway` of team pay-eu, one `up`), api
    held by the first and api-v2 by the second: neither api nor api-v2 pages ServiceDown, yet their pair was
    warned that each pages and told to name the relay they both name (drawn settings seed 944, round 51). What
    does double-page, the two relays, is still said."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for relay, team in (("otel-collector", "pay"), ("otel-gateway", "pay-eu")):
        (specs / f"{relay}.yaml").write_text(SPEC.format(service=relay, team=team, selector="{job: otel}", extra=""))
    for service, team, relay in (("api", "pay", "otel-collector"), ("api-v2", "pay-eu", "otel-gateway")):
        held = f"targets: {{job: otel}}\ntargets_via: collector\nrelay: {{service: {relay}, team: {team}}}\n"
        (specs / f"{service}.yaml").write_text(SPEC.format(service=service, team=team, selector="{app: x}", extra=held))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, result.err
    warned = [line for line in result.err.splitlines() if "warning" in line and "otel" in line]
    assert not [w for w in warned if "service api (team pay)" in w and "service api-v2 " in w], warned
    assert not [w for w in warned if "service api-v2 (team pay-eu)" in w and "service api " in w], warned
    assert [w for w in warned if "service otel-collector (team pay)" in w and "otel-gateway" in w], warned
