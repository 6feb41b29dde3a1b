"""YAML spelling shared by the Alertmanager artifacts: stable, readable, matchers kept intact.

The spelling is PyYAML's (SafeDumper, block style, insertion order, width 1000) with two choices of ours:
matcher strings and clock times always in single quotes, lists of scalars on one line. PyYAML's pure-Python
emitter took most of the target's time on a large fleet (18,000 lines of routes), so `to_yaml` writes the
common shapes itself: mappings, lists, and scalars whose spelling is certain (names, durations, matchers,
URLs). Anything else (a float, a multi-line or non-ASCII string, a word YAML reads as a boolean, a shared
object PyYAML would anchor, a line near the width) sends the whole document to PyYAML, so the bytes are
always PyYAML's; tests/test_alertmanager_yaml.py compares the two on random documents.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

_CLOCK = re.compile(r"[0-9]+:[0-9]+")


class _Dumper(yaml.SafeDumper):
    """Block mappings, one-line lists of scalars, and matcher strings always in single quotes."""


def _forced_quotes(value: str) -> bool:
    # Matchers keep their double-quoted value visibly intact; clock times never read as numbers.
    return '"' in value or "=" in value or bool(_CLOCK.fullmatch(value))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'" if _forced_quotes(value) else None)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str | int | float | bool) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def to_yaml(data: Any) -> str:
    if type(data) is dict and data:
        out: list[str] = []
        try:
            _mapping(data, "", "", out, set())
            return "\n".join(out) + "\n"
        except _Unsure:
            pass
    return _pyyaml(data)


def _pyyaml(data: Any) -> str:
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )
    return text


class _Unsure(Exception):
    """A value whose spelling PyYAML decides by rules not repeated here."""


# Plain in block and flow context: starts with a letter, no indicator or space; or a duration like 30s.
_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*|[0-9]+(?:ms|[smhdwy])")
# Plain in block context only (a URL, a path, a sentence): starts with a letter or a slash; the caller
# rules out ": ", " #" and a trailing space or colon.
_BLOCK_PLAIN = re.compile(r"[A-Za-z/][ -~]*")
_NEVER_PLAIN = re.compile(r"[#,\[\]{}&*!|>'\"%@`]")  # a first character that rules out a plain scalar
_FLOW_INDICATORS = re.compile(r"[,?\[\]{}:]")  # anywhere: not plain inside `[...]`
_WORDS = {"yes", "no", "true", "false", "on", "off", "null"}  # read back as a boolean or null: PyYAML quotes
_LIMIT = 300  # characters of a scalar, and of an indent: lines stay far below PyYAML's width of 1000
_KEY_LIMIT = 100  # PyYAML writes keys of 128 characters or more as `? key`
_LINE_LIMIT = 900
_WIDTH = 1000  # PyYAML's width: past it, a flow list goes on after a comma on a new line


# Receiver names, durations and label matchers repeat across a fleet's routes: each spelled once.
@functools.lru_cache(maxsize=8192)
def _string(value: str, flow: bool) -> str:
    """Plain where PyYAML writes it plain, single-quoted where plain is ruled out; _Unsure otherwise."""
    if not value:
        return "''"  # as PyYAML writes it (the operator's `service!=""` matcher has an empty value)
    if not value.isascii() or not value.isprintable():
        raise _Unsure  # multi-line or non-ASCII: PyYAML's finer rules
    if len(value) >= _LIMIT and not (flow and _forced_quotes(value) and " " not in value):
        raise _Unsure  # long: PyYAML may fold it at a space (a long matcher has none: round 38's service lists)
    if _forced_quotes(value) or _NEVER_PLAIN.match(value) or (flow and _FLOW_INDICATORS.search(value)):
        return "'" + value.replace("'", "''") + "'"
    if value.lower() in _WORDS:
        raise _Unsure
    if _SIMPLE.fullmatch(value):
        return value
    if (
        not flow
        and _BLOCK_PLAIN.fullmatch(value)
        and ": " not in value
        and " #" not in value
        and not value.endswith((" ", ":"))
    ):
        return value
    raise _Unsure


def _scalar(value: Any, flow: bool) -> str:
    kind = type(value)
    if kind is str:
        return _string(value, flow)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None and not flow:
        return "null"
    raise _Unsure  # floats (PyYAML's own spelling), tuples, str subclasses...


def _flow_list(value: list[Any], seen: set[int]) -> list[str] | None:
    """The scalars of a list PyYAML writes in flow style (`[a, b]`, all scalars); None for a block list."""
    if not all(isinstance(item, str | int | float | bool) for item in value):
        return None
    _visit(value, seen)
    return [_scalar(item, True) for item in value]


def _flow_lines(head: str, items: list[str], indent: int) -> list[str]:
    """`head [a, b]` as PyYAML writes it: on one line, or, past its width, each item after a comma that ends
    beyond the width on a line of its own at `indent` (inhibit rules listing many services)."""
    line = head + " [" + ", ".join(items) + "]"
    if len(line) <= _LINE_LIMIT:
        return [line]
    if len(head) > _LINE_LIMIT or any(" " in item for item in items):
        raise _Unsure  # PyYAML would fold an item at a space, or break before the first
    lines, line = [], head + " [" + items[0]
    for item in items[1:]:
        line += ","
        if len(line) > _WIDTH:
            lines.append(line)
            line = " " * indent + item
        else:
            line += " " + item
    return [*lines, line + "]"]


def _visit(value: object, seen: set[int]) -> None:
    if id(value) in seen:  # the same dict or list twice: PyYAML writes an anchor and an alias
        raise _Unsure
    seen.add(id(value))


def _mapping(value: dict[Any, Any], indent: str, first: str, out: list[str], seen: set[int]) -> None:
    """A non-empty block mapping with keys at `indent`; its first line starts with `first` (a `- `)."""
    if len(indent) > _LIMIT:
        raise _Unsure
    _visit(value, seen)
    prefix = first
    for key, item in value.items():
        if type(key) is not str or not key or len(key) > _KEY_LIMIT:  # PyYAML writes an empty key as `? ''`
            raise _Unsure
        head = prefix + _string(key, False) + ":"
        kind = type(item)
        if kind is dict:
            if item:
                out.append(head)
                _mapping(item, indent + "  ", indent + "  ", out, seen)
            else:
                _visit(item, seen)
                out.append(head + " {}")
        elif kind is list:
            flow = _flow_list(item, seen)
            if flow is not None:
                out.extend(_flow_lines(head, flow, len(indent) + 2))
            else:
                out.append(head)
                _sequence(item, indent, out, seen)  # a mapping's list: dashes at the key's indent
        else:
            out.append(head + " " + _scalar(item, False))
        prefix = indent


def _sequence(value: list[Any], indent: str, out: list[str], seen: set[int]) -> None:
    _visit(value, seen)
    dash = indent + "- "
    for item in value:
        kind = type(item)
        if kind is dict and item:
            _mapping(item, indent + "  ", dash, out, seen)
        elif kind is dict or kind is list:
            raise _Unsure  # empty mappings and nested lists in a block list: rare, left to PyYAML
        else:
            out.append(dash + _scalar(item, False))
