"""The route walk that checks each row's grouping (toolcheck/route_walk) against a real Alertmanager 0.25.

amtool tells receivers only, so the compile walks the tree itself; a walk that read the tree otherwise than
Alertmanager would pass a tree that regroups pages. On a 40-team fleet (look-alike names, two teams on one pager
and ticket hook, ticket-only teams, business hours, a team paged through another's pager, a team of no spec,
grouped SLOs, shared incidents, threshold alerts with labels of their own), every routing row's alert is posted
and `/api/v2/alerts/groups` says how Alertmanager grouped them: the same receiver, group labels and partition
into groups as the walk's.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.alertmanager.routing_tests import routing_cases
from compiler.targets.base import TargetOptions
from compiler.toolcheck.route_walk import Landing, walk
from tests.conftest import require_tool
from tests.e2e import servers

HOURS = '{location: Asia/Tokyo, weekdays: ["monday:friday"], times: [{start: "09:30", end: "12:00"}]}'
OWN = "{{routing: {{critical: {{pagerduty: {{routing_key_file: /s/team-{t}/pd}}}}, warning: {{webhook: {{url: https://t.example/{t}}}}}}}}}"
TEAMS = {f"t{i:02d}": OWN.format(t=f"t{i:02d}") for i in range(1, 30)} | {
    "payments": OWN.format(t="payments"),
    "pay-ments": OWN.format(t="pay-ments"),
    "payment": OWN.format(t="payment")[:-2] + ", info: {webhook: {url: https://d.example/payment}}}}",
    "ml-a": "{routing: {critical: shared-pager, warning: shared-tickets}}",
    "ml-b": "{routing: {critical: shared-pager, warning: shared-tickets}}",
    "docs": "{routing: {critical: shared-tickets, warning: shared-tickets}}",
    "bi": OWN.format(t="bi")[:-1] + f", business_hours: {HOURS}}}",
    "search": "{routing: {critical: search-pager, warning: {webhook: {url: https://t.example/search}}}}",
    "search-infra": "{routing: {critical: search-pager}}",
    "ghost": "{routing: {critical: catchall}}",
    "ops": OWN.format(t="ops"),
}
PLATFORM = f"""\
apiVersion: obsc/v1
kind: Platform
secrets: {{team_root: "/s/team-{{team}}/", shared_root: /s/platform/}}
defaults: {{routing: {{info: {{webhook: {{url: https://d.example/all}}}}}}}}
receivers:
  shared-pager: {{pagerduty: {{routing_key_file: /s/platform/ml}}}}
  shared-tickets: {{webhook: {{url: https://t.example/shared}}}}
  search-pager: {{pagerduty: {{routing_key_file: /s/platform/search}}}}
  ops-pager: {{pagerduty: {{routing_key_file: /s/platform/ops}}}}
  catchall: {{webhook: {{url: https://relay.example/sre}}}}
teams:
{"".join(f"  {team}: {body}{chr(10)}" for team, body in TEAMS.items())}alertmanager: {{default_receiver: catchall}}
"""
SPEC = """\
apiVersion: obsc/v1
service: {name}
team: {team}
selector: {{job: {name}}}
metrics:
  requests: r_total
  errors: 'r_total{{code=~"5.."}}'
  latency: d_seconds
  queue: {{selector: q_depth, type: gauge, aggregation: max}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
{extra}"""
GROUPED = """\
  - {name: by-tenant, objective: 99.5, by: [tenant], sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}
threshold_alerts:
  - {name: QueueDeep, metric: queue, above: 1000, for: 10m, tier: critical, labels: {component: queue}}
  - {name: QueueGrowing, metric: queue, above: 100, for: 10m, tier: warning, by: [queue]}
"""
SERVICES = {f"svc-{team}": (team, "") for team in TEAMS if team != "ghost"} | {
    "checkout": ("payments", "routing: {critical: ops-pager}\n"),
    "team-payments": ("payment", ""),
    "reports": ("bi", GROUPED),
    "tenant-api": ("t01", GROUPED + "routing: {warning: {webhook: {url: https://t.example/t01/tenant}}}\n"),
    **{f"bulk-{i:02d}": ("t02", "") for i in range(12)},
}


@pytest.fixture(scope="module")
def fleet_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("forty")
    specs = root / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, (team, extra) in SERVICES.items():
        (specs / f"{name}.yaml").write_text(SPEC.format(name=name, team=team, extra=extra))
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (root / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (root / artifact.path).write_text(artifact.content)
    return root / names.ALERTMANAGER_CONFIG, routing_cases(fleet)


def _alerts(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every row's labels, once; grouped SLOs' rows twice more, as two tenants' (the rows carry no tenant)."""
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        labels = row["labels"]
        tenants = [{"tenant": t} for t in ("acme", "globex")] if labels.get(names.LABEL_SLO) == "by-tenant" else []
        for extra in [{}, *tenants]:
            found.setdefault(json.dumps({**labels, **extra}, sort_keys=True), {**labels, **extra})
    return list(found.values())


def _grouped_by_alertmanager(config: Path, alerts: list[dict[str, str]], tmp_path: Path) -> list[dict[str, Any]]:
    binary = require_tool("prometheus-alertmanager")
    test_config = servers.alertmanager_test_config(config, lambda route: "1h", hook_url="http://127.0.0.1:9")
    with servers.alertmanager(binary, test_config, tmp_path) as am:
        body = json.dumps([{"labels": labels} for labels in alerts]).encode()
        request = urllib.request.Request(am.url + "/api/v2/alerts", body, {"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=60).close()

        def every_alert_grouped() -> list[dict[str, Any]]:
            groups: list[dict[str, Any]] = servers.get_json(am.url + "/api/v2/alerts/groups")
            return groups if sum(len(g["alerts"]) for g in groups) == len(alerts) else []

        grouped: list[dict[str, Any]] = servers.wait_until(every_alert_grouped, 60, what="every alert grouped")
        return grouped


def _key(labels: dict[str, str]) -> str:
    """An alert as Alertmanager lists it: empty labels dropped."""
    return json.dumps({k: v for k, v in labels.items() if v}, sort_keys=True)


def test_the_walk_groups_every_alert_as_alertmanager_does(
    fleet_out: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    config, rows = fleet_out
    alerts = _alerts(rows)
    assert len(TEAMS) >= 40 and len(alerts) > 900
    route = yaml.safe_load(config.read_text())["route"]
    walked: dict[str, Landing] = {}
    for labels in alerts:
        (landing,) = walk(route, labels)  # obsc writes no `continue`: one route each
        walked[_key(labels)] = landing
    theirs: dict[str, tuple[int, str, str]] = {}
    for i, group in enumerate(_grouped_by_alertmanager(config, alerts, tmp_path)):
        for alert in group["alerts"]:
            theirs[_key(alert["labels"])] = (i, group["receiver"]["name"], json.dumps(group["labels"], sort_keys=True))
    assert set(theirs) == set(walked)
    wrong = []
    ours: dict[tuple[Any, ...], set[int]] = {}
    for key, landing in walked.items():
        labels = json.loads(key)
        group_labels = json.dumps({k: v for k, v in landing.group_labels(labels) if v}, sort_keys=True)
        index, receiver, said = theirs[key]
        if (receiver, said) != (landing.receiver, group_labels):
            wrong.append((labels, (receiver, said), (landing.receiver, group_labels)))
        ours.setdefault((landing.path, group_labels), set()).add(index)
    assert not wrong, wrong[:3]
    # the same partition: each of the walk's groups is one of Alertmanager's, and as many of them
    assert all(len(indexes) == 1 for indexes in ours.values())
    assert len(ours) == len({index for index, _, _ in theirs.values()}) > 300
    # one page per service (round 40: the latency SLO's pages and the availability incident's are one outage's),
    # each tenant's pages in that group too, two teams on one pager in two groups
    pages = [json.loads(k) for k, (_, r, _) in theirs.items() if json.loads(k).get("severity") == "critical"]

    def groups_of(**wanted: str) -> set[int]:
        return {theirs[_key(p)][0] for p in pages if all(p.get(k) == v for k, v in wanted.items())}

    assert len(groups_of(service="reports", incident="availability")) == 1
    assert len(groups_of(service="reports", slo="by-tenant", alertname=names.SLO_BURN_FAST)) == 1
    assert len(groups_of(service="reports", slo="latency")) == 1
    assert groups_of(service="reports", slo="latency") == groups_of(service="reports", incident="availability")
    assert groups_of(service="reports", alertname=names.KEY_ALERT_NAMES["service_down"]) == groups_of(service="reports")
    assert groups_of(service="svc-ml-a").isdisjoint(groups_of(service="svc-ml-b"))


def test_the_walk_inherits_settings_follows_continue_and_groups_by_every_label() -> None:
    """What obsc's trees never use but a walk must still read right: `continue`, `group_by: ['...']`, timers
    set halfway down, Alertmanager's own defaults, and time intervals that are not inherited."""
    route = {
        "receiver": "root",
        "routes": [
            {
                "matchers": ['team="a"'],
                "receiver": "a",
                "group_wait": "1m",
                "continue": True,
                "routes": [
                    {"matchers": ['severity=~"crit.*"'], "group_by": ["..."], "active_time_intervals": ["day"]},
                ],
            },
            {"matchers": ['team!="b"'], "receiver": "other", "group_by": ["service"]},
            {"matchers": ['team="a"'], "receiver": "never"},
        ],
    }
    first, second = walk(route, {"team": "a", "severity": "critical", "x": "1"})
    assert (first.path, first.receiver, first.group_by, first.timers) == ((0, 0), "a", None, (60, 300, 14400))
    assert first.active_time_intervals == ("day",)
    assert first.group_labels({"team": "a", "x": "1"}) == (("team", "a"), ("x", "1"))
    assert (second.path, second.receiver, second.group_by, second.active_time_intervals) == (
        (1,),
        "other",
        ("service",),
        (),
    )
    (rest,) = walk(route, {"team": "b"})
    assert (rest.path, rest.receiver, rest.group_by, rest.timers) == ((), "root", (), (30, 300, 14400))


def test_the_walk_reads_each_matcher_form_as_alertmanager_does() -> None:
    """`!~` refuses what its regex matches in full (anchored, `.` across a line break too), and the deprecated
    `match:` / `match_re:` forms a hand-merged base may hold are read like `matchers:`."""
    route = {
        "receiver": "root",
        "routes": [
            {"matchers": ['severity!~"warn.*"', 'team="a"'], "receiver": "not-warning"},
            {"match_re": {"service": "api|web"}, "receiver": "re"},
            {"match": {"team": "b"}, "receiver": "b"},
        ],
    }
    receivers = [
        walk(route, labels)[0].receiver
        for labels in (
            {"team": "a", "severity": "critical"},
            {"team": "a", "severity": "warning"},
            {"team": "a", "severity": "forewarning"},
            {"team": "a", "severity": "warn\nx"},
            {"service": "web"},
            {"service": "webx"},
            {"team": "b"},
        )
    ]
    assert receivers == ["not-warning", "root", "not-warning", "root", "re", "root", "b"]
