"""Routing on a platform unlike examples/: twelve teams whose names prefix each other, a team with no routing, teams
held to business hours (active time intervals), a pager the platform shares between two teams and the default
receiver, two teams paged through one receiver: whose key file lies in the shared root (one holding a team's file
serves that team alone since round 34), services with their own receivers, a page and its ticket for the same
incident, inhibition, and a service that moved teams. Every distinct alert of the compiled rules must reach
exactly one receiver, the one read off the spec files by the lookup order the README gives (written here, not
obsc's routing-tests.yaml): asked of amtool 0.25, and of a real Alertmanager 0.25 through its API, which also says
how it grouped them."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.output.bundle import Bundle
from tests.conftest import require_tool
from tests.e2e import servers

HOURS = '{location: Europe/Berlin, weekdays: ["monday:friday"], times: [{start: "08:00", end: "18:00"}]}'
PLATFORM = f"""\
apiVersion: obsc/v1
kind: Platform
secrets: {{team_root: "/s/am/team-{{team}}/", shared_root: /s/am/platform/}}
defaults:
  routing: {{info: audit}}
teams:
  pay: {{routing: {{critical: shared-pager, warning: {{webhook: {{url: "https://t.example/pay"}}}}}}}}
  pay-eu:
    routing: {{critical: {{pagerduty: {{routing_key_file: /s/am/team-pay-eu/pd}}}}, warning: shared-tickets}}
    business_hours: {HOURS}
  payments:
    routing:
      critical: {{pagerduty: {{routing_key_file: /s/am/team-payments/pd}}}}
      warning: {{webhook: {{url: "https://t.example/payments"}}}}
      info: {{webhook: {{url: "https://t.example/payments-digest"}}}}
  payments-eu: {{routing: {{critical: payments-eu-pager}}}}
  ops:
    routing: {{critical: shared-pager, warning: {{slack: {{channel: "#ops", api_url_file: /s/am/team-ops/slack}}}}}}
  ops-db: {{routing: {{critical: shared-pager}}, business_hours: {HOURS}}}
  data: {{routing: {{critical: shared-pager, info: {{webhook: {{url: "https://t.example/data-digest"}}}}}}}}
  data-lake: {{routing: {{critical: {{opsgenie: {{api_key_file: /s/am/team-data-lake/og}}}}}}}}
  ml: {{routing: {{critical: shared-pager}}}}  # pages named: the catch-all unnamed is an error
  ml-x: {{routing: {{critical: payments-eu-pager, warning: {{email: {{to: ml-x@example.com}}}}}}}}
  search: {{routing: {{critical: {{pagerduty: {{routing_key_file: /s/am/team-search/pd}}}}}}}}
  search-eu: {{routing: {{critical: {{pagerduty: {{routing_key_file: /s/am/team-search-eu/pd}}}}}}}}
receivers:
  audit: {{webhook: {{url: "https://t.example/audit"}}}}
  shared-pager: {{pagerduty: {{routing_key_file: /s/am/platform/pd}}}}
  shared-tickets: {{webhook: {{url: "https://t.example/shared"}}}}
  payments-eu-pager: {{pagerduty: {{routing_key_file: /s/am/platform/payments-eu-pd}}}}
alertmanager:
  default_receiver: shared-pager
  global: {{smtp_smarthost: "smtp.example.com:587", smtp_from: am@example.com}}
"""
SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
selector: {{job: {service}}}
metrics: {{requests: r_total, errors: 'r_total{{code=~"5.."}}', latency: d_seconds, build_info: b_info}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
  - {{name: latency, objective: 99, sli: {{latency: latency, threshold: 300ms}}}}
alerts: {{error_rate: {{warning: 2%, critical: 20%}}}}
{extra}
"""
# service → (team, routing the spec writes: tier → receiver name or "inline")
SERVICES: dict[str, tuple[str, dict[str, str]]] = {
    "checkout": ("pay", {}),
    "checkout-eu": ("pay-eu", {"critical": "inline"}),
    "ledger": ("payments", {}),
    "ledger-eu": ("payments-eu", {}),
    "router": ("ops", {}),  # naming shared-tickets, which only pay-eu is routed to, is refused (round 33)
    "pg": ("ops-db", {}),
    "etl": ("data", {}),
    "lake": ("data-lake", {"info": "audit"}),
    "trainer": ("ml", {}),
    "trainer-x": ("ml-x", {}),
    "index": ("search", {}),
    "index-eu": ("search-eu", {"critical": "inline"}),
}
TEAMS: dict[str, dict[str, str]] = {}  # team → tier → receiver, read off PLATFORM
DEFAULTS = {"info": "audit"}
DEFAULT_RECEIVER = "shared-pager"
UNROUTED = "obsc-unrouted"


def _team_routes() -> dict[str, dict[str, str]]:
    teams = yaml.safe_load(PLATFORM)["teams"]
    return {
        team: {tier: v if isinstance(v, str) else f"team-{team}-{tier}" for tier, v in (b.get("routing") or {}).items()}
        for team, b in teams.items()
    }


def expected(team: str, service: str | None, tier: str) -> str:
    """The README's lookup order: the service's routing, its team's, defaults.routing, the default receiver
    (info never falls back to it)."""
    own = SERVICES[service][1] if service in SERVICES and SERVICES[service][0] == team else {}
    if tier in own:
        return f"{service}-{tier}" if own[tier] == "inline" else own[tier]
    chain = _team_routes().get(team, {}).get(tier) or DEFAULTS.get(tier)
    return chain or (UNROUTED if tier == "info" else DEFAULT_RECEIVER)


def _spec(service: str, team: str, routing: dict[str, str]) -> str:
    body = {
        t: (f"{{pagerduty: {{routing_key_file: /s/am/team-{team}/{service}}}}}" if r == "inline" else r)
        for t, r in routing.items()
    }
    extra = "routing: {" + ", ".join(f"{t}: {r}" for t, r in body.items()) + "}" if body else ""
    return SPEC.format(service=service, team=team, extra=extra)


def _compile(root: Path, services: dict[str, tuple[str, dict[str, str]]] = SERVICES) -> Bundle:
    specs = root / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    for service, (team, routing) in services.items():
        (specs / f"{service}.yaml").write_text(_spec(service, team, routing))
    return compile_specs([str(specs)], CompileOptions()).bundle


def _alerts(bundle: Bundle) -> list[dict[str, str]]:
    """Every distinct alert label set the compiled rules can emit (alertname and the rule's labels)."""
    found: dict[tuple[tuple[str, str], ...], None] = {}
    for artifact in bundle.artifacts:
        if artifact.path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(artifact.content)["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        found[tuple(sorted({"alertname": rule["alert"], **rule["labels"]}.items()))] = None
    return [dict(labels) for labels in found]


# Alerts no spec compiles: a mixin's alert with only a team (one of the prefix teams, the team without routing,
# a team the platform does not know), one without a severity, and a cluster alert of no team; and the last
# alerts of a service that moved from team ml to team search (they carry the old team and resolve there).
OTHERS = [
    {"alertname": "KubePodCrashLooping", "team": "pay", "severity": "critical"},
    {"alertname": "KubePodCrashLooping", "team": "pay-eu", "severity": "warning"},
    {"alertname": "KubePodCrashLooping", "team": "ml", "severity": "warning"},
    {"alertname": "KubePodCrashLooping", "team": "ml", "severity": "info"},
    {"alertname": "KubePodCrashLooping", "team": "data", "severity": "info"},
    {"alertname": "KubePodCrashLooping", "team": "nobody", "severity": "critical"},
    {"alertname": "KubeNodeNotReady", "service": "kubelet", "severity": "critical"},
    {
        "alertname": "SLOErrorBudgetBurnFast",
        "team": "ml",
        "service": "index",
        "slo": "availability",
        "severity": "critical",
    },
    {
        "alertname": "SLOErrorBudgetBurnSlow",
        "team": "ml",
        "service": "index",
        "slo": "availability",
        "severity": "warning",
    },
    # a severity obsc does not write, or none: the team's ticket receiver (else its pager), never another team's
    {"alertname": "BackupLate", "team": "pay", "severity": "page"},
    {"alertname": "BackupLate", "team": "ops-db"},
    {"alertname": "BackupLate", "team": "payments-eu", "severity": "none"},
    # a team's alert that names another team's service: the team's label decides
    {"alertname": "QueueDeep", "team": "pay", "service": "ledger", "severity": "critical"},
    {"alertname": "QueueDeep", "team": "", "service": "ledger", "severity": "critical"},
]


def _expected_other(labels: dict[str, str]) -> str:
    team = labels.get("team", "")
    if team not in _team_routes():
        return DEFAULT_RECEIVER
    tier = labels.get("severity", "")
    return expected(team, labels.get("service"), tier if tier in ("critical", "warning", "info") else "warning")


def _amtool(amtool: str, config: Path, labels: dict[str, str]) -> list[str]:
    quoted = [f'{k}="{v}"' for k, v in sorted(labels.items())]
    out = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *quoted],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [r for r in out.stdout.strip().split(",") if r]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]], list[str]]:
    root = tmp_path_factory.mktemp("unusual")
    bundle = _compile(root)
    config = root / "alertmanager" / "alertmanager.yml"
    config.parent.mkdir()
    config.write_text(bundle.get("alertmanager/alertmanager.yml").content)  # type: ignore[union-attr]
    alerts = _alerts(bundle)
    want = [expected(a["team"], a.get("service"), a["severity"]) for a in alerts]
    return config, [*alerts, *OTHERS], [*want, *map(_expected_other, OTHERS)]


def _routed_labels(config: Path) -> set[str]:
    """The label names the routing tree's matchers read: two alerts alike in these take the same route."""
    names: set[str] = set()

    def walk(route: dict[str, Any]) -> None:
        names.update(re.match(r"\s*(\w+)", m).group(1) for m in route.get("matchers", []))  # type: ignore[union-attr]
        for child in route.get("routes", []):
            walk(child)

    walk(yaml.safe_load(config.read_text())["route"])
    return names


def _misrouted(config: Path, alerts: list[dict[str, str]], want: list[str]) -> list[Any]:
    """(labels, receivers amtool 0.25 gives, the one expected) for each alert not routed to its one receiver;
    amtool is asked once per distinct set of the labels routing reads."""
    amtool = require_tool("amtool", "AMTOOL")
    read = _routed_labels(config)
    asked: dict[tuple[tuple[str, str], ...], list[str]] = {}
    wrong = []
    for labels, receiver in zip(alerts, want, strict=True):
        key = tuple(sorted((k, v) for k, v in labels.items() if k in read))
        if key not in asked:
            asked[key] = _amtool(amtool, config, dict(key))
        if asked[key] != [receiver]:
            wrong.append((labels, asked[key], receiver))
    return wrong


def test_every_alert_reaches_its_one_receiver_in_amtool(
    compiled: tuple[Path, list[dict[str, str]], list[str]],
) -> None:
    config, alerts, want = compiled
    assert {a.get("service") for a in alerts if a.get("team") in _team_routes()} >= set(SERVICES)
    assert len(alerts) > 150 and len(set(want)) > 12
    wrong = _misrouted(config, alerts, want)
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    ("written", "broken"),
    [
        ("""['team="pay"']""", """['team=~"pay.*"']"""),  # a team branch that takes its prefix teams' alerts
        ("receiver: team-payments-critical", "receiver: shared-pager"),  # one team's pages on the shared pager
    ],
)
def test_the_amtool_check_sees_a_misroute(
    compiled: tuple[Path, list[dict[str, str]], list[str]], tmp_path: Path, written: str, broken: str
) -> None:
    config, alerts, want = compiled
    text = config.read_text()
    assert written in text
    mutated = tmp_path / "alertmanager.yml"
    mutated.write_text(text.replace(written, broken))
    teams = {"pay-eu", "payments"}
    some = [(a, w) for a, w in zip(alerts, want, strict=True) if a.get("team") in teams]
    assert _misrouted(mutated, [a for a, _ in some], [w for _, w in some])


def test_a_real_alertmanager_routes_and_groups_every_alert_alike(
    compiled: tuple[Path, list[dict[str, str]], list[str]], tmp_path: Path
) -> None:
    binary = require_tool("prometheus-alertmanager")
    config, alerts, want = compiled
    test_config = servers.alertmanager_test_config(config, lambda route: "1h", hook_url="http://127.0.0.1:9")
    with servers.alertmanager(binary, test_config, tmp_path) as am:
        posted = [{"labels": labels} for labels in alerts]
        request = urllib.request.Request(
            am.url + "/api/v2/alerts", json.dumps(posted).encode(), {"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=30).close()
        listed: list[dict[str, Any]] = servers.wait_until(
            lambda: (got := servers.get_json(am.url + "/api/v2/alerts")) and len(got) == len(alerts) and got,
            timeout=60,
            what="every posted alert listed",
        )
        groups: list[dict[str, Any]] = servers.get_json(am.url + "/api/v2/alerts/groups")
        inhibited: list[dict[str, Any]] = servers.wait_until(
            lambda: [a for a in servers.get_json(am.url + "/api/v2/alerts") if a["status"]["inhibitedBy"]],
            timeout=60,
            what="the pages' inhibitions",
        )
    by_labels = {tuple(sorted(a["labels"].items())): sorted(r["name"] for r in a["receivers"]) for a in listed}
    # An empty label is no label to Alertmanager: it lists team="" without it.
    wrong = [
        (labels, got, w)
        for labels, w in zip(alerts, want, strict=True)
        if (got := by_labels.get(tuple(sorted((k, v) for k, v in labels.items() if v)))) != [w]
    ]
    assert not wrong, wrong[:5]
    # One notification per team's service: no group mixes teams, nor services of a team.
    for group in groups:
        owners = {(a["labels"].get("team"), a["labels"].get("service")) for a in group["alerts"]}
        assert len(owners) == 1 or not any(t for t, _ in owners), (group["receiver"], group["labels"], owners)
    # Inhibition never crosses a team or a service: the moved service's pages under its old team (ml) and its
    # new one (search) each silence their own team's tickets only.
    by_fingerprint = {a["fingerprint"]: a["labels"] for a in listed}
    crossed = [
        (a["labels"], by_fingerprint[source])
        for a in inhibited
        for source in a["status"]["inhibitedBy"]
        if any(a["labels"].get(k) != by_fingerprint[source].get(k) for k in ("team", "service"))
    ]
    assert not crossed, crossed[:3]
    assert {a["labels"]["team"] for a in inhibited} >= {"ml", "search", "pay-eu"}
