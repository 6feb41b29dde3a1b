"""Comparing two sides key by key, and saying what moved in words a reviewer reads."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.changes.summary import Change
from compiler.model.promql_strings import quote

UNSET = "(unset)"


def action(old: object, new: object) -> str:
    return "added" if old is None else "removed" if new is None else "changed"


def compare(
    kind: str, old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], fields: Sequence[str]
) -> list[Change]:
    """One row per key added, removed or with a field changed; an added or removed key shows its first two
    fields (when short), a changed one every field that moved."""
    out = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is None or after is None:
            shown = after if after is not None else before
            assert shown is not None
            details = tuple(f"{f}: {shown[f]}" for f in fields[:2] if shown.get(f) and len(str(shown[f])) <= 80)
            out.append(Change(kind, action(before, after), key, details))
            continue
        details = tuple(changed(f, before.get(f), after.get(f)) for f in fields if before.get(f) != after.get(f))
        if details:
            out.append(Change(kind, "changed", key, details))
    return out


def changed_fields(
    kind: str, old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], first: Sequence[str]
) -> list[Change]:
    """`compare` over every field either side has, `first` ones first (shown for an added or removed key)."""
    rest = sorted({f for side in (old, new) for entry in side.values() for f in entry} - set(first))
    return compare(kind, old, new, (*first, *rest))


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")
_LONGEST = 200


def changed(name: str, before: object, after: object) -> str:
    before = UNSET if before is None else before
    after = UNSET if after is None else after
    if name == "expr" and isinstance(before, str) and isinstance(after, str):
        before, after = _bounds_read(before), _bounds_read(after)
        old_numbers, new_numbers = _NUMBER.findall(before), _NUMBER.findall(after)
        if _NUMBER.sub("#", before) == _NUMBER.sub("#", after):  # same query, other constants: say which
            moved = [f"{a} → {b}" for a, b in zip(old_numbers, new_numbers, strict=True) if a != b]
            return "thresholds: " + ", ".join(dict.fromkeys(moved))
    text = f"{name}: {before} → {after}"
    if len(text) <= _LONGEST:
        return text
    if isinstance(before, str) and isinstance(after, str):
        return f"{name}: {excerpt(before, after)}"
    return f"{name} changed"


# A latency bound as obsc matches it (model.le_spellings.le_matcher): every spelling a client may write, the plain
# decimal first (`0\\.30*|3(\\.0+)?[eE]-0*1|…`). Read back as the number, so a threshold 300ms → 250ms says
# `thresholds: 0.3 → 0.25`, where the row showed two cut regexes nobody could read (round 45, a day-two PR).
_BOUND = re.compile(r'le=~"(\d+)(?:\\\\\.(\d+?)0\*|\(\\\\\.0\+\)\?)\|(?:[^"\\]|\\.)*"')


def _bounds_read(expr: str) -> str:
    return _BOUND.sub(lambda m: f'le="{m.group(1)}' + (f".{m.group(2)}" if m.group(2) else "") + '"', expr)


# PromQL-ish tokens: quoted strings whole, names and numbers whole, any other character alone
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|[\w:.]+|\s+|.', re.S)
_CONTEXT = 4  # tokens shown either side of the part that differs


def one_line(query: str) -> str:
    """A query's layout made one line (a folded or re-indented rule reads the same) without touching its
    quoted strings: `{reason="rate  limited"}` matches other series than `{reason="rate limited"}`."""
    return "".join(" " if token.isspace() else token for token in _TOKEN.findall(query)).strip()


def excerpt(before: str, after: str) -> str:
    """Only the part of two long texts that differs, with a little context: `…{result=~"err|timeout",job… →
    …{result="err",job…` instead of two whole 300-character expressions."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1

    def part(tokens: list[str]) -> str:
        lo, hi = max(0, start - _CONTEXT), min(len(tokens), len(tokens) - end + _CONTEXT)
        text = "".join(tokens[lo:hi]).strip()
        cut = len(text) > _LONGEST // 2
        return ("…" if lo else "") + (text[: _LONGEST // 2] or "(nothing)") + ("…" if cut or hi < len(tokens) else "")

    return f"{part(a)} → {part(b)}"


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Leaves as `webhook_configs[0].url: value`, so a change names the setting that moved; a list of plain
    values stays one setting (`group_by: [service, slo]`)."""
    if isinstance(value, dict):
        return {
            k: v
            for key in sorted(value, key=str)  # (a committed file may mix key types: `1:` is an int)
            for k, v in flatten(value[key], f"{prefix}.{key}" if prefix else str(key)).items()
        }
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return {prefix: "[" + ", ".join(map(_scalar, value)) + "]"}
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}[{i}]").items()}
    return {prefix: _scalar(value)}


def _scalar(value: Any) -> str:
    """As the file spells it (`send_resolved: false`), not as Python does (`False`)."""
    return "true" if value is True else "false" if value is False else "null" if value is None else str(value)


def labels_text(labels: Mapping[str, str]) -> str:
    """`{service="cart", tier="gold"}`, each value quoted as PromQL quotes it: a spec's label value
    `x", service="payments", team="bravo` showed in the pull-request comment as two labels of another team's
    (round 40 hostile hunt), and two label sets could spell one key."""
    return "{" + ", ".join(f"{k}={quote(v)}" for k, v in sorted(labels.items())) + "}" if labels else ""


def alert_key(name: str, labels: Mapping[str, str]) -> str:
    # one key per tier: a key alert's critical and warning rules share name and labels otherwise, and
    # one overwrote the other (a page removed showed no change); see rules.same_tier for severity changes
    identity = {k: v for k, v in labels.items() if k != "severity"}
    return name + labels_text(identity) + f" [{labels.get('severity', '')}]"


def alert_name(key: str) -> str:
    return key.split("{", 1)[0].split(" [", 1)[0]
