"""A value that starts with `#` unquoted: YAML reads a `#` after a space as a comment, so `channel: #payments` is
a key with no value, and inside `{...}` or `[...]` the rest of the line is gone (libyaml then stops a line below,
"did not find expected ',' or '}'", at no place the reader wrote anything wrong). Slack channels are where
newcomers meet it: round 45's was told "no value here: write the text", or the flow collection's error alone."""

from __future__ import annotations

import json
import re

from compiler.errors import InputError, Location
from compiler.spec.document import Document, Path
from compiler.spec.files import read_regular

# `#word` where a value starts: after `key: ` or an opening `[`, `{` or `,` of a flow collection. A comment in a
# flow collection written over several lines has a space after its `#` (`# note`); a value does not.
# The key starts where its run of key characters does (the lookbehind): tried from every character of a long run,
# the search was quadratic in it.
_FLOW_VALUE = re.compile(r"(?:(?<![\w.-])([A-Za-z_][\w.-]*):[ \t]+|[\[{,][ \t]*)(#[^\s,\]}]+)")
_BLOCK_VALUE = re.compile(r"[ \t]*(#\S+)")


def said(key: str | None, value: str) -> str:
    """The hint: what YAML did with the `#` and the value quoted."""
    quoted = json.dumps(value, ensure_ascii=False)
    write = f"{key}: {quoted}" if key else quoted
    return f"a # where a value starts begins a comment in YAML, so {value} was not read as the value: quote it, {write}"


def in_flow(lines: list[str], first: int, last: int) -> tuple[int, int, str] | None:
    """(line, column, hint) for a `#value` between lines `first` and `last` of a flow collection that did not
    parse, or None. A `#` inside quotes (an odd number of a quote before it) is text, not this mistake."""
    for number in range(max(first, 1), min(last, len(lines)) + 1):
        here = lines[number - 1]
        for found in _FLOW_VALUE.finditer(here):
            before = here[: found.start(2)]
            if before.count('"') % 2 or before.count("'") % 2:
                continue
            return number, found.start(2) + 1, said(found[1], found[2])
    return None


def in_place(doc: Document, path: Path) -> tuple[Location, str] | None:
    """(the `#`'s place, the hint) for a value read as null because a `#value` stands where it was written, or None.
    Read from the file again: only when a schema error is reported for such a value, so a compile that passes pays
    nothing."""
    if not doc.real_file:
        return None
    where = doc.locate(path)
    try:
        lines = read_regular(doc.real_file).decode("utf-8", "replace").split("\n")
    except InputError:
        return None
    if not 0 < where.line <= len(lines):
        return None
    found = _BLOCK_VALUE.match(lines[where.line - 1].removeprefix("\ufeff"), where.col - 1)
    if found is None:
        return None
    at = Location(where.file, where.line, found.start(1) + 1)  # the `#`, not the empty value before it
    return at, said(path[-1] if path and isinstance(path[-1], str) else None, found[1])
