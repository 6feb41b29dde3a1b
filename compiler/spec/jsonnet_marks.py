"""Where a Jsonnet spec's values came from, found again in its source: Jsonnet's output has no positions.

A key points at the place the source names it. Keys inside a list's items used to have no place at all, so
every error of an SLO or a threshold alert (`objective: '99.9'`, `totl:`) pointed at `slos:`. Each item of a
list of mappings is now found by a key all its items share (`name` first), in order, and its keys are looked
for between that item and the next; keys a comprehension or a function wrote are named once in the source, and
point there."""

from __future__ import annotations

import bisect
import re
from typing import Any

from compiler.spec.document import Document, Path

Mark = tuple[int, int]

# How a Jsonnet source names a field, in the order a line is searched: `key:` (also `key::`), `'key':`, `"key":`,
# each also as a merge (`key+:`, `metrics+: {...}`: every error under one was at 1:1). Never after a letter, digit
# or `_` (`xkey:` does not name `key`).
_KEY_FORMS = (
    re.compile(r"(?<!\w)(\w+)\+?:"),
    re.compile(r"(?<!\w)'([^'\n]*)'\+?:"),
    re.compile(r'(?<!\w)"([^"\n]*)"\+?:'),
)
_END: Mark = (1 << 62, 0)
# A hidden field: `key::` or `'key'::` (not `key:::`, which forces it visible; not `f(x)::`, a function).
_HIDDEN = re.compile(r"""(?<!\w)(?:(\w+)|'([^'\n]*)'|"([^"\n]*)")\s*::(?!:)""")
_COMMENT_STARTS = ("//", "#", "/*", "*")


def approximate(doc: Document, source: str) -> None:
    """Fill the document's key and value marks from the source."""
    places = _key_places(source)
    doc.hidden_keys = _hidden_keys(source)
    _walk(doc, (places, source.splitlines()), doc.data, (), (0, 0), _END)


# The source's key namings and its lines.
_Source = tuple[dict[str, list[Mark]], list[str]]


def _walk(doc: Document, source: _Source, value: Any, path: Path, start: Mark, end: Mark) -> None:
    places, lines = source
    if isinstance(value, dict):
        for key, item in value.items():
            found = places.get(str(key))
            mark = _within(found, start, end) or _first(found)
            if mark is not None:
                doc.key_marks[(*path, key)] = mark
                doc.value_marks[(*path, key)] = mark
            _walk(doc, source, item, (*path, key), mark or start, end)
    elif isinstance(value, list):
        # Items are looked for only inside the `[...]` written after the list's key: `slos: [mk('a'), mk('b')]`
        # named no `name:` there, and the next list's items (threshold alerts) were taken for its own.
        closing = _list_end(lines, doc.key_marks[path]) if path in doc.key_marks else None
        starts = _item_starts(places, value, start, closing) if closing else None
        if starts is None:  # its keys would be searched for after the list, in what follows it: left at its key
            return
        for i, item in enumerate(value):
            doc.value_marks[(*path, i)] = starts[i]
            after = starts[i + 1] if i + 1 < len(starts) else end
            before = starts[i - 1] if i else start
            _walk_item(doc, source, item, (*path, i), (before, starts[i], after))


def _walk_item(doc: Document, source: _Source, item: dict[str, Any], path: Path, span: tuple[Mark, Mark, Mark]) -> None:
    """An item's keys: after its anchor and before the next item's, else the last naming since the item before."""
    places = source[0]
    before, start, after = span
    for key, value in item.items():
        found = places.get(str(key))
        mark = _within(found, start, after) or _last_within(found, (before[0], before[1] + 1), start) or _first(found)
        if mark is not None:
            doc.key_marks[(*path, key)] = mark
            doc.value_marks[(*path, key)] = mark
        _walk(doc, source, value, (*path, key), mark or start, after)


def _list_end(lines: list[str], key: Mark) -> Mark | None:
    """Where the `[...]` written as the value of the key named at `key` closes; None when the value is not a
    list written there (a function's result, a `+` of lists, a text block: no item has a place of its own)."""
    number, col = key
    colon = lines[number - 1].find(":", col - 1)
    depth, quote, comment = 0, "", False
    for row in range(number - 1, len(lines)):
        text = lines[row]
        i = colon + 1 if row == number - 1 else 0
        while i < len(text):
            char, pair = text[i], text[i : i + 2]
            if comment:
                comment, i = (False, i + 2) if pair == "*/" else (True, i + 1)
                continue
            if quote:
                i += 2 if char == "\\" else 1
                quote = "" if char == quote else quote
                continue
            if pair == "/*":
                comment, i = True, i + 2
                continue
            if pair == "//" or char == "#":
                break
            if depth == 0 and char not in " \t:[":  # `:` of `key::`; anything else: not a list literal
                return None
            if text.startswith("|||", i):  # a text block: its lines are not read here
                return None
            if char in "'\"":
                quote = char
            depth += (char in "[({") - (char in "])}")
            if depth == 0 and char == "]":
                return (row + 1, i + 1)
            i += 1
    return None


def _item_starts(places: dict[str, list[Mark]], items: list[Any], start: Mark, end: Mark) -> list[Mark] | None:
    """Where each item of a list of mappings begins, by the naming of a key every item has, in order."""
    if not items or not all(isinstance(item, dict) and item for item in items):
        return None
    shared = set(items[0]).intersection(*items[1:])
    anchor = "name" if "name" in shared else min(shared, default=None)
    found = places.get(str(anchor)) if anchor is not None else None
    starts: list[Mark] = []
    cursor = start
    for _ in items:
        mark = _within(found, cursor, end)
        if mark is None:  # written by a comprehension or a function: not an item each
            return None
        starts.append(mark)
        cursor = (mark[0], mark[1] + 1)
    return starts


def _within(found: list[Mark] | None, start: Mark, end: Mark) -> Mark | None:
    """The first naming at or after `start` and before `end`."""
    if not found:
        return None
    i = bisect.bisect_left(found, start)
    return found[i] if i < len(found) and found[i] < end else None


def _first(found: list[Mark] | None) -> Mark | None:
    """The first naming anywhere: a key a local or a function wrote, named once."""
    return found[0] if found else None


def _last_within(found: list[Mark] | None, start: Mark, end: Mark) -> Mark | None:
    if not found:
        return None
    i = bisect.bisect_left(found, end) - 1
    return found[i] if i >= 0 and found[i] >= start else None


def _hidden_keys(source: str) -> dict[str, Mark]:
    """Each field name the source writes hidden -> where it first does."""
    found: dict[str, Mark] = {}
    for number, text in enumerate(source.splitlines(), 1):
        if "::" in text and not text.lstrip().startswith(_COMMENT_STARTS):
            for match in _HIDDEN.finditer(text):
                name = next(g for g in match.groups() if g is not None)
                found.setdefault(name, (number, match.start() + 1))
    return found


def _key_places(source: str) -> dict[str, list[Mark]]:
    """Each key the source names -> every (line, column) naming it, in source order, from one pass.

    Searching the source once per key was lines x keys: 100,000 keys made by std.parseJson (named nowhere, so
    every search read to the end) behind 1,000 comment lines took 88 CPU-seconds, after the sandbox's limit.
    """
    index: dict[str, list[Mark]] = {}
    for number, text in enumerate(source.splitlines(), 1):
        if ":" not in text or text.lstrip().startswith(_COMMENT_STARTS):  # a comment names no field
            continue
        on_line: dict[str, int] = {}
        for form in _KEY_FORMS:  # an earlier form wins on its line, as each key was searched that way
            for match in form.finditer(text):
                on_line.setdefault(match.group(1), match.start() + 1)
        for key, col in sorted(on_line.items(), key=lambda kv: kv[1]):
            index.setdefault(key, []).append((number, col))
    return index
