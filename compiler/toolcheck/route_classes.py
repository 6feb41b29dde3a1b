"""Which alerts the route tree cannot tell apart, with its matchers read exactly as Alertmanager 0.25 reads them.

`amtool config routes test` answers from the outcome of each route's matchers alone (with the tree's `continue`
and order, which are the same for every alert): two label sets on which every matcher of the tree holds alike
get the same receivers, so one amtool call answers for both. Group_by, timers and inhibit rules play no part in
that answer (the grouping check walks every row itself). An equality (`=`, `!=`, `match:`) only asks whether a
label is one of the values the tree names, so a service's name that no matcher names is one class with every
other such name; a regex (`=~`, `!~`, `match_re:`) is not evaluated here (Python's and Go's regexes differ): the
label it reads keeps its exact value. A matcher string read otherwise than Alertmanager would read it could
merge alerts that route apart, so any string this parser is unsure of means no merging at all.

Alertmanager reads each `matchers:` entry as a list (`a="1", b="2"` is two matchers; `{...}` allowed), splits it
on commas outside quotes, and unescapes a quoted value's `\\"`, `\\\\` and `\\n` only: any other backslash stays.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_GO_SPACE = "\t\n\f\r "  # RE2's \s
_MATCHER = re.compile(r"{s}([a-zA-Z_:][a-zA-Z0-9_:]*){s}(=~|=|!=|!~){s}(.*?){s}".format(s=r"[\t\n\f\r ]*"), re.S)
# Characters Go's and Python's ideas of white space disagree on (or that only one trims): never guessed at.
_UNSURE_SPACE = re.compile(r"[\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
EQUALITY = ("=", "!=")
OTHER = ("other",)  # stands for every value no equality matcher of that label names


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # =, !=, =~ or !~
    value: str  # unescaped, as Alertmanager compares it


@functools.lru_cache(maxsize=65536)
def parse_matchers(text: str) -> tuple[Matcher, ...] | None:
    """The matchers of one `matchers:` entry; None when Alertmanager would refuse it or this reading is unsure."""
    if _UNSURE_SPACE.search(text):
        return None
    text = text.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    quoted = escaped = False
    for char in text:
        if char == "," and not quoted:
            tokens.append("".join(token))
            token = []
            continue
        if char == '"':
            quoted, escaped = (quoted, False) if escaped else (not quoted, False)
        elif char != ",":  # a comma inside quotes leaves a pending backslash pending, as in Go
            escaped = not escaped if char == "\\" else False
        token.append(char)
    last = "".join(token).strip(_GO_SPACE + "\v")
    if last:
        tokens.append(last)
    parsed = [_one(t) for t in tokens]
    return None if any(m is None for m in parsed) else tuple(m for m in parsed if m is not None)


def _one(token: str) -> Matcher | None:
    found = _MATCHER.fullmatch(token)
    if found is None:
        return None
    name, op, raw = found.groups()
    closing = raw.startswith('"')
    raw = raw[1:] if closing else raw
    value: list[str] = []
    escaped = False
    for i, char in enumerate(raw):
        last = i == len(raw) - 1
        if escaped:
            escaped = False
            value.append("\n" if char == "n" else char if char in '"\\' else "\\" + char)
        elif char == "\\" and not last:
            escaped = True
        elif char == '"':
            if not closing or not last:
                return None  # an unescaped quote inside the value: refused by Alertmanager
            closing = False
        else:
            value.append(char)
    return None if closing else Matcher(name, op, "".join(value))


def route_matchers(route: Mapping[str, Any]) -> list[Matcher] | None:
    """Every matcher of one route (`matchers:` and the deprecated `match:`/`match_re:`); None if one is unsure."""
    found: list[Matcher] = []
    for text in route.get("matchers") or ():
        parsed = parse_matchers(text) if isinstance(text, str) else None
        if parsed is None:
            return None
        found += parsed
    for key, op in (("match", "="), ("match_re", "=~")):
        for name, value in (route.get(key) or {}).items():
            if not isinstance(name, str) or not isinstance(value, str):
                return None  # YAML's `true` or `5`: Go reads its own spelling of it, never guessed here
            found.append(Matcher(name, op, value))
    return found


@dataclass(frozen=True)
class Classes:
    """What of an alert's labels the tree can see: for a label only equalities read, which of their values it
    is (or OTHER); for a label a regex reads, its value. Absent and empty are one (Alertmanager matches '')."""

    compared: Mapping[str, frozenset[str]]
    read_whole: frozenset[str]

    def key(self, labels: Mapping[str, str]) -> tuple[tuple[str, object], ...]:
        seen: list[tuple[str, object]] = []
        for name in sorted(self.compared.keys() | self.read_whole):
            have = labels.get(name, "")
            seen.append((name, have if name in self.read_whole or have in self.compared[name] else OTHER))
        return tuple(seen)


def classes(config: Mapping[str, Any]) -> Classes | None:
    """The tree's classes of alerts; None when some matcher is unsure (then no two rows are merged)."""
    compared: dict[str, set[str]] = {}
    read_whole: set[str] = set()
    for route in walk(config.get("route") or {}):
        found = route_matchers(route)
        if found is None:
            return None
        for m in found:
            if m.op in EQUALITY:
                compared.setdefault(m.name, set()).add(m.value)
            else:
                read_whole.add(m.name)
    return Classes({name: frozenset(values) for name, values in compared.items()}, frozenset(read_whole))


def walk(route: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield route
    for child in route.get("routes") or ():
        yield from walk(child)
