"""Every operational part of alertmanager.yml on both sides: each route's own settings by its matcher path
(receiver, group_by, the three timers, continue, active/mute time intervals) and the order of sibling
routes (the first match wins), receivers, time interval definitions, inhibition rules, and every other
top-level setting (`global`, `templates`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from compiler.changes.committed import mapping, sequence
from compiler.changes.compare import changed_fields, flatten
from compiler.changes.summary import Change

_ROUTE_FIRST = ("receiver", "continue")
_INTERVAL_KEYS = ("time_intervals", "mute_time_intervals")  # the second: Alertmanager's older spelling
_OWN_SECTIONS = ("route", "receivers", "inhibit_rules", *_INTERVAL_KEYS)


def changes(old: Any, new: Any) -> list[Change]:
    """Every type is checked before it is relied on: the old side is a committed file anyone may edit."""
    old, new = mapping(old), mapping(new)
    (old_routes, old_order), (new_routes, new_order) = _routes(old), _routes(new)
    out = changed_fields("route", old_routes, new_routes, _ROUTE_FIRST)
    out += _order(old_order, new_order)
    out += changed_fields("receiver", _receivers(old), _receivers(new), ("integrations",))
    out += _interval_changes(old, new)
    out += _inhibitions(old.get("inhibit_rules"), new.get("inhibit_rules"))
    others = sorted((old.keys() | new.keys()) - set(_OWN_SECTIONS), key=str)
    out += changed_fields(
        "alertmanager",
        {str(k): flatten(old[k], str(k)) for k in others if k in old},
        {str(k): flatten(new[k], str(k)) for k in others if k in new},
        (),
    )
    return out


def routes(config: Any) -> dict[str, dict[str, str]]:
    """Each route's own settings by its matcher path (changes.renames maps them across a rename)."""
    return _routes(mapping(config))[0]


def receivers(config: Any) -> dict[str, dict[str, str]]:
    """Each receiver's settings by name, as the Receivers rows compare them."""
    return _receivers(mapping(config))


def _routes(config: dict[str, Any]) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """Each route's own settings (a child inherits what it leaves out, so a setting is reported where the
    file changed it) keyed by its path of matchers, and each route's children in order."""
    settings: dict[str, dict[str, str]] = {}
    order: dict[str, list[str]] = {}

    def walk(node: dict[str, Any], trail: tuple[str, ...]) -> str:
        own = [str(m) for m in sequence(node.get("matchers"))]
        for key in ("match", "match_re"):  # the older spellings
            if isinstance(node.get(key), dict):
                op = "=~" if key == "match_re" else "="
                own += [f'{k}{op}"{v}"' for k, v in sorted(node[key].items(), key=str)]
        here = (*trail, *(own or (["(any)"] if trail else [])))
        name = ", ".join(here) or "(root)"
        while name in settings:  # two siblings with the same matchers: the later one numbered
            name += " (again)"
        skip = {"routes", "matchers", "match", "match_re"}
        settings[name] = flatten({k: v for k, v in node.items() if k not in skip})
        order[name] = [walk(child, here) for child in sequence(node.get("routes")) if isinstance(child, dict)]
        return name

    if isinstance(config.get("route"), dict):
        walk(config["route"], ())
    return settings, order


def _order(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[Change]:
    """Sibling routes kept on both sides but now in another order: another one may match first."""
    out = []
    for parent in sorted(old.keys() & new.keys()):
        kept = set(old[parent]) & set(new[parent])
        before, after = [c for c in old[parent] if c in kept], [c for c in new[parent] if c in kept]
        if before != after:
            shown = [_last(c, parent) for c in before], [_last(c, parent) for c in after]
            detail = f"order of child routes: {'; '.join(shown[0])} → {'; '.join(shown[1])}"
            out.append(Change("route", "changed", parent, (detail,)))
    return out


def _last(child: str, parent: str) -> str:
    return child.removeprefix(parent + ", ") if parent != "(root)" else child


def _receivers(config: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        str(r.get("name")): {
            "integrations": ", ".join(
                sorted(str(k).removesuffix("_configs") for k in r if str(k).endswith("_configs"))
            ),
            **flatten({k: v for k, v in r.items() if k != "name"}),
        }
        for r in sequence(config.get("receivers"))
        if isinstance(r, dict)
    }


def _interval_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Time interval definitions; an added or removed one shows every period it holds (they are short)."""
    before, after = _intervals(old), _intervals(new)
    rows = changed_fields("time_interval", before, after, ())
    return [
        Change(c.kind, c.action, c.name, tuple(f"{k}: {v}" for k, v in (after.get(c.name) or before[c.name]).items()))
        if c.action != "changed"
        else c
        for c in rows
    ]


def _intervals(config: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each interval's periods, one line each: `time_intervals[0]: {location: Asia/Tokyo, weekdays: [saturday]}`."""
    out = {}
    for key in _INTERVAL_KEYS:
        for entry in sequence(config.get(key)):
            if isinstance(entry, dict):
                periods = entry.get("time_intervals") or []
                out[str(entry.get("name"))] = {
                    f"time_intervals[{i}]": _one_line(period)
                    for i, period in enumerate(periods if isinstance(periods, list) else [periods])
                } or {"time_intervals": "[]"}
    return out


def _one_line(value: Any) -> str:
    return " ".join(yaml.safe_dump(value, default_flow_style=True, sort_keys=True, width=10**6).split())


def _inhibitions(old: Any, new: Any) -> list[Change]:
    """Inhibition rules added or removed, each in one line (all of them apply, so their order does not
    matter; a changed rule is one removed and one added)."""
    before, after = Counter(map(_inhibition, sequence(old))), Counter(map(_inhibition, sequence(new)))
    removed, added = before - after, after - before
    return [Change("inhibition", "removed", rule) for rule in sorted(removed.elements())] + [
        Change("inhibition", "added", rule) for rule in sorted(added.elements())
    ]


def _inhibition(rule: Any) -> str:
    if not isinstance(rule, dict):
        return str(rule)
    return "; ".join(f"{key}: {value}" for key, value in flatten(rule).items())
