"""Every leaf of the routing tree is asserted by some row of routing-tests.yaml: mutate the tree, a row fails.

Round 37 (a 40-team fleet, each leaf's receiver changed in turn): 330 of the changes passed every routing test.
The tree gives every team its service leaves (`service!=""`, and the shared incident's) and every service routed
apart its shared-incident leaves, whether or not an alert of the fleet takes them today: a team whose services
are all routed apart or that has no spec, a team or such a service with no SLOs sharing an incident. An alert of a
service moved to the team, renamed, or whose SLO was dropped while it paged lands there, and no row reached them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.output import writer
from compiler.output.bundle import assemble
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.alertmanager.routing_tests import routing_table
from compiler.targets.base import TargetOptions
from compiler.toolcheck.amtool_routes import load_cases, run_routing_tests
from tests.conftest import require_tool
from tests.test_amtool import SERVICE  # an availability SLO; {name}, {team}

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_root: "/etc/am/team-{team}/", shared_root: /etc/am/shared/}
defaults:
  routing: {info: {webhook: {url: "https://digest.example/all"}}}
teams:
  red: {routing: {critical: red-pager, warning: {webhook: {url: "https://t.example/red"}}}}
  blue: {routing: {critical: blue-pager, warning: {webhook: {url: "https://t.example/blue"}}}}
  idle: {routing: {critical: fallback}}
receivers:
  red-pager: {pagerduty: {routing_key_file: /etc/am/shared/red}}
  blue-pager: {pagerduty: {routing_key_file: /etc/am/shared/blue}}
  fallback: {webhook: {url: "https://t.example/fallback"}}
alertmanager: {default_receiver: fallback}
"""
# red's service takes its team's leaves and shares no incident; blue's only service pages red's pager (a branch of
# its own), so blue's service leaves take no alert; idle has no spec at all.
SPECS = {"r1": ("red", ""), "b1": ("blue", "routing: {critical: red-pager}\n")}


def _routes(node: dict[str, Any], path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
    yield path, node
    for i, child in enumerate(node.get("routes") or []):
        yield from _routes(child, (*path, i))


def test_a_changed_receiver_on_any_route_fails_a_routing_row(tmp_path: Path) -> None:
    """Each route that names a receiver gets one of its own (`mutant-N`, a copy of a real one) in a single edit:
    a route some row reaches shows as that row's misroute to its mutant; a route no row reaches, as none."""
    amtool = require_tool("amtool", "AMTOOL")
    specs = _specs(tmp_path)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    out = tmp_path / "out"
    writer.write(writer.plan(assemble(alertmanager_target.fleet_artifacts(fleet, TargetOptions()), "t"), str(out)))
    config_path = out / names.ALERTMANAGER_CONFIG
    config = yaml.safe_load(config_path.read_text())
    cases = load_cases((out / names.ROUTING_TESTS).read_text())
    assert run_routing_tests(amtool, config_path, cases).misroutes == ()
    named = {}
    for path, route in _routes(config["route"]):
        if route.get("receiver"):
            named[f"mutant-{len(named)}"] = (path, route.get("matchers", []))
            route["receiver"] = f"mutant-{len(named) - 1}"
    hook = next(r for r in config["receivers"] if "webhook_configs" in r)
    config["receivers"] += [{**hook, "name": name} for name in named]
    mutated = tmp_path / "mutated.yml"
    mutated.write_text(yaml.safe_dump(config))
    got = {m.got for m in run_routing_tests(amtool, mutated, cases).misroutes}
    assert len(named) > 25  # the root, three teams' branches and leaves, two service branches' leaves
    assert [where for name, where in named.items() if name not in got] == []


def _specs(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, (team, extra) in SPECS.items():
        (specs / f"{name}.yaml").write_text(SERVICE.format(name=name, team=team) + extra)
    return specs


@pytest.mark.parametrize("team", ["blue", "idle"])
def test_a_team_whose_service_leaves_take_no_alert_has_rows_for_them(tmp_path: Path, team: str) -> None:
    """The rows name a service no spec can have, so no service branch of the team takes them."""
    fleet, _ = load_fleet([str(_specs(tmp_path))], CompileOptions(), {})
    table = routing_table(fleet)
    rows = [c for c in load_cases(table) if c.service == f"(services of team {team})"]
    expected = {"blue": "blue-pager", "idle": "fallback"}[team]
    assert sorted(c.alert for c in rows) == [
        "severity=critical",
        "severity=info",
        "severity=warning",
        "severity=warning data missing",
        "severity=warning incident",
    ]
    assert {c.receivers for c in rows if "critical" in c.alert} == {(expected,)}
