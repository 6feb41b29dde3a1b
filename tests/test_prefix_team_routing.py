"""Teams whose names prefix each other (`pay`, `payments`, `payments-eu`) and services that share a prefix across
teams (`checkout` of pay, `checkout-eu` of payments): every alert the rules can emit, asked of amtool 0.25, lands on
its own team's receiver of its tier, once, never on a team whose name it merely starts like. The expectation is
written here by hand from the platform file, not read from obsc's routing-tests.yaml (which is obsc's own claim)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.output.bundle import Bundle
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_root: "/s/am/team-{team}/", shared_root: /s/am/platform/}
defaults:
  routing: {info: audit}
teams:
  pay:
    routing: {warning: {webhook: {url: "https://t.example/pay"}}, critical: sre}  # the catch-all, named
  payments:
    routing:
      critical: {pagerduty: {routing_key_file: /s/am/team-payments/pd}}
      warning: {webhook: {url: "https://t.example/payments"}}
      info: {webhook: {url: "https://t.example/payments-digest"}}
  payments-eu:
    routing:
      critical: {pagerduty: {routing_key_file: /s/am/team-payments-eu/pd}}
      warning: {webhook: {url: "https://t.example/payments-eu"}}
      info: {webhook: {url: "https://t.example/payments-eu-digest"}}
receivers:
  audit: {webhook: {url: "https://t.example/audit"}}
  sre: {webhook: {url: "https://t.example/sre"}}
alertmanager: {default_receiver: sre}
"""
SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
selector: {{job: {service}}}
metrics: {{requests: r_total, errors: 'r_total{{code=~"5.."}}', latency: d_seconds}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
  - {{name: latency, objective: 99, sli: {{latency: latency, threshold: 300ms}}}}
alerts: {{error_rate: {{warning: 2%}}}}
{extra}
"""
SERVICES = {
    "checkout": ("pay", ""),
    "checkout-eu": ("payments", "routing: {critical: {pagerduty: {routing_key_file: /s/am/team-payments/eu}}}"),
    "payments-api": ("payments-eu", "labels: {component: api, region: eu}"),
}
# (team, service, severity) -> the one receiver, read off PLATFORM and SERVICES by hand.
EXPECTED = {
    ("pay", "checkout", "critical"): "sre",  # pay has no pager: the catch-all, never payments'
    ("pay", "checkout", "warning"): "team-pay-warning",
    ("pay", "checkout", "info"): "audit",
    ("payments", "checkout-eu", "critical"): "checkout-eu-critical",
    ("payments", "checkout-eu", "warning"): "team-payments-warning",
    ("payments", "checkout-eu", "info"): "team-payments-info",
    ("payments-eu", "payments-api", "critical"): "team-payments-eu-critical",
    ("payments-eu", "payments-api", "warning"): "team-payments-eu-warning",
    ("payments-eu", "payments-api", "info"): "team-payments-eu-info",
}
# Alerts of other origins: a mixin's alert with only a team, a cluster alert with no team.
HAND_WRITTEN = [
    ({"alertname": "KubePodCrashLooping", "team": "pay", "severity": "critical"}, "sre"),
    ({"alertname": "KubePodCrashLooping", "team": "payments", "severity": "critical"}, "team-payments-critical"),
    ({"alertname": "KubePodCrashLooping", "team": "payments-eu", "severity": "warning"}, "team-payments-eu-warning"),
    ({"alertname": "KubeNodeNotReady", "service": "kubelet", "severity": "critical"}, "sre"),
]


def _route(amtool: str, config: Path, labels: dict[str, str]) -> list[str]:
    quoted = [f'{k}="{v}"' for k, v in sorted(labels.items())]  # one label per argument
    out = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *quoted],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [r for r in out.stdout.strip().split(",") if r]


def _compile(root: Path) -> Bundle:
    specs = root / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for service, (team, extra) in SERVICES.items():
        (specs / f"{service}.yaml").write_text(SPEC.format(service=service, team=team, extra=extra))
    return compile_specs([str(specs)], CompileOptions()).bundle


def test_every_alert_of_prefix_named_teams_reaches_its_own_teams_receiver_once(tmp_path: Path) -> None:
    amtool = require_tool("amtool", "AMTOOL")
    bundle = _compile(tmp_path)
    config = tmp_path / "alertmanager.yml"
    config.write_text(bundle.get("alertmanager/alertmanager.yml").content)  # type: ignore[union-attr]

    alerts: dict[tuple[tuple[str, str], ...], str] = {}
    for artifact in bundle.artifacts:
        if artifact.path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(artifact.content)["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        labels = {"alertname": rule["alert"], **rule["labels"]}
                        key = (labels["team"], labels["service"], labels["severity"])
                        alerts[tuple(sorted(labels.items()))] = EXPECTED[key]
    assert {dict(a)["service"] for a in alerts} == set(SERVICES)
    assert len(alerts) > 40
    for labels, receiver in [*((dict(a), r) for a, r in alerts.items()), *HAND_WRITTEN]:
        assert _route(amtool, config, labels) == [receiver], labels


@pytest.mark.parametrize("regex_team", ['team=~"pay.*"', 'team=~"pay|payments"'])
def test_the_check_above_sees_a_team_matched_by_prefix(tmp_path: Path, regex_team: str) -> None:
    # The test above can fail: a team branch matching by pattern takes the other teams' alerts.
    amtool = require_tool("amtool", "AMTOOL")
    text = _compile(tmp_path).get("alertmanager/alertmanager.yml").content  # type: ignore[union-attr]
    config = tmp_path / "alertmanager.yml"
    config.write_text(text.replace("""['team="pay"']""", f"['{regex_team}']"))
    labels = {"alertname": "SLOErrorBudgetBurnSlow", "team": "payments", "service": "checkout-eu"}
    assert _route(amtool, config, {**labels, "severity": "warning"}) == ["team-pay-warning"]
