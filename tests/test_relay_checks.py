"""`relay:` is refused, at its line, wherever the service it names cannot hold back the spec's ServiceDown.

The relay's page holds the spec's back only when it is the same outage (the same `up`), paged (a critical
ServiceDown of the whole service) and first (a hold no longer than the spec's), and the service is of the team the
spec names: a service of another team that takes the relay's name, or one of its own team on other targets, would
otherwise swallow the page (the hostile case of round 49). Where the compile holds no service of that name (a part of
the fleet), the page is not held back and a warning says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = "apiVersion: obsc/v1\nkind: Platform\nteams:\n" + "".join(
    f"  {team}: {{routing: {{critical: {{webhook: {{url: 'https://pager.example/{team}'}}}}, "
    f"warning: {{webhook: {{url: 'https://tickets.example/{team}'}}}}}}}}\n"
    for team in ("web", "obs", "evil")
)
CART = """\
apiVersion: obsc/v1
service: cart
team: web
selector: {{service_name: cart-api, span_kind: SPAN_KIND_SERVER}}
targets: {{job: otel-collector}}
{via}relay: {{service: otel-collector, team: {team}}}
{alerts}metrics:
  requests: traces_span_metrics_calls_total
  errors: traces_span_metrics_calls_total{{status_code="STATUS_CODE_ERROR"}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""
COLLECTOR = """\
apiVersion: obsc/v1
service: otel-collector
team: {team}
selector: {{job: {job}}}
{extra}metrics:
  requests: otelcol_receiver_accepted_spans_total
  errors: otelcol_receiver_refused_spans_total
slos:
  - {{name: intake, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""
VIA = "targets_via: collector\n"


def _compile(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cart: str, collector: str | None
) -> tuple[int, str, Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "cart.yaml").write_text(cart)
    if collector is not None:
        (specs / "otel-collector.yaml").write_text(collector)
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    return result.code, result.err, out


def _cart(team: str = "obs", via: str = VIA, alerts: str = "") -> str:
    return CART.format(team=team, via=via, alerts=alerts)


def _collector(team: str = "obs", job: str = "otel-collector", extra: str = "") -> str:
    return COLLECTOR.format(team=team, job=job, extra=extra)


def test_a_relay_of_the_named_team_on_the_same_targets_compiles_and_holds_the_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err, out = _compile(capsys, tmp_path, _cart(), _collector())
    assert code == 0, err
    assert "also the targets" not in err  # the shared targets are meant, and handled: no warning
    config = (out / "alertmanager" / "alertmanager.yml").read_text()
    assert '\'service=~"cart"\', \'relay="up{job=\\"otel-collector\\"}"\'' in config


@pytest.mark.parametrize(
    ("cart", "collector", "says"),
    [
        # a service of another team under the relay's name: the spec named team obs's
        (_cart(), _collector(team="evil"), "service otel-collector is team evil's"),
        # the named team, other targets: its page is another outage
        (_cart(), _collector(job="collector-2"), 'reads up{job="collector-2"}, this service up{job="otel-collector"}'),
        # the relay's ServiceDown is no page: nobody would hear the outage
        (_cart(), _collector(extra="alerts: {service_down: {critical: false}}\n"), "has no ServiceDown page"),
        # the relay holds longer: the spec's page would ring first and lose its resolve
        (_cart(), _collector(extra="alerts: {service_down: {critical: {for: 10m}}}\n"), "holds 10m, this service's 5m"),
        # a chain (round 50): the named relay is behind a relay itself; name the one whose own targets these are
        (
            _cart(),
            _collector(extra="targets: {job: otel-collector}\ntargets_via: federation\n"),
            "has targets_via itself",
        ),
        # a minute longer: the held page's extra two intervals would shrink to one, the margin e2e51 found thin live
        (_cart(), _collector(extra="alerts: {service_down: {critical: {for: 6m}}}\n"), "holds 6m, this service's 5m"),
        # a ticket is no page: neither the inhibit rule nor the rule-side quiet reads a warning ServiceDown
        (
            _cart(),
            _collector(extra="alerts: {service_down: {critical: false, warning: {for: 5m}}}\n"),
            "has no ServiceDown page",
        ),
        # a relay behind a relay: its ServiceDown reads the collector in front of it, not these targets
        (
            _cart(),
            _collector(extra="targets: {job: otel-collector}\ntargets_via: collector\n"),
            "has targets_via itself",
        ),
    ],
    ids=[
        "another-team",
        "other-targets",
        "no-page",
        "longer-hold",
        "chain",
        "a-minute-longer",
        "ticket-only",
        "relayed-relay",
    ],
)
def test_a_relay_that_cannot_hold_the_page_is_refused_at_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cart: str, collector: str, says: str
) -> None:
    code, err, out = _compile(capsys, tmp_path, cart, collector)
    assert code == 2, err
    assert f"{tmp_path}/specs/cart.yaml:7:18 $.relay.service: " in err and says in err, err
    assert "Traceback" not in err and not out.exists()


def test_a_relay_with_the_spec_holding_as_long_compiles(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hold = "alerts: {service_down: {critical: {for: 10m}}}\n"
    code, err, _ = _compile(capsys, tmp_path, _cart(alerts=hold), _collector(extra=hold))
    assert code == 0, err


def test_relay_without_targets_via_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err, _ = _compile(capsys, tmp_path, _cart(via=""), _collector())
    assert code == 2, err
    assert f"{tmp_path}/specs/cart.yaml:6:8 $.relay: relay: names the service" in err, err
    assert "1 error;" in err  # nothing judged of a relay that is no relay


def test_a_relay_outside_the_compiled_specs_is_warned_of(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err, out = _compile(capsys, tmp_path, _cart(), None)
    assert code == 0, err
    assert f"{tmp_path}/specs/cart.yaml:7:18: service otel-collector (relay:) is not among the compiled specs" in err
    assert "relay=" not in (out / "alertmanager" / "alertmanager.yml").read_text().split("inhibit_rules:")[1]


def test_shared_targets_without_relay_say_how_to_name_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plain = _cart().replace("relay: {service: otel-collector, team: obs}\n", "")
    code, err, _ = _compile(capsys, tmp_path, plain, _collector())
    assert code == 0, err
    assert "say relay: {service: otel-collector, team: obs} in cart's spec" in err, err
