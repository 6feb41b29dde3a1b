"""Where Alertmanager 0.25 puts an alert: a walk of alertmanager.yml's route tree, written apart from the tree's
builder (targets/alertmanager/routes.py) so that it can check it.

amtool 0.25 tells receivers only (`config routes test`, with `--tree` the matchers of the path), never a route's
`group_by` or timers, so the grouping check walks the tree itself, as Alertmanager does: children in order, the
first whose matchers all hold is entered (and its later siblings too while `continue` is set); an alert lands on
the deepest route entered, or on the route itself when no child matches. A route inherits its parent's receiver,
`group_by` and timers unless it sets them; its time intervals are its own. tests/test_route_walk.py compares this
walk with a real Alertmanager 0.25 (`/api/v2/alerts/groups`) on a 40-team fleet.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Alertmanager 0.25's own values for a root that sets none.
DEFAULTS = {"group_wait": 30, "group_interval": 5 * 60, "repeat_interval": 4 * 3600}
ALL_LABELS = "..."  # group_by: ['...'] groups by every label
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s,{}]*))\s*')
_ESCAPE = re.compile(r"\\(.)")
_DURATION = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


class Unreadable(ValueError):
    """A matcher or duration this walk cannot read (obsc writes none; a hand-merged base might)."""


@dataclass(frozen=True)
class Landing:
    """The route an alert lands on and the settings it has there (inherited ones resolved)."""

    path: tuple[int, ...]  # child indexes from the root: the route's identity, and so its groups'
    receiver: str
    group_by: tuple[str, ...] | None  # None: every label (`...`)
    timers: tuple[int, int, int]  # group_wait, group_interval, repeat_interval, in seconds
    active_time_intervals: tuple[str, ...]
    mute_time_intervals: tuple[str, ...]

    def group_labels(self, labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """The labels that tell this route's groups apart (absent and empty are one: Alertmanager drops empty)."""
        names = sorted(labels) if self.group_by is None else sorted(self.group_by)
        return tuple((name, labels.get(name, "")) for name in names)


@dataclass(frozen=True)
class _Opts:
    receiver: str
    group_by: tuple[str, ...] | None
    timers: tuple[int, int, int]


def walk(root: Mapping[str, Any], labels: Mapping[str, str]) -> list[Landing]:
    """Every route the alert lands on, in order (more than one only under `continue`)."""
    base = _Opts("", (), (DEFAULTS["group_wait"], DEFAULTS["group_interval"], DEFAULTS["repeat_interval"]))
    return _walk(root, labels, _settings(root, base), ())


def _walk(route: Mapping[str, Any], labels: Mapping[str, str], opts: _Opts, path: tuple[int, ...]) -> list[Landing]:
    found: list[Landing] = []
    for i, child in enumerate(route.get("routes") or ()):
        if all(_holds(matcher, labels) for matcher in _matchers(child)):
            found += _walk(child, labels, _settings(child, opts), (*path, i))
            if not child.get("continue"):
                break
    if found:
        return found
    return [
        Landing(
            path=path,
            receiver=opts.receiver,
            group_by=opts.group_by,
            timers=opts.timers,
            active_time_intervals=tuple(str(n) for n in route.get("active_time_intervals") or ()),
            mute_time_intervals=tuple(str(n) for n in route.get("mute_time_intervals") or ()),
        )
    ]


def _settings(route: Mapping[str, Any], parent: _Opts) -> _Opts:
    group_by = parent.group_by
    if route.get("group_by") is not None:
        given = tuple(str(name) for name in route["group_by"])
        group_by = None if ALL_LABELS in given else given
    wait, interval, repeat = parent.timers
    return _Opts(
        receiver=str(route.get("receiver") or parent.receiver),
        group_by=group_by,
        timers=(
            _seconds(route.get("group_wait"), wait),
            _seconds(route.get("group_interval"), interval),
            _seconds(route.get("repeat_interval"), repeat),
        ),
    )


def _matchers(route: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    found = [_parse(str(text)) for text in route.get("matchers") or ()]
    found += [(str(k), "=", str(v)) for k, v in (route.get("match") or {}).items()]  # deprecated forms
    found += [(str(k), "=~", str(v)) for k, v in (route.get("match_re") or {}).items()]
    return found


@functools.lru_cache(maxsize=65536)
def _parse(text: str) -> tuple[str, str, str]:
    match = _MATCHER.fullmatch(text.strip().removeprefix("{").removesuffix("}"))
    if match is None:
        raise Unreadable(f"matcher {text!r}")
    name, op, quoted, bare = match.groups()
    value = bare if quoted is None else _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), quoted)
    return name, op, value


def _holds(matcher: tuple[str, str, str], labels: Mapping[str, str]) -> bool:
    name, op, value = matcher
    have = labels.get(name, "")
    if op == "=":
        return have == value
    if op == "!=":
        return have != value
    full = _regex(value).fullmatch(have) is not None  # Alertmanager anchors a matcher's regex at both ends
    return full if op == "=~" else not full


@functools.lru_cache(maxsize=4096)
def _regex(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value, re.DOTALL)
    except re.error as error:
        raise Unreadable(f"regex {value!r}: {error}") from None


def _seconds(text: object, inherited: int) -> int:
    if text is None:
        return inherited
    parts = _DURATION.findall(str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise Unreadable(f"duration {text!r}")
    return round(sum(int(n) * _SECONDS[u] for n, u in parts))
