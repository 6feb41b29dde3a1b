"""The groupings the routing-test rows promise, checked against alertmanager.yml by a walk of its route tree.

amtool replays each row's receivers; a tree whose leaf was deleted, lost a matcher or moved before a sibling can
still reach them, in another group: an incident's two SLOs paged apart (two pages for one incident), or an
alert folded into another's group (an update of an acknowledged page, never a new one). Each row names its
grouping (`group_by`, timers, time intervals); each must hold on the route its alert lands on, and rows share a
group (the same route and values of its group_by labels) exactly when they promise one: the same team,
receivers, grouping and values of its labels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from compiler import conventions as names
from compiler.errors import ToolError
from compiler.model.units import format_duration as duration
from compiler.toolcheck.route_walk import Landing, Unreadable, walk

MAX_REPORTED = 20


def load_groupings(text: str) -> dict[str, dict[str, Any]]:
    """The table's `groupings:` (the lines above `cases:`, so a 20,000-row table is not parsed as YAML twice)."""
    head = text.split("\ncases:", 1)[0]
    loaded = yaml.safe_load(head) or {}
    groupings = loaded.get("groupings") if isinstance(loaded, dict) else None
    return {str(k): dict(v) for k, v in (groupings or {}).items()}


def grouping_faults(
    route: Mapping[str, Any], groupings: Mapping[str, Mapping[str, Any]], rows: Sequence[Any], routed_by: Any
) -> list[str]:
    """What breaks a row's promised grouping, one line each (rows: amtool_routes.Case with `group`); [] if none.

    `routed_by` is the label names the tree reads (None: all), so that alike rows are walked once."""
    faults: list[str] = []
    walked: dict[Any, list[Landing]] = {}
    promised: dict[Any, tuple[Any, str]] = {}  # what a row promises → the group it got, and the first such row
    held: dict[Any, tuple[Any, str]] = {}  # the group a row got → what it promised, and the first such row
    for row in rows:
        labels = dict(row.labels)
        shown = _shown(row.name, labels)
        key = tuple((k, v) for k, v in row.labels if routed_by is None or k in routed_by)
        if key not in walked:
            try:
                walked[key] = walk(route, labels)
            except Unreadable as error:
                return [f"the route tree cannot be walked: {error}"]
        landings = walked[key]
        got = tuple(landing.receiver for landing in landings)
        if got != row.receivers:
            raise ToolError(
                f"internal error: the route walk sends {row.name} to {','.join(got)}, amtool to "
                f"{','.join(row.receivers)}; please report this bug"
            )
        want = groupings.get(row.group)
        if want is None:
            faults.append(f"{shown}: grouping {row.group!r} is not under `groupings:`")
            continue
        for landing in landings:
            differs = _differs(landing, want)
            if differs:
                faults.append(f"{shown}: on route {describe(route, landing.path)} {differs} ({row.group!r})")
        group_by = [str(name) for name in want.get("group_by") or ()]
        promise = (labels.get(names.LABEL_TEAM, ""), row.receivers, row.group, *(labels.get(n, "") for n in group_by))
        group = tuple((landing.path, landing.group_labels(labels)) for landing in landings)
        first = promised.setdefault(promise, (group, shown))
        if first[0] != group:
            faults.append(f"{first[1]} and {shown}: one group promised, two given ({_paths(route, first[0], group)})")
        other = held.setdefault(group, (promise, shown))
        if other[0] != promise:
            faults.append(f"{other[1]} and {shown}: two groups promised, one given (route {_paths(route, group)})")
    return list(dict.fromkeys(faults))  # alike rows (a twin, another burn window) say the same once


# Labels a row's name and route already tell
_TOLD = frozenset({names.LABEL_ALERTNAME, names.LABEL_TEAM, names.LABEL_SERVICE, names.LABEL_SEVERITY})


def _shown(name: str, labels: Mapping[str, str]) -> str:
    """`api/SLOErrorBudgetBurnFast{incident=availability, slo=per-route}`: the row and what tells it apart."""
    rest = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in _TOLD and k != "burn_window")
    return f"{name}{{{rest}}}" if rest else name


def _differs(landing: Landing, want: Mapping[str, Any]) -> str:
    """How the route's settings differ from the promised grouping; '' when they do not."""
    said = []
    group_by = [str(n) for n in want.get("group_by") or ()]
    if landing.group_by is None or sorted(landing.group_by) != sorted(group_by):
        shown = "..." if landing.group_by is None else ", ".join(landing.group_by)
        said.append(f"groups by [{shown}], not [{', '.join(group_by)}]")
    for i, timer in enumerate(("group_wait", "group_interval", "repeat_interval")):
        if duration(landing.timers[i]) != str(want.get(timer)):
            said.append(f"{timer} {duration(landing.timers[i])}, not {want.get(timer)}")
    active = [str(n) for n in want.get("active_time_intervals") or ()]
    if list(landing.active_time_intervals) != active:
        said.append(f"active_time_intervals {list(landing.active_time_intervals)}, not {active}")
    if landing.mute_time_intervals:
        said.append(f"mute_time_intervals {list(landing.mute_time_intervals)}, none promised")
    return "; ".join(said)


def describe(route: Mapping[str, Any], path: Sequence[int]) -> str:
    """A route by its matchers, from the root down: `team="a" > severity="critical", service!=""`."""
    steps = []
    node = route
    for i in path:
        node = (node.get("routes") or [])[i]
        steps.append(", ".join(str(m) for m in node.get("matchers") or ()) or json.dumps(node.get("match") or {}))
    return " > ".join(steps) or "(root)"


def _paths(route: Mapping[str, Any], *groups: tuple[Any, ...]) -> str:
    return " vs ".join("; ".join(describe(route, path) for path, _ in group) for group in groups)
