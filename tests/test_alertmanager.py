"""Alertmanager target: the fleet-wide alertmanager.yml, its routing table, and per-team operator configs.

These run without amtool (tests/test_amtool.py replays the output through amtool 0.25).
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import Compilation, CompileOptions, compile_specs, load_fleet
from compiler.model.alerts import fired_labels, service_alerts
from compiler.model.saturation_twins import saturation_twins
from compiler.model.types import BusinessHours, Tier, TimeRange
from compiler.output.bundle import assemble
from compiler.spec.schema import INLINE_SECRETS
from compiler.targets import TargetOptions, alertmanager
from compiler.targets.alertmanager.operator import secret_ref
from compiler.targets.alertmanager.routes import TIER_TIMING, flush_interval
from compiler.targets.alertmanager.routing_tests import routing_cases
from compiler.targets.alertmanager.templates import content_fields
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
# libyaml's parser where built: the files read here are obsc's own output, read as data (~8x less CPU).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compile(path: Path, fmt: str = "prometheus") -> Compilation:
    """This target alone over the real model (other targets' health does not matter here)."""
    fleet, notes = load_fleet([str(path)], CompileOptions(format=fmt), {})
    bundle = assemble(alertmanager.fleet_artifacts(fleet, TargetOptions(format=fmt)), "obsc compile")
    return Compilation(fleet=fleet, bundle=bundle, notes=notes)


def _file(compilation: Compilation, path: str) -> dict[str, Any]:
    artifact = compilation.bundle.get(path)
    assert artifact is not None, f"{path} was not generated"
    loaded: dict[str, Any] = yaml.load(artifact.content, Loader=_LOADER)
    return loaded


@pytest.fixture(scope="module")
def examples() -> Compilation:
    return _compile(EXAMPLES)


@pytest.fixture(scope="module")
def config(examples: Compilation) -> dict[str, Any]:
    return _file(examples, names.ALERTMANAGER_CONFIG)


def _branch(config: dict[str, Any], team: str, service: str | None = None) -> dict[str, Any]:
    node = next(r for r in config["route"]["routes"] if r["matchers"] == [f'team="{team}"'])
    if service is None:
        return node
    found: dict[str, Any] = next(r for r in node["routes"] if r["matchers"] == [f'service="{service}"'])
    return found


def _leaf(config: dict[str, Any], team: str, service: str, tier: Tier) -> dict[str, Any]:
    """The leaf the service's `tier` alerts take: its own branch's, else (routed as its team) the team's."""
    team_node = _branch(config, team)
    if any(r["matchers"] == [f'service="{service}"'] for r in team_node["routes"]):
        leaves, matchers = _branch(config, team, service)["routes"], [f'severity="{tier.value}"']
    else:
        leaves, matchers = team_node["routes"], [f'severity="{tier.value}"', 'service!=""']
    found: dict[str, Any] = next(r for r in leaves if r["matchers"] == matchers)
    return found


def _walk(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [route, *(node for child in route.get("routes", []) for node in _walk(child))]


# ---------------------------------------------------------------- the tree


def test_the_pipeline_runs_this_target() -> None:
    bundle = compile_specs([str(EXAMPLES)]).bundle
    assert bundle.get(names.ALERTMANAGER_CONFIG) is not None
    assert bundle.get(names.ROUTING_TESTS) is not None


def test_one_file_merged_onto_the_platform_base(examples: Compilation, config: dict[str, Any]) -> None:
    base = examples.fleet.platform.alertmanager
    assert config["global"] == dict(base.global_settings)
    assert config["route"]["receiver"] == "platform-fallback"
    paths = [p for p in examples.bundle.paths if p.startswith(names.ALERTMANAGER_DIR + "/")]
    assert paths == [names.ALERTMANAGER_CONFIG, names.ROUTING_TESTS, names.ALERTMANAGER_TEMPLATE]  # no operator files


def test_tree_is_team_then_severity_and_a_service_routed_as_its_team_has_no_branch(
    examples: Compilation, config: dict[str, Any]
) -> None:
    teams = [r["matchers"] for r in config["route"]["routes"]]
    assert teams == [['team="fulfilment"'], ['team="payments"'], ['team="search"']]
    # Every example service routes as its team: the team's leaves for its services name none of them (a branch
    # naming one vanished when it was renamed or moved, and its open page lost its group), then the fallback.
    # The missing-data and shared incidents' ticket leaves come first in every team, whether or not one of its
    # services has such a ticket today (pages group per service: no such leaf).
    for team in config["route"]["routes"]:
        assert [r["matchers"] for r in team["routes"]] == [
            ['severity="warning"', 'service!=""', 'data="missing"'],
            ['severity="warning"', 'service!=""', 'incident!=""'],
            *([f'severity="{t.value}"', 'service!=""'] for t in Tier),
            *([f'severity="{t.value}"'] for t in Tier),
        ]
    for service in examples.fleet.services:
        for tier in Tier:
            route = service.route(tier)
            assert route is not None
            assert _leaf(config, service.team, service.name, tier)["receiver"] == route.receiver


def test_matchers_only_with_double_quoted_values(examples: Compilation, config: dict[str, Any]) -> None:
    text = examples.bundle.get(names.ALERTMANAGER_CONFIG).content  # type: ignore[union-attr]
    assert not re.search(r"^\s*(match|match_re|source_match|target_match):", text, re.MULTILINE)
    matchers = [m for node in _walk(config["route"]) for m in node.get("matchers", [])]
    matchers += [m for rule in config["inhibit_rules"] for m in rule["source_matchers"] + rule["target_matchers"]]
    assert matchers
    for matcher in matchers:
        assert re.fullmatch(r'[a-z_]+(=|!=|=~|!~)"[^"]*"', matcher), matcher


def test_group_by_keeps_one_page_per_service_and_one_ticket_per_slo(config: dict[str, Any]) -> None:
    team = _branch(config, "payments")
    assert team["group_by"] == ["service", "slo"]
    # one outage seen by several pages (ServiceDown, two SLOs, a key alert) is one incident (round 40)
    assert _leaf(config, "payments", "checkout", Tier.CRITICAL)["group_by"] == ["service"]
    assert "group_by" not in _leaf(config, "payments", "checkout", Tier.WARNING)  # the team's: per service and SLO
    assert _leaf(config, "payments", "checkout", Tier.INFO)["group_by"] == ["service"]  # one digest per service


def test_tier_timing_pages_repeat_and_info_is_a_daily_digest(config: dict[str, Any]) -> None:
    critical = _leaf(config, "payments", "checkout", Tier.CRITICAL)
    warning = _leaf(config, "payments", "checkout", Tier.WARNING)
    info = _leaf(config, "payments", "checkout", Tier.INFO)
    assert (critical["group_wait"], critical["repeat_interval"]) == ("30s", "1h")
    assert warning["repeat_interval"] == "12h"
    assert (info["group_interval"], info["repeat_interval"]) == ("1d", "1d")
    assert TIER_TIMING[Tier.CRITICAL].repeat_interval < TIER_TIMING[Tier.WARNING].repeat_interval


def test_business_hours_gate_warning_and_info_never_pages(config: dict[str, Any]) -> None:
    interval = names.business_hours_interval("fulfilment")
    assert config["time_intervals"] == [
        {
            "name": interval,
            "time_intervals": [
                {
                    "weekdays": ["monday:friday"],
                    "times": [{"start_time": "08:00", "end_time": "18:00"}],
                    "location": "Europe/Berlin",
                }
            ],
        }
    ]
    assert "active_time_intervals" not in _leaf(config, "fulfilment", "order-worker", Tier.CRITICAL)
    for tier in (Tier.WARNING, Tier.INFO):
        assert _leaf(config, "fulfilment", "order-worker", tier)["active_time_intervals"] == [interval]
    # The 10h window caps the digest interval so a flush lands inside it (a 1d interval never might).
    assert _leaf(config, "fulfilment", "order-worker", Tier.INFO)["group_interval"] == "8h"
    # Teams without business hours are not gated.
    assert "active_time_intervals" not in _leaf(config, "payments", "checkout", Tier.WARNING)


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ([("08:00", "18:00")], 8 * 3600),
        ([("09:00", "11:00")], 2 * 3600),
        ([("00:00", "24:00")], 24 * 3600),
        ([("08:00", "18:00"), ("19:00", "19:20")], 15 * 60),
    ],
)
def test_flush_interval_fits_inside_the_shortest_window(times: list[tuple[str, str]], expected: int) -> None:
    hours = BusinessHours(("monday:friday",), tuple(TimeRange(a, b) for a, b in times))
    assert flush_interval(24 * 3600, hours) == expected
    assert flush_interval(30 * 60, hours) == min(30 * 60, expected)


# ---------------------------------------------------------------- receivers and secrets


def test_receivers_from_the_fleet_with_secrets_only_as_files(examples: Compilation, config: dict[str, Any]) -> None:
    assert [r["name"] for r in config["receivers"]] == sorted(r.name for r in examples.fleet.receivers)
    by_name = {r["name"]: r for r in config["receivers"]}

    def spec_settings(name: str, key: str) -> list[dict[str, Any]]:  # without obsc's content fields
        return [
            {k: v for k, v in c.items() if k not in {*content_fields(key), "send_resolved"}}
            for c in by_name[name][f"{key}_configs"]
        ]

    assert spec_settings("team-payments-critical", "pagerduty") == [
        {"routing_key_file": "/etc/alertmanager/secrets/team-payments/pagerduty"}
    ]
    assert spec_settings("team-fulfilment-critical", "opsgenie") == [
        {"api_key_file": "/etc/alertmanager/secrets/team-fulfilment/opsgenie", "priority": "P1"}
    ]
    assert spec_settings("team-payments-warning", "slack") == [{"channel": "#payments-alerts"}]  # global URL file
    used = {node["receiver"] for node in _walk(config["route"]) if "receiver" in node}
    assert used <= set(by_name)
    text = examples.bundle.get(names.ALERTMANAGER_CONFIG).content  # type: ignore[union-attr]
    for inline in INLINE_SECRETS:
        assert not re.search(rf"\b{inline}:", text), inline


def test_webhook_credentials_go_to_http_config_and_no_url_file(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    platform = tmp_path / "specs" / "platform.yaml"
    platform.write_text(
        platform.read_text().replace(
            'warning: {webhook: {url: "https://tickets.acme.example/hooks/search"}}',
            'warning: {webhook: {url: "https://tickets.acme.example/hooks/search", '
            "credentials_file: /etc/alertmanager/secrets/team-search/tickets, max_alerts: 5}}",
        )
    )
    config = _file(_compile(tmp_path / "specs"), names.ALERTMANAGER_CONFIG)
    webhook = next(r for r in config["receivers"] if r["name"] == "team-search-warning")["webhook_configs"]
    assert webhook == [
        {
            "http_config": {"authorization": {"credentials_file": "/etc/alertmanager/secrets/team-search/tickets"}},
            "max_alerts": 5,
            "send_resolved": True,
            "url": "https://tickets.acme.example/hooks/search",
        }
    ]


def test_no_default_receiver_gets_an_explicit_empty_catch_all(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    platform = tmp_path / "specs" / "platform.yaml"
    text = platform.read_text().replace("  default_receiver: platform-fallback\n", "")
    text = text.replace("  routing:\n    info:", "  routing:\n    warning: platform-fallback\n    info:")
    platform.write_text(text)
    config = _file(_compile(tmp_path / "specs"), names.ALERTMANAGER_CONFIG)
    assert config["route"]["receiver"] == names.UNROUTED_RECEIVER
    assert {"name": names.UNROUTED_RECEIVER} in config["receivers"]


# ---------------------------------------------------------------- inhibition


def test_inhibition_is_keyed_on_team_service_and_slo_not_alertname(config: dict[str, Any]) -> None:
    rules = config["inhibit_rules"]
    page = rules[0]
    # a page naming no team and service: none (the cluster's alerts carry a `service` and no team); nor one
    # group's ServiceDown (test_group_down_inhibition.py)
    # (examples/storefront keeps its SLOs per route: every page but a burn alert here, burn pages per group below)
    not_burn = 'alertname!~"SLOErrorBudgetBurnFast|SLOErrorBudgetBurnSlow"'
    assert page["source_matchers"] == ['severity="critical"', 'down_group=""', 'team!=""', 'service!=""', not_burn]
    assert page["target_matchers"] == ['severity=~"warning|info"']
    assert page["equal"] == ["team", "service", "slo"]  # fast and slow burn have different alert names
    # a route's page silences its own route's tickets (test_group_ticket_inhibition.py), one of no group every one's;
    # which labels are a group is read per service (test_group_label_fixed_on_another_service.py)
    slo_pages = [r for r in rules[1:4] if r["source_matchers"][0].startswith('alertname=~"SLOErrorBudgetBurn')]
    keyed = [(r["source_matchers"][-1], r["equal"][-1]) for r in slo_pages]
    assert keyed == [('service!~"storefront"', "slo"), ('route=""', "slo"), ('route!=""', "route")]
    assert all("alertname" not in rule["equal"] for rule in rules)
    down = [r for r in rules if 'alertname="ServiceDown"' in r["source_matchers"]]
    tiers = ["critical", "critical", "warning", "warning", "info"]
    assert [r["source_matchers"][1] for r in down] == [f'severity="{t}"' for t in tiers]
    # its own tier only in its own notification group (no slo: an SLO's page keeps its resolve), lower tiers all
    assert [(r["target_matchers"][1], r["equal"]) for r in down] == [
        ('severity="critical"', ["team", "service", "slo"]),
        ('severity=~"warning|info"', ["team", "service"]),
        ('severity="warning"', ["team", "service", "slo"]),
        ('severity=~"info"', ["team", "service"]),
        ('severity="info"', ["team", "service", "slo"]),
    ]
    # An SLO burn alert silences key-metric alerts carrying its slo at its own tier only (a ticket never a page).
    key = [r for r in rules if r["target_matchers"][0].startswith("alertname=~")]
    assert all(r["source_matchers"][0].startswith('alertname=~"SLOErrorBudgetBurn') for r in key)
    assert [(r["source_matchers"][1], r["target_matchers"][1]) for r in key] == [
        ('severity="critical"', 'severity="critical"'),
        ('severity="warning"', 'severity="warning"'),
    ]
    targets = key[0]["target_matchers"][0].removeprefix('alertname=~"').removesuffix('"').split("|")
    assert "ServiceHighErrorRate" in targets and "ServiceHighLatencyP99" in targets
    assert "ServiceDown" not in targets and not any(t.startswith("SLO") for t in targets)
    assert all(r["equal"] == ["team", "service", "slo"] for r in key)


# ---------------------------------------------------------------- routing-test table


def test_routing_table_lists_every_alert_with_its_labels_and_receiver(examples: Compilation) -> None:
    table = _file(examples, names.ROUTING_TESTS)["cases"]
    expected = []
    for service in examples.fleet.services:
        twinned = [twin for twin, _, _ in saturation_twins(service)]  # CPU, memory, disk
        for alert in service_alerts(service):
            route = service.route(alert.tier)
            assert route is not None
            labels = {"alertname": alert.name, **fired_labels(service, alert)}  # extras: tests/test_threshold_alerts.py
            expected.append((service.name, alert.name, labels, [route.receiver]))
            if alert in twinned or (alert.threshold is not None and alert.threshold.missing_fires):  # no-series twin
                expected.append((service.name, alert.name, {**labels, "data": "missing"}, [route.receiver]))
    alerts = [c for c in table if not c["service"].startswith("(")]
    assert [(c["service"], c["alert"], c["labels"], c["receivers"]) for c in alerts] == expected
    assert len(alerts) > 40  # three services, every tier
    assert table == routing_cases(examples.fleet)


def test_routing_table_has_every_teams_fallback_after_its_alerts(examples: Compilation) -> None:
    table = _file(examples, names.ROUTING_TESTS)["cases"]
    fallback = [(c["labels"], c["receivers"], c["group"]) for c in table if c["service"] == "(team payments)"]
    assert fallback == [
        ({"severity": "critical", "team": "payments"}, ["team-payments-critical"], "critical fallback"),
        ({"severity": "warning", "team": "payments"}, ["team-payments-warning"], "warning fallback"),
        ({"severity": "info", "team": "payments"}, ["platform-info"], "info"),
        # only team=payments: reaches the team, pages nobody; the team branch's grouping, Alertmanager's timers
        ({"team": "payments"}, ["team-payments-warning"], "team"),
    ]
    assert {c["service"] for c in table if c["service"].startswith("(team ")} == {
        "(team fulfilment)",
        "(team payments)",
        "(team search)",
    }
    # an alert of no known team reaches the root's receiver, last
    assert table[-1] == {
        "service": "(no team)",
        "alert": "severity=critical",
        "labels": {"severity": "critical"},
        "receivers": ["platform-fallback"],
        "group": "root",
    }


# ---------------------------------------------------------------- team fallbacks and info


def test_every_team_branch_ends_with_its_fallback_by_severity(config: dict[str, Any]) -> None:
    payments = _branch(config, "payments")
    assert payments["receiver"] == "team-payments-warning"  # no or unknown severity
    assert [r["matchers"] for r in payments["routes"]] == [
        ['severity="warning"', 'service!=""', 'data="missing"'],
        ['severity="warning"', 'service!=""', 'incident!=""'],
        ['severity="critical"', 'service!=""'],
        ['severity="warning"', 'service!=""'],
        ['severity="info"', 'service!=""'],
        ['severity="critical"'],
        ['severity="warning"'],
        ['severity="info"'],
    ]
    leaves = payments["routes"][5:]
    assert [leaf["receiver"] for leaf in leaves] == ["team-payments-critical", "team-payments-warning", "platform-info"]
    # Same receivers and timing as its service; each alert name its own group (a hunt: every service-less page of
    # a team was one group, so a node outage joined an acknowledged crash-loop incident and never rang).
    assert [leaf.get("group_by") for leaf in leaves] == [["alertname", "service", "slo"]] * 2 + [["service"]]
    service_leaves = payments["routes"][2:5]
    assert [{k: v for k, v in leaf.items() if k not in ("group_by", "matchers")} for leaf in leaves] == [
        {k: v for k, v in leaf.items() if k not in ("group_by", "matchers")} for leaf in service_leaves
    ]
    # Business hours gate the fallback's ticket and digest too, never its page.
    fallback = [r for r in _branch(config, "fulfilment")["routes"] if r["matchers"][0].startswith("severity=")]
    gated = [leaf.get("active_time_intervals") for leaf in fallback]
    hours = ["fulfilment-business-hours"]
    assert gated == [hours] * 2 + [None, hours, hours] * 2  # its services' (missing data's, shared incidents' first)


PLATFORM_TEAMS = """apiVersion: obsc/v1
kind: Platform
teams:
  payments:
    routing:
      critical: {pagerduty: {routing_key_file: /etc/am/team-payments/pagerduty}}
  idle: {}
receivers:
  catch-all: {webhook: {url: "https://hooks.example/all"}}
alertmanager: {default_receiver: catch-all}
secrets: {team_root: "/etc/am/team-{team}/", shared_root: /etc/am/platform/}
"""

BATCH = """apiVersion: obsc/v1
service: nightly-export
team: payments
description: A nightly batch job; no info routing anywhere.
selector: {job: nightly-export}
metrics:
  requests: export_rows_total
  errors: export_rows_failed_total
slos:
  - {name: completeness, objective: 99, period: 7d, sli: {errors: errors, total: requests}}
"""


def test_info_never_falls_back_to_the_catch_all(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM_TEAMS)
    (tmp_path / "nightly-export.yaml").write_text(BATCH)
    compilation = _compile(tmp_path)
    service = compilation.fleet.services[0]
    assert service.route(Tier.WARNING).receiver == "catch-all"  # type: ignore[union-attr]
    assert service.route(Tier.INFO).receiver == names.UNROUTED_RECEIVER  # type: ignore[union-attr]
    assert any("info alerts notify nobody" in note for note in compilation.notes)
    config = _file(compilation, names.ALERTMANAGER_CONFIG)
    assert {"name": names.UNROUTED_RECEIVER} in config["receivers"]  # empty: what reaches it notifies nobody
    assert _leaf(config, "payments", "nightly-export", Tier.INFO)["receiver"] == names.UNROUTED_RECEIVER
    # A team defined by the platform with no service yet still gets its branch.
    idle = _branch(config, "idle")
    assert idle["receiver"] == "catch-all" and idle["routes"][0]["receiver"] == "catch-all"
    table = _file(compilation, names.ROUTING_TESTS)["cases"]
    assert {"team": "idle"} in [c["labels"] for c in table]
    infos = {c["receivers"][0] for c in table if c["labels"].get("severity") == "info"}
    assert infos == {names.UNROUTED_RECEIVER}


def test_info_notifies_where_routing_names_a_receiver(tmp_path: Path) -> None:
    (tmp_path / "nightly-export.yaml").write_text(BATCH + 'routing: {info: {email: {to: "batch@example.com"}}}\n')
    smtp = 'alertmanager: {global: {smtp_smarthost: "m:25", smtp_from: "a@b.c"}, '
    (tmp_path / "platform.yaml").write_text(PLATFORM_TEAMS.replace("alertmanager: {", smtp))
    service = _compile(tmp_path).fleet.services[0]
    assert service.route(Tier.INFO).receiver == "nightly-export-info"  # type: ignore[union-attr]


def test_routing_table_matches_the_labels_the_rules_fire_with(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    spec = tmp_path / "specs" / "checkout.yaml"
    spec.write_text(spec.read_text() + "labels: {component: payments-api}\n")  # obsc's own names: refused
    bundle = compile_specs([str(tmp_path / "specs")]).bundle
    fired = []
    for artifact in bundle.artifacts:
        if artifact.path.startswith(names.PROMETHEUS_RULES_DIR + "/"):
            for group in yaml.load(artifact.content, Loader=_LOADER)["groups"]:
                fired += [{"alertname": r["alert"], **r.get("labels", {})} for r in group["rules"] if "alert" in r]
    table = yaml.load(bundle.get(names.ROUTING_TESTS).content, Loader=_LOADER)["cases"]  # type: ignore[union-attr]
    table = [c for c in table if not c["service"].startswith("(")]  # team and root fallbacks: no rule fires those
    key = lambda labels: sorted(labels.items())  # noqa: E731
    assert sorted(map(key, (c["labels"] for c in table))) == sorted(map(key, fired))
    assert {c["labels"]["team"] for c in table if c["service"] == "checkout"} == {"payments"}
    assert {c["labels"]["component"] for c in table if c["service"] == "checkout"} == {"payments-api"}


def test_output_is_deterministic(examples: Compilation) -> None:
    again = _compile(EXAMPLES)
    for path in (names.ALERTMANAGER_CONFIG, names.ROUTING_TESTS):
        assert again.bundle.get(path) == examples.bundle.get(path)


# ---------------------------------------------------------------- one service's routing change stays local


def _changed_lines(before: str, after: str) -> list[int]:
    """Line numbers (in `after`, 0-based) touched by the change, including pure deletions' neighbours."""
    changed: list[int] = []
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed.extend(range(j1, max(j2, j1 + 1)))
    return changed


def _branch_lines(text: str, service: str) -> range:
    """The line range of a service's branch in alertmanager.yml."""
    lines = text.splitlines()
    start = lines.index(f"    - matchers: ['service=\"{service}\"']")
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return range(start, end)


def test_changing_one_services_routing_changes_only_its_branch(tmp_path: Path, examples: Compilation) -> None:
    before = examples.bundle.get(names.ALERTMANAGER_CONFIG).content  # type: ignore[union-attr]
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    spec = tmp_path / "specs" / "checkout.yaml"
    spec.write_text(spec.read_text() + "routing:\n  warning: platform-fallback\n")
    after = _compile(tmp_path / "specs").bundle.get(names.ALERTMANAGER_CONFIG).content  # type: ignore[union-attr]
    changed = _changed_lines(before, after)
    assert changed, "the routing change must show in the output"
    branch = _branch_lines(after, "checkout")
    assert all(line in branch for line in changed), difflib.unified_diff(before.splitlines(), after.splitlines())
    warning = _leaf(yaml.load(after, Loader=_LOADER), "payments", "checkout", Tier.WARNING)
    assert warning["receiver"] == "platform-fallback"


def test_an_inline_receiver_adds_only_its_branch_and_its_receiver(tmp_path: Path, config: dict[str, Any]) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    spec = tmp_path / "specs" / "checkout.yaml"
    spec.write_text(spec.read_text() + 'routing:\n  info: {email: {to: "checkout@acme.example"}}\n')
    after = _file(_compile(tmp_path / "specs"), names.ALERTMANAGER_CONFIG)
    assert {k: v for k, v in after.items() if k not in ("route", "receivers")} == {
        k: v for k, v in config.items() if k not in ("route", "receivers")
    }
    added = [r for r in after["receivers"] if r not in config["receivers"]]
    assert [(r["name"], r["email_configs"][0]["to"]) for r in added] == [("checkout-info", "checkout@acme.example")]
    # checkout now routes apart from its team: a branch of its own, first; the rest of the tree is as it was.
    team = _branch(after, "payments")
    branch = team["routes"].pop(0)
    assert branch["matchers"] == ['service="checkout"']
    receivers = [leaf["receiver"] for leaf in branch["routes"]]
    # the page leaf, the missing-data and shared incidents' ticket leaves before the ticket leaf, the digest
    critical, warning = "team-payments-critical", "team-payments-warning"
    assert receivers == [critical, warning, warning, warning, "checkout-info"]
    assert after["route"] == config["route"]


# ---------------------------------------------------------------- --format prometheus-operator


@pytest.fixture(scope="module")
def operator() -> Compilation:
    return _compile(EXAMPLES, "prometheus-operator")


def _team_config(compilation: Compilation, team: str) -> dict[str, Any]:
    return _file(compilation, f"{names.ALERTMANAGER_OPERATOR_DIR}/{team}.yaml")


def _crd_walk(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [route, *(node for child in route.get("routes", []) for node in _crd_walk(child))]


def test_operator_emits_one_alertmanagerconfig_per_team(operator: Compilation, config: dict[str, Any]) -> None:
    paths = sorted(p for p in operator.bundle.paths if p.startswith(names.ALERTMANAGER_OPERATOR_DIR))
    assert paths == [f"{names.ALERTMANAGER_OPERATOR_DIR}/{t}.yaml" for t in ("fulfilment", "payments", "search")]
    assert operator.bundle.get(names.ALERTMANAGER_CONFIG) is not None  # the plain file is still there
    payments = _team_config(operator, "payments")
    assert payments["apiVersion"] == "monitoring.coreos.com/v1alpha1"
    assert payments["kind"] == "AlertmanagerConfig"
    assert payments["metadata"]["name"] == "obsc-payments"
    route = payments["spec"]["route"]
    assert route["matchers"] == [{"name": "team", "value": "payments", "matchType": "="}]
    assert route["receiver"] == "team-payments-warning"  # the operator wants one: the team's catch-all
    critical = route["routes"][2]  # the team's leaf for its services' pages (after missing data and shared incidents)
    assert critical["matchers"][0] == {"name": "severity", "value": "critical", "matchType": "="}
    assert critical["receiver"] == "team-payments-critical"
    assert (critical["groupWait"], critical["repeatInterval"]) == ("30s", "1h")
    defined = {r["name"] for r in payments["spec"]["receivers"]}
    assert {n["receiver"] for n in _crd_walk(route) if "receiver" in n} == defined
    assert len(payments["spec"]["inhibitRules"]) == len(config["inhibit_rules"])


def test_operator_secrets_are_secret_key_selectors(operator: Compilation) -> None:
    receivers = {r["name"]: r for r in _team_config(operator, "payments")["spec"]["receivers"]}
    assert receivers["team-payments-critical"]["pagerdutyConfigs"] == [
        {"routingKey": {"name": "team-payments", "key": "pagerduty"}, "sendResolved": True}
    ]
    assert receivers["team-payments-warning"]["slackConfigs"] == [
        {"channel": "#payments-alerts", "apiURL": {"name": "platform", "key": "slack-webhook"}, "sendResolved": True}
    ]
    for team in ("fulfilment", "payments", "search"):
        text = operator.bundle.get(f"{names.ALERTMANAGER_OPERATOR_DIR}/{team}.yaml").content  # type: ignore[union-attr]
        assert "_file" not in text and "/etc/" not in text


_OPERATOR_KINDS = {
    "emailConfigs": "email_configs",
    "opsgenieConfigs": "opsgenie_configs",
    "pagerdutyConfigs": "pagerduty_configs",
    "slackConfigs": "slack_configs",
    "webhookConfigs": "webhook_configs",
}


@pytest.mark.parametrize(
    ("send_resolved", "slack", "email"),
    [("", True, False), ("  send_resolved: {warning: false, info: true}\n", False, True)],
)
def test_operator_receivers_say_send_resolved_as_alertmanager_yml_does(
    tmp_path: Path, send_resolved: str, slack: bool, email: bool
) -> None:
    """Left out, the operator leaves sendResolved to Alertmanager's default, false for Slack and email: a page or
    ticket in a channel never said it was over, unlike the same receiver in alertmanager.yml."""
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    platform = tmp_path / "specs" / "platform.yaml"
    platform.write_text(platform.read_text().replace("alertmanager:\n", "alertmanager:\n" + send_resolved))
    compilation = _compile(tmp_path / "specs", "prometheus-operator")
    plain = {r["name"]: r for r in _file(compilation, names.ALERTMANAGER_CONFIG)["receivers"]}
    seen = set()
    for team in ("fulfilment", "payments", "search"):
        for receiver in _team_config(compilation, team)["spec"]["receivers"]:
            for kind, plain_kind in _OPERATOR_KINDS.items():
                said = [c["sendResolved"] for c in receiver.get(kind, [])]
                assert said == [c["send_resolved"] for c in plain[receiver["name"]].get(plain_kind, [])], receiver
                seen.update((kind, value) for value in said)
    assert {("slackConfigs", slack), ("emailConfigs", email)} <= seen, seen  # the examples' Slack tickets, email digest


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/etc/alertmanager/secrets/pagerduty/routing-key", {"name": "pagerduty", "key": "routing-key"}),
        ("/etc/alertmanager/secrets/payments-pagerduty", {"name": "secrets", "key": "payments-pagerduty"}),
        ("/run/Secrets_Dir/api key", {"name": "secrets-dir", "key": "api-key"}),
    ],
)
def test_secret_file_maps_to_secret_name_and_key(path: str, expected: dict[str, str]) -> None:
    assert secret_ref(path) == expected


def test_operator_business_hours_outside_utc_are_dropped_and_said(operator: Compilation) -> None:
    fulfilment = _team_config(operator, "fulfilment")
    assert "Europe/Berlin" in fulfilment["metadata"]["annotations"]["obsc.dev/business-hours"]
    assert "muteTimeIntervals" not in fulfilment["spec"]
    assert not any("activeTimeIntervals" in n for n in _crd_walk(fulfilment["spec"]["route"]))


def test_operator_business_hours_in_utc_are_kept(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    platform = tmp_path / "specs" / "platform.yaml"
    platform.write_text(platform.read_text().replace("location: Europe/Berlin", "location: UTC"))
    fulfilment = _team_config(_compile(tmp_path / "specs", "prometheus-operator"), "fulfilment")
    interval = names.business_hours_interval("fulfilment")
    assert fulfilment["spec"]["muteTimeIntervals"] == [
        {
            "name": interval,
            "timeIntervals": [{"weekdays": ["monday:friday"], "times": [{"startTime": "08:00", "endTime": "18:00"}]}],
        }
    ]
    gated = [n for n in _crd_walk(fulfilment["spec"]["route"]) if "activeTimeIntervals" in n]
    # the team's missing data and shared incidents, its services, its fallback
    assert [n["matchers"][0]["value"] for n in gated] == ["warning", "warning", "warning", "info", "warning", "info"]
    assert all(n["activeTimeIntervals"] == [interval] for n in gated)
