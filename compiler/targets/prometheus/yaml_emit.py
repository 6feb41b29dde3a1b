"""A small, fast YAML writer for rule and test files: block style, insertion order, literal blocks.

The generators build plain dicts, lists and scalars in the order that reads best (record/alert, expr,
for, labels, annotations) with label maps already sorted. A 1,000-service fleet writes tens of MB of
rules and tests; PyYAML's representer alone took most of the compile time, so this writer emits text
directly. Strings are plain when YAML 1.1 (PyYAML) and Go's yaml.v2 both read them back as the same
string, literal blocks when multi-line, double-quoted otherwise (non-printable characters escaped).
tests/test_prometheus_yaml.py round-trips every generated file through PyYAML; promtool reads them all.
"""

from __future__ import annotations

import functools
import math
from typing import Any

# A plain scalar starts with a letter or `_` (no indicator, number or sign), and holds no `#` (a comment
# after a space) and no `: ` (a mapping), nor a control character (isprintable rules those out).
_PLAIN_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
# Words YAML 1.1 (and yaml.v2) read as booleans or null, in any case.
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
_RESERVED_LONGEST = max(map(len, _RESERVED))  # longer text needs no lowercased copy to compare


def _line(text: str) -> str:
    """A string as a one-line scalar: plain when both YAML readers read it back as the same string, else
    double-quoted (escaped where not printable). C-level scans only, each once: a regex walking every
    character and a second printable scan were most of the cost of a new string."""
    if not text.isprintable():
        return _escaped(text)
    if (
        text[:1] in _PLAIN_FIRST
        and "#" not in text
        and ": " not in text
        and not text.endswith((":", " "))
        and (len(text) > _RESERVED_LONGEST or text.lower() not in _RESERVED)
    ):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'  # a PromQL matcher's quotes


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def _quoted(text: str) -> str:
    """A double-quoted scalar: printable characters as they are, the rest as YAML escapes (\\uXXXX...)."""
    if text.isprintable():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _escaped(text)


def _escaped(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


_string = functools.lru_cache(maxsize=1 << 16)(_line)


def scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)  # label values, names and annotations repeat across a fleet's files
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text and "." not in text:  # YAML 1.1 floats need a dot: 1e-07 → 1.0e-07
            text = text.replace("e", ".0e", 1)
        return text
    return _string(str(value))


def _literal(text: str, indent: str) -> str | None:
    """A literal block (`|-` / `|`) when it reads back exactly; None otherwise."""
    body = text[:-1] if text.endswith("\n") else text
    if not body or body.endswith("\n") or body.startswith((" ", "\n")):
        return None
    if not body.replace("\t", "").replace("\n", "").isprintable():
        return None
    chomp = "" if text.endswith("\n") else "-"
    if "\n\n" in body:  # empty lines stay empty (no trailing indent)
        lines = "\n".join(f"{indent}{line}" if line else "" for line in body.split("\n"))
    else:
        lines = indent + body.replace("\n", "\n" + indent)
    return f"|{chomp}\n{lines}"


# Rendered scalars, with the space that follows a key's colon or a sequence's dash: keys, label values and
# annotations repeat across a fleet's files. Bounded: cleared when full (the next files refill it).
_KEYS: dict[str, str] = {}
_VALUES: dict[str, str] = {}
_LIMIT = 1 << 16


def _key(text: str) -> str:
    if len(_KEYS) >= _LIMIT:
        _KEYS.clear()
    head = _KEYS[text] = _string(text) + ":"
    return head


def _value(text: str, indent: str) -> str:
    """` text` as written after `key:` or `-`; `indent` is where a literal block's lines start."""
    if "\n" in text:
        block = _literal(text, indent)
        return f" {block if block is not None else _quoted(text)}"
    if len(_VALUES) >= _LIMIT:
        _VALUES.clear()
    shown = _VALUES[text] = " " + _line(text)  # (_VALUES is its cache)
    return shown


# One call per mapping or sequence, not per entry: a 1,000-service fleet's rule and test files hold
# millions of entries, and the per-entry call was most of the writer's time.
def _mapping(value: dict[Any, Any], indent: str, first: str, out: list[str]) -> None:
    """Append a non-empty block mapping whose keys sit at `indent`; the first line starts with `first`
    instead (the `- ` of a sequence item)."""
    inner = indent + "  "
    prefix = first
    keys, values = _KEYS, _VALUES
    for key, item in value.items():
        head = keys.get(key) or _key(key)
        kind = type(item)
        if kind is str:
            out.append(prefix + head + (values.get(item) or _value(item, inner)))
        elif kind is dict:
            if item:
                out.append(prefix + head)
                _mapping(item, inner, inner, out)
            else:
                out.append(prefix + head + " {}")
        elif kind is list:
            if item:
                out.append(prefix + head)
                _sequence(item, inner, out)
            else:
                out.append(prefix + head + " []")
        else:
            out.append(f"{prefix}{head} {scalar(item)}")
        prefix = indent


def _sequence(value: list[Any], indent: str, out: list[str]) -> None:
    """Append a non-empty block sequence whose dashes sit at `indent`."""
    inner = indent + "  "
    dash = indent + "-"
    item_dash = indent + "- "
    values = _VALUES
    for item in value:
        kind = type(item)
        if kind is dict:
            if item:
                _mapping(item, inner, item_dash, out)
            else:
                out.append(dash + " {}")
        elif kind is str:
            out.append(dash + (values.get(item) or _value(item, inner)))
        elif kind is list:
            if item:
                out.append(dash)
                _sequence(item, inner, out)
            else:
                out.append(dash + " []")
        else:
            out.append(f"{dash} {scalar(item)}")


def key(text: str) -> str:
    """`text:` as a mapping key is written (for writers that emit a known shape line by line)."""
    return _KEYS.get(text) or _key(text)


def value(item: Any, indent: str) -> str:
    """` item` as written after `key:` or `-`, exactly as `dump` writes it; `indent` is where a literal
    block's lines start (the indent of the mapping's keys plus two)."""
    if type(item) is str:
        return _VALUES.get(item) or _value(item, indent)
    return " " + scalar(item)


def fresh_value(item: str, indent: str) -> str:
    """`value(item, indent)` without remembering the text: for text that names its service (expressions,
    annotations), written once per fleet, where caching it only costs."""
    if "\n" in item:
        block = _literal(item, indent)
        return f" {block if block is not None else _quoted(item)}"
    return " " + _line(item)


def pairs(items: dict[str, Any], indent: str, first: str, out: list[str]) -> None:
    """Append a non-empty mapping of scalars, as `_mapping` does (keys at `indent`, first line `first`)."""
    inner = indent + "  "
    prefix = first
    keys, values = _KEYS, _VALUES
    for name, item in items.items():
        head = keys.get(name) or _key(name)
        if type(item) is str:
            out.append(prefix + head + (values.get(item) or _value(item, inner)))
        else:
            out.append(f"{prefix}{head} {scalar(item)}")
        prefix = indent


def dump(data: dict[str, Any]) -> str:
    out: list[str] = []
    if data:
        _mapping(data, "", "", out)
    return "\n".join(out) + "\n"
