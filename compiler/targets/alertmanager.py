"""Alertmanager target: one alertmanager.yml for the whole fleet, its routing-test table, and
(with --format prometheus-operator) one AlertmanagerConfig per team.

The file is the platform's base (global settings, templates, default receiver) plus what obsc
derives from the specs: the route tree, receivers, inhibit rules and business-hours intervals.
Written for Alertmanager 0.25, the oldest server we support (see TARGETS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compiler import conventions as names
from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact
from compiler.targets import TargetOptions
from compiler.targets.alertmanager_receivers import receivers
from compiler.targets.alertmanager_routes import (
    Inhibit,
    Interval,
    RouteNode,
    duration,
    inhibit_rules,
    intervals,
    root_receiver,
    route_tree,
)
from compiler.targets.alertmanager_tests import routing_table
from compiler.targets.alertmanager_yaml import to_yaml


def generate(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    return service_artifacts(fleet, fleet.services, options) + fleet_artifacts(fleet, options)


def service_artifacts(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
    """Nothing per service: the routing tree, receivers and inhibitions are one fleet-wide file."""
    del fleet, services, options
    return []


def fleet_artifacts(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    artifacts = [
        Artifact(names.ALERTMANAGER_CONFIG, explanation() + to_yaml(alertmanager_config(fleet))),
        Artifact(names.ROUTING_TESTS, routing_table(fleet)),
    ]
    if options.format == "prometheus-operator":
        from compiler.targets.alertmanager_operator import team_configs

        artifacts.extend(team_configs(fleet))
    return artifacts


def explanation() -> str:
    """A comment for whoever reads the file: how it is laid out and why each inhibit rule exists."""
    lines = [
        "Routes: team -> service -> severity, one branch per service; alerts no branch takes go to the",
        "root receiver. group_by keeps one notification per service/SLO incident; info is a digest per service.",
        "Inhibit rules, in order:",
        *(f"  {i}. {rule.why}" for i, rule in enumerate(inhibit_rules(), start=1)),
    ]
    return "".join(f"# {line}\n" for line in lines)


def alertmanager_config(fleet: Fleet) -> dict[str, Any]:
    base = fleet.platform.alertmanager
    root = root_receiver(fleet)
    config: dict[str, Any] = {}
    if base.global_settings:
        config["global"] = dict(base.global_settings)
    if base.templates:
        config["templates"] = list(base.templates)
    config["route"] = render_route(route_tree(fleet))
    config["receivers"] = receivers(fleet, root)
    config["inhibit_rules"] = [render_inhibit(rule) for rule in inhibit_rules()]
    found = intervals(fleet)
    if found:
        config["time_intervals"] = [render_interval(interval) for interval in found]
    return config


def render_route(node: RouteNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.matchers:
        out["matchers"] = [m.text for m in node.matchers]
    if node.receiver:
        out["receiver"] = node.receiver
    if node.group_by is not None:
        out["group_by"] = list(node.group_by)
    if node.timing is not None:
        out["group_wait"] = duration(node.timing.group_wait)
        out["group_interval"] = duration(node.timing.group_interval)
        out["repeat_interval"] = duration(node.timing.repeat_interval)
    if node.active_time_intervals:
        out["active_time_intervals"] = list(node.active_time_intervals)
    if node.routes:
        out["routes"] = [render_route(child) for child in node.routes]
    return out


def render_inhibit(rule: Inhibit) -> dict[str, Any]:
    return {
        "source_matchers": [m.text for m in rule.source],
        "target_matchers": [m.text for m in rule.target],
        "equal": list(rule.equal),
    }


def render_interval(interval: Interval) -> dict[str, Any]:
    hours = interval.hours
    window: dict[str, Any] = {
        "weekdays": list(hours.weekdays),
        "times": [{"start_time": t.start, "end_time": t.end} for t in hours.times],
        "location": hours.location,
    }
    return {"name": interval.name, "time_intervals": [window]}
