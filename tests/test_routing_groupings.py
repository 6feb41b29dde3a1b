"""Each routing-test row names the grouping it promises; `obsc compile` checks it on the tree by a walk of its own.

Round 37 (the 40-team tree, each route deleted, stripped of a matcher or moved before its sibling): 282 such edits
changed some alert's group or timers and passed every row, which asserted receivers only (amtool 0.25 tells
nothing else). Deleting a team's shared-incident leaf paged an incident's two SLOs in two groups.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import Compilation, CompileOptions, load_fleet
from compiler.errors import ToolError
from compiler.output import writer
from compiler.output.bundle import assemble
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from compiler.toolcheck import amtool
from compiler.toolcheck.amtool_routes import load_cases, run_routing_tests
from compiler.toolcheck.grouping_check import load_groupings
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  shop:
    routing:
      critical: {webhook: {url: "https://pager.example/shop"}}
      warning: {webhook: {url: "https://tickets.example/shop"}}
  ops: {routing: {critical: {webhook: {url: "https://pager.example/ops"}}, warning: {webhook: {url: "https://t.example/ops"}}}}
"""
# api: an overall SLO and one per route over the same errors (one incident), latency an incident of its own
SPEC = """\
apiVersion: obsc/v1
service: {name}
team: {team}
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  latency: http_request_duration_seconds
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
  - {{name: per-route, objective: 99.5, by: [route], sli: {{errors: errors, total: requests}}}}
  - {{name: latency, objective: 99, sli: {{latency: latency, threshold: 300ms}}}}
"""
SERVICES = {"api": "shop", "web": "shop", "cron": "ops"}
# Tickets group per shared incident or per SLO; pages per service (round 40: one leaf, no incident leaf).
INCIDENT_LEAF = ['severity="warning"', 'service!=""', 'incident!=""']
SERVICE_LEAF = ['severity="warning"', 'service!=""']
PAGE_LEAF = ['severity="critical"', 'service!=""']


def _written(tmp_path: Path, platform: str = PLATFORM) -> tuple[Compilation, Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(platform)
    for name, team in SERVICES.items():
        (specs / f"{name}.yaml").write_text(SPEC.format(name=name, team=team))
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    compilation = Compilation(fleet, assemble(alertmanager_target.fleet_artifacts(fleet, TargetOptions()), "t"))
    out = tmp_path / "out"
    writer.write(writer.plan(compilation.bundle, str(out)))
    return compilation, out


_PASSED: set[str] = set()  # the platforms whose tree as generated passed amtool.validate in this process


def _passes_as_generated(compilation: Compilation, out: Path, platform: str) -> None:
    """amtool.validate on the tree as generated (the precondition of each edit's case), once per platform text
    in a process: the bytes are the same for the same input, and each run costs ~0.5 CPU-s of amtool."""
    if platform not in _PASSED:
        amtool.validate(compilation.bundle, str(out))
        _PASSED.add(platform)


def _shop(config: dict[str, Any]) -> list[dict[str, Any]]:
    branch = next(r for r in config["route"]["routes"] if r["matchers"] == ['team="shop"'])
    leaves: list[dict[str, Any]] = branch["routes"]
    return leaves


def _at(leaves: list[dict[str, Any]], matchers: list[str]) -> int:
    return next(i for i, r in enumerate(leaves) if r.get("matchers") == matchers)


def _delete_incident_leaf(leaves: list[dict[str, Any]]) -> None:
    del leaves[_at(leaves, INCIDENT_LEAF)]


def _swap_incident_leaf(leaves: list[dict[str, Any]]) -> None:
    i, j = _at(leaves, INCIDENT_LEAF), _at(leaves, SERVICE_LEAF)
    leaves[i], leaves[j] = leaves[j], leaves[i]


def _drop_incident_matcher(leaves: list[dict[str, Any]]) -> None:
    leaves[_at(leaves, INCIDENT_LEAF)]["matchers"].remove('incident!=""')


def _page_every_four_hours(leaves: list[dict[str, Any]]) -> None:
    leaves[_at(leaves, PAGE_LEAF)]["repeat_interval"] = "4h"


def _page_per_slo(leaves: list[dict[str, Any]]) -> None:
    """One outage's pages (ServiceDown, two SLOs) as incidents of their own again."""
    leaves[_at(leaves, PAGE_LEAF)]["group_by"] = ["service", "slo"]


def _fold_a_services_slos(leaves: list[dict[str, Any]]) -> None:
    leaves[_at(leaves, SERVICE_LEAF)]["group_by"] = ["service"]


def _split_the_incident(leaves: list[dict[str, Any]]) -> None:
    """The per-route SLO's tickets on a route of their own, with the incident leaf's very settings."""
    i = _at(leaves, INCIDENT_LEAF)
    leaves.insert(i, {**leaves[i], "matchers": [*INCIDENT_LEAF, 'slo="per-route"']})


MUTATIONS: dict[str, tuple[Callable[[list[dict[str, Any]]], None], str]] = {
    "delete the incident leaf": (_delete_incident_leaf, "groups by [service, slo], not [service, incident]"),
    "swap it with the service leaf": (_swap_incident_leaf, "groups by [service, slo], not [service, incident]"),
    "drop its incident matcher": (_drop_incident_matcher, "groups by [service, incident], not [service, slo]"),
    "page every 4h": (_page_every_four_hours, "repeat_interval 4h, not 1h"),
    "page per SLO": (_page_per_slo, "groups by [service, slo], not [service]"),
    "fold a service's SLOs": (_fold_a_services_slos, "groups by [service], not [service, slo]"),
    "split one incident": (_split_the_incident, "one group promised, two given"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_tree_that_regroups_an_alert_fails_the_compile(tmp_path: Path, mutation: str) -> None:
    """Every row still reaches its receiver (amtool passes) and the compile's check names the regrouped row."""
    amtool_bin = require_tool("amtool", "AMTOOL")
    compilation, out = _written(tmp_path)
    path = out / names.ALERTMANAGER_CONFIG
    _passes_as_generated(compilation, out, PLATFORM)
    config = yaml.safe_load(path.read_text())
    edit, said = MUTATIONS[mutation]
    edit(_shop(config))
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    cases = load_cases((out / names.ROUTING_TESTS).read_text())
    assert run_routing_tests(amtool_bin, path, cases).misroutes == ()
    with pytest.raises(ToolError) as caught:
        amtool.validate(compilation.bundle, str(out))
    assert "does not group" in str(caught.value) and said in str(caught.value), str(caught.value)


def test_every_row_names_a_grouping_of_the_table(tmp_path: Path) -> None:
    _, out = _written(tmp_path)
    text = (out / names.ROUTING_TESTS).read_text()
    groupings, cases = load_groupings(text), load_cases(text)
    assert {case.group for case in cases} == set(groupings)
    incident = [c for c in cases if c.service == "api" and dict(c.labels).get("severity") == "warning"]
    shared = [c for c in incident if "incident" in dict(c.labels) and dict(c.labels).get("data") != "missing"]
    assert {c.group for c in shared} == {"warning incident"}
    # missing data first: SLODataMissing of an SLO sharing an incident groups with the service's other such tickets
    missing = [c for c in incident if dict(c.labels).get("data") == "missing"]
    assert missing and {c.group for c in missing} == {"warning data missing"}
    assert groupings["warning data missing"]["group_by"] == ["service", "data"]
    assert groupings["warning incident"]["group_by"] == ["service", "incident"]
    pages = [c for c in cases if c.service == "api" and dict(c.labels).get("severity") == "critical"]
    assert {c.group for c in pages} == {"critical"} and groupings["critical"]["group_by"] == ["service"]


def test_a_team_with_business_hours_pages_at_any_hour_and_its_tickets_wait(tmp_path: Path) -> None:
    """The groupings promise what the tree holds: a page of a team with business hours is not held to them (no
    time interval, its own timers), a ticket is (the interval, a group_interval capped to flush in the hours).
    The as-generated tree passes the compile's walk."""
    require_tool("amtool", "AMTOOL")
    hours = (
        "  shop:\n    business_hours: "
        '{location: Europe/Berlin, weekdays: [monday], times: [{start: "09:00", end: "17:00"}]}\n'
    )
    compilation, out = _written(tmp_path, PLATFORM.replace("  shop:\n", hours))
    amtool.validate(compilation.bundle, str(out))
    text = (out / names.ROUTING_TESTS).read_text()
    groupings, cases = load_groupings(text), load_cases(text)
    shop = {
        dict(c.labels)["severity"]: c.group for c in cases if c.service == "api" and "incident" not in dict(c.labels)
    }
    assert shop["critical"] == "critical" and "active_time_intervals" not in groupings["critical"], groupings
    assert shop["warning"].startswith("warning in ") and groupings[shop["warning"]]["active_time_intervals"], groupings


def test_a_tier_a_team_routes_nowhere_is_grouped_on_its_team_branch(tmp_path: Path) -> None:
    """A team of no spec that only pages: an alert of its naming no service (a hand-written rule) at a tier it
    routes nowhere stays on the team's branch (per service and SLO, Alertmanager's own timers), and the
    groupings say so (the walk passes the as-generated tree)."""
    require_tool("amtool", "AMTOOL")
    compilation, out = _written(
        tmp_path, PLATFORM + '  night: {routing: {critical: {webhook: {url: "https://p.example/n"}}}}\n'
    )
    amtool.validate(compilation.bundle, str(out))
    text = (out / names.ROUTING_TESTS).read_text()
    groupings, cases = load_groupings(text), load_cases(text)
    night = {dict(c.labels).get("severity"): c.group for c in cases if dict(c.labels).get("team") == "night"}
    assert night == {"critical": "critical fallback", "warning": "team", None: "team", "info": "info"}, night
    assert groupings["team"]["group_by"] == ["service", "slo"] and groupings["team"]["repeat_interval"] == "4h"


SHARED = """\
apiVersion: obsc/v1
kind: Platform
receivers:
  pager: {webhook: {url: "https://pager.example/all"}}
  tickets: {webhook: {url: "https://tickets.example/all"}}
teams:
  shop:
    routing: {critical: pager, warning: tickets}
    business_hours: {location: Europe/Berlin, weekdays: [monday], times: [{start: "09:00", end: "17:00"}]}
  ops: {routing: {critical: pager, warning: tickets}}
"""


def _branch(config: dict[str, Any], team: str) -> dict[str, Any]:
    branch: dict[str, Any] = next(r for r in config["route"]["routes"] if r["matchers"] == [f'team="{team}"'])
    return branch


def _ops_takes_shop(config: dict[str, Any]) -> None:
    """ops' branch also matches shop (placed first): shop's alerts reach the same receivers, in ops' groups."""
    routes = config["route"]["routes"]
    ops = _branch(config, "ops")
    ops["matchers"] = ['team=~"ops|shop"']
    routes.remove(ops)
    routes.insert(0, ops)


def _tickets_at_any_hour(config: dict[str, Any]) -> None:
    for leaf in _branch(config, "shop")["routes"]:
        leaf.pop("active_time_intervals", None)


def _tickets_muted_in_hours(config: dict[str, Any]) -> None:
    for leaf in _branch(config, "ops")["routes"]:
        leaf["mute_time_intervals"] = ["shop-business-hours"]


SHARED_EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "one team's branch takes another's alerts": (_ops_takes_shop, "two groups promised, one given"),  # no hours
    "tickets sent outside business hours": (
        _tickets_at_any_hour,
        "active_time_intervals [], not ['shop-business-hours']",
    ),
    "a team's tickets muted": (_tickets_muted_in_hours, "mute_time_intervals ['shop-business-hours'], none promised"),
}


@pytest.mark.parametrize("edit", sorted(SHARED_EDITS))
def test_teams_sharing_receivers_a_tree_edit_amtool_passes_fails_the_compile(tmp_path: Path, edit: str) -> None:
    """Two teams on one pager and one ticket queue: every row still reaches its receiver after each edit (amtool
    passes), and the walk names what was regrouped: two teams' alerts in one group (a second team's page an
    update of the first's, never a page), tickets out of their hours, a team's tickets muted."""
    amtool_bin = require_tool("amtool", "AMTOOL")
    change, said = SHARED_EDITS[edit]
    hours = change is not _ops_takes_shop  # else a ticket out of its hours is said first
    platform = SHARED if hours else "\n".join(SHARED.splitlines()[:-2] + SHARED.splitlines()[-1:])
    compilation, out = _written(tmp_path, platform)
    path = out / names.ALERTMANAGER_CONFIG
    _passes_as_generated(compilation, out, platform)
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    assert run_routing_tests(amtool_bin, path, load_cases((out / names.ROUTING_TESTS).read_text())).misroutes == ()
    with pytest.raises(ToolError) as caught:
        amtool.validate(compilation.bundle, str(out))
    assert "does not group" in str(caught.value) and said in str(caught.value), str(caught.value)


def test_a_service_routed_by_its_own_spec_pages_in_one_group_per_service(tmp_path: Path) -> None:
    """A spec's own `routing:` gets a branch of its own (routes.service_route): its pages group per service there
    too, the shared incident's pages beside ServiceDown's, and the compile's walk holds the tree to it. Before this
    test nothing built such a service with a shared incident: its branch paging per incident again passed."""
    amtool_bin = require_tool("amtool", "AMTOOL")
    own = '\nrouting:\n  critical: {webhook: {url: "https://pager.example/api"}}\n'
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, team in SERVICES.items():
        (specs / f"{name}.yaml").write_text(SPEC.format(name=name, team=team) + (own if name == "api" else ""))
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    compilation = Compilation(fleet, assemble(alertmanager_target.fleet_artifacts(fleet, TargetOptions()), "t"))
    out = tmp_path / "out"
    writer.write(writer.plan(compilation.bundle, str(out)))
    amtool.validate(compilation.bundle, str(out))  # every row reaches its receiver, grouped as promised
    text = (out / names.ROUTING_TESTS).read_text()
    groupings, cases = load_groupings(text), load_cases(text)
    pages = [c for c in cases if c.service == "api" and dict(c.labels).get("severity") == "critical"]
    assert any("incident" in dict(c.labels) for c in pages), pages  # the shared incident's pages are replayed
    assert {tuple(groupings[c.group]["group_by"]) for c in pages} == {("service",)}
    assert run_routing_tests(amtool_bin, out / names.ALERTMANAGER_CONFIG, cases).misroutes == ()
