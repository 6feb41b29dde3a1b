"""alertmanager.yml as a dict: the platform's base plus the route tree, receivers, inhibit rules and
business-hours intervals derived from the specs, and the comment that explains them."""

from __future__ import annotations

from typing import Any

from compiler.model.types import Fleet
from compiler.targets.alertmanager.inhibit import inhibit_rules
from compiler.targets.alertmanager.receivers import receivers
from compiler.targets.alertmanager.routes import (
    Inhibit,
    Interval,
    RouteNode,
    duration,
    intervals,
    route_tree,
    tiers_of_receivers,
)
from compiler.targets.alertmanager.templates import CONFIG_REFERENCE


def explanation(fleet: Fleet) -> str:
    """A comment for whoever reads the file: how it is laid out and why each inhibit rule exists."""
    lines = [
        "Routes: team -> service -> severity for a service routed apart from its team; then the team's services",
        "by severity, naming no service (a renamed or moved service's last alerts keep their group and resolve",
        "it); then the team's fallback by severity, so any alert with team=<team> reaches that team (without a",
        "known severity: its warning receiver); alerts of no known team go to the root receiver. group_by keeps",
        "one notification per service/SLO incident; info is a digest per service and notifies only where",
        "routing names an info receiver.",
        "Inhibit rules, in order:",
        *(f"  {i}. {rule.why}" for i, rule in enumerate(inhibit_rules(fleet), start=1)),
    ]
    return "".join(f"# {line}\n" for line in lines)


def alertmanager_config(fleet: Fleet) -> dict[str, Any]:
    base = fleet.platform.alertmanager
    tree = route_tree(fleet)
    config: dict[str, Any] = {}
    if base.global_settings:
        config["global"] = dict(base.global_settings)
    config["templates"] = [CONFIG_REFERENCE, *(t for t in base.templates if t != CONFIG_REFERENCE)]
    config["route"] = render_route(tree)
    config["receivers"] = receivers(fleet, tiers_of_receivers(tree))
    config["inhibit_rules"] = [render_inhibit(rule) for rule in inhibit_rules(fleet)]
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
