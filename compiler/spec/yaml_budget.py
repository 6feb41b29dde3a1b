"""Refuse a YAML file that would expand too far, before anything is built from it.

One pass over the parser's events (no nodes are kept) computes what the file would expand to: every
scalar and collection counts once, every alias counts as the whole expansion of its anchor, merge keys
(`<<: *base`) included, since flattening copies the merged pairs. The budget is for the whole file, all
documents together: a per-document budget let 40 documents of a just-under-budget "billion laughs" through
(24 s, 2 GB). Depth counts through aliases too, so a chain of `<<:` merges cannot outgrow the
recursion of PyYAML's `flatten_mapping`. An alias to an anchor still open (a recursive structure) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from compiler.errors import Diagnostic, InputError, Location


@dataclass
class _Open:
    """A collection whose end event has not come yet."""

    anchor: str | None
    size: int = 1
    height: int = 0


# What each parser event does to the count (the C and Python parsers make events of exactly these classes).
_OPEN, _SCALAR, _ALIAS, _CLOSE = range(4)
_KINDS = {
    yaml.MappingStartEvent: _OPEN,
    yaml.SequenceStartEvent: _OPEN,
    yaml.ScalarEvent: _SCALAR,
    yaml.AliasEvent: _ALIAS,
    yaml.MappingEndEvent: _CLOSE,
    yaml.SequenceEndEvent: _CLOSE,
}


def check(path: str, loader: yaml.SafeLoader, max_nodes: int, max_depth: int) -> list[yaml.Event]:
    """Read every event of `loader`; raise InputError at the first event over a limit. Returns the events
    (the loader builds most files' documents from them: yaml_events.py)."""
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (expanded size, expanded height)
    stack: list[_Open] = []
    spent = 0
    next_event = loader.get_event
    kinds = _KINDS
    events: list[yaml.Event] = []
    keep = events.append
    while (event := next_event()) is not None:  # type: ignore[no-untyped-call]
        keep(event)
        kind = kinds.get(type(event))
        if kind is _SCALAR:  # the most common event: one node, no depth of its own
            if event.anchor:
                anchors[event.anchor] = (1, 1)
            size, height = 1, 1
            if stack:
                top = stack[-1]
                top.size += 1
                if top.height < 1:
                    top.height = 1
        elif kind is _OPEN:
            size, height = 1, 0
            stack.append(_Open(event.anchor))
        elif kind is _ALIAS:
            name = event.anchor or ""
            if any(o.anchor == name for o in stack):
                _refuse(path, event, f"alias *{name} refers to a collection that contains it (recursive alias)")
            size, height = anchors.get(name, (1, 1))  # an undefined alias is reported by the composer
            if stack:
                stack[-1].size += size
                stack[-1].height = max(stack[-1].height, height)
        elif kind is _CLOSE:
            done = stack.pop()
            if done.anchor:
                anchors[done.anchor] = (done.size, done.height + 1)
            if stack:
                stack[-1].size += done.size
                stack[-1].height = max(stack[-1].height, done.height + 1)
            continue
        else:
            continue
        spent += size
        if spent > max_nodes:
            _refuse(
                path,
                event,
                f"file expands to more than {max_nodes:,} nodes, all documents together "
                "(YAML aliases repeated many times? refusing to expand it)",
            )
        if len(stack) + height > max_depth + 1:
            _refuse(path, event, f"nesting deeper than {max_depth} levels, counting what aliases and '<<' merges add")
    return events


def _refuse(path: str, event: yaml.Event, message: str) -> None:
    mark = event.start_mark
    where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
    raise InputError([Diagnostic(where, (), message)])
