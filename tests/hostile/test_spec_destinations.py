"""A destination written in another team's spec is that team's, when specs live in their team's folder.

Found by a hunt (round 40, a hostile contributor in a shared repository): obsc kept a spec off the webhook URLs
and addresses the platform file gives another team, but not off those another team's own spec writes. Team
alpha's spec could route its pages to `payments-oncall@example.com` (bravo's on-call list, written in bravo's
`payments.yaml`, perhaps a PagerDuty mail integration) or to bravo's ticket hook, with `?src=x`, a path below
it or as a PagerDuty `url`: exit 0, and bravo's queue or pager got alpha's alerts as bravo's. Bravo's reviewers
never see alpha's file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {{team_root: "/etc/alertmanager/secrets/team-{{team}}/"{spec_dir}}}
teams:
  alpha: {{routing: {{warning: {{webhook: {{url: "https://hooks.example/alpha"}}}}}}}}
  bravo: {{routing: {{warning: {{webhook: {{url: "https://hooks.example/bravo"}}}}}}}}
receivers:
  relay: {{webhook: {{url: "https://relay.example/alertmanager"}}}}
alertmanager: {{global: {{smtp_smarthost: "smtp.example:587", smtp_from: alertmanager@example.com}}}}
"""

SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
description: x
selector: {{job: {service}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
routing: {{critical: {critical}}}
"""

PAGERDUTY = "https://events.pagerduty.com/v2/enqueue"
BRAVO = "{email: {to: payments-oncall@example.com}}, info: {webhook: {url: 'https://tickets.example/hooks/pay'}}"


def _repository(tmp_path: Path, alpha: str, *, spec_dir: bool = True, bravo: str = BRAVO) -> Path:
    specs = tmp_path / "specs"
    for team, service, critical in (("alpha", "cart", alpha), ("bravo", "payments", bravo)):
        (specs / "teams" / team).mkdir(parents=True, exist_ok=True)
        text = SPEC.format(service=service, team=team, critical=critical)
        (specs / "teams" / team / f"{service}.yaml").write_text(text)
    extra = ', team_spec_dir: "teams/{team}/"' if spec_dir else ""
    (specs / "platform.yaml").write_text(PLATFORM.format(spec_dir=extra))
    return specs


@pytest.mark.parametrize(
    ("alpha", "setting"),
    [
        ("{email: {to: payments-oncall@example.com}}", "email.to"),
        ("{email: {to: Payments-Oncall+cart@EXAMPLE.com}}", "email.to"),
        ("{webhook: {url: 'https://tickets.example/hooks/pay?from=cart'}}", "webhook.url"),
        ("{webhook: {url: 'https://TICKETS.example:443/hooks/%70ay/cart'}}", "webhook.url"),
        (
            "{pagerduty: {routing_key_file: /etc/alertmanager/secrets/team-alpha/pd, url: 'https://tickets.example/hooks/pay'}}",
            "pagerduty.url",
        ),
    ],
)
def test_a_spec_may_not_send_where_another_teams_spec_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alpha: str, setting: str
) -> None:
    specs = _repository(tmp_path, alpha)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.err
    cart = specs / "teams" / "alpha" / "cart.yaml"
    assert f"{cart}:11:11 $.routing.critical.{setting}: " in result.err, result.err
    assert "of a spec of team 'bravo'" in result.err and "would file team alpha's alerts as team bravo's" in result.err
    assert not (tmp_path / "out").exists()


def test_both_ends_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """obsc cannot tell which spec wrote it first: the pull request that adds the second fails at both lines."""
    specs = _repository(tmp_path, "{email: {to: payments-oncall@example.com}}")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    payments = specs / "teams" / "bravo" / "payments.yaml"
    assert (
        f"{payments}:11:11 $.routing.critical.email.to: 'payments-oncall@example.com' is the destination" in result.err
    )
    assert result.err.endswith("obsc: 2 errors; nothing was written\n"), result.err


@pytest.mark.parametrize(
    ("alpha", "bravo", "spec_dir"),
    [
        ("{email: {to: cart-oncall@example.com}}", BRAVO, True),  # each its own
        (
            "{webhook: {url: 'https://relay.example/alertmanager'}}",
            "{webhook: {url: 'https://relay.example/alertmanager'}}",
            True,
        ),  # the platform's relay
        ("{email: {to: payments-oncall@example.com}}", BRAVO, False),  # `team:` is a claim: owns nothing
        (  # a host's root is no team's: another path on the same host is another hook
            "{webhook: {url: 'https://tickets.example/cart'}}",
            "{webhook: {url: 'https://tickets.example/'}}",
            True,
        ),
        (  # a path that only begins like another team's spec's hook is not below it
            "{webhook: {url: 'https://tickets.example/hooks/payments'}}",
            BRAVO,
            True,
        ),
        ("{webhook: {url: 'https://hooks.example/bravo-mirror'}}", BRAVO, True),  # nor like the platform's
        (  # PagerDuty's own API: each team's key posts its own incidents there
            f"{{pagerduty: {{routing_key_file: /etc/alertmanager/secrets/team-alpha/pd, url: '{PAGERDUTY}'}}}}",
            f"{{pagerduty: {{routing_key_file: /etc/alertmanager/secrets/team-bravo/pd, url: '{PAGERDUTY}'}}}}",
            True,
        ),
    ],
)
def test_what_stays_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alpha: str, bravo: str, spec_dir: bool
) -> None:
    specs = _repository(tmp_path, alpha, spec_dir=spec_dir, bravo=bravo)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate", "-q")
    assert result.code == 0, result.err


def test_a_compile_of_one_teams_specs_judges_with_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other teams' specs of the platform file's tree are read (round 49; before, this compiled, exit 0)."""
    specs = _repository(tmp_path, "{email: {to: payments-oncall@example.com}}")
    cart = specs / "teams" / "alpha" / "cart.yaml"
    argv = ["compile", str(cart), "--platform", str(specs / "platform.yaml"), "--out", str(tmp_path / "out")]
    result = run_obsc(capsys, *argv, "--no-validate", "-q")
    assert result.code == 2, result.err
    assert f"{cart}:11:11 $.routing.critical.email.to: 'payments-oncall@example.com' is the destination" in result.err
    assert f"(routing.critical.email.to at {specs}/teams/bravo/payments.yaml:11:11)" in result.err
