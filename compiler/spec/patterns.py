"""Regular expressions over user input with whole-string anchors.

The schema's patterns are written `^...$` so that editors (ECMA-262 regexes) read them too. Python's `$`
also matches just before a final newline, so `re.search("^[a-z]+$", "svc\\n")` passes and a name with a
newline would become a file name. Here every `$` outside a character class means `\\Z` (end of string);
`^` without re.MULTILINE already means `\\A`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError


@functools.cache
def strict(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled with every unescaped `$` outside `[...]` read as `\\Z`."""
    out: list[str] = []
    in_class = False
    chars = iter(range(len(pattern)))
    for i in chars:
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            next(chars, None)
            continue
        if in_class:
            in_class = c != "]" or out[-1] in ("[", "[^")
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                out.append("[^")
                next(chars, None)
                continue
        elif c == "$":
            c = r"\Z"
        out.append(c)
    return re.compile("".join(out))


def search(pattern: str, text: str) -> bool:
    return strict(pattern).search(text) is not None


def pattern_keyword(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """The JSON Schema `pattern` keyword with `\\Z` semantics (replaces jsonschema's `re.search`)."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")
