"""Template globs as Alertmanager 0.25 reads them: Go's filepath.Glob, which refuses a malformed pattern.

`alertmanager.templates` entries are copied into alertmanager.yml as written; a pattern Go cannot read (`[`,
`[]`, `x\\`) made `amtool check-config` fail the whole compile with exit 1 and no location. The rules below are
Go's filepath.Match syntax on Unix: a backslash escapes the next character, a character class `[...]` (`[^...]`
negated) holds at least one character or range, and none of them may start with `-` or `]`.
"""

from __future__ import annotations


def glob_problem(pattern: str) -> str | None:
    """Why Go's filepath.Glob would refuse `pattern` (ErrBadPattern), or None."""
    i, end = 0, len(pattern)
    while i < end:
        if pattern[i] == "\\":
            if i + 1 >= end:
                return f"{pattern!r} ends with a backslash, which escapes nothing"
            i += 2
        elif pattern[i] == "[":
            i = _class_end(pattern, i + 1)
            if i < 0:
                return (
                    f"{pattern!r} has a malformed character class: Alertmanager refuses the pattern (a `[` needs "
                    "its `]` and at least one character or range, none starting with `-` or `]`; write `\\[` for "
                    "a literal bracket)"
                )
        else:
            i += 1
    return None


def _class_end(pattern: str, i: int) -> int:
    """The index after the class whose body starts at `i`, or -1 if Go would refuse it."""
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    ranges = 0
    while True:
        if i < len(pattern) and pattern[i] == "]" and ranges:
            return i + 1
        i = _character(pattern, i)
        if i < 0:
            return -1
        if pattern[i] == "-":
            i = _character(pattern, i + 1)
            if i < 0:
                return -1
        ranges += 1


def _character(pattern: str, i: int) -> int:
    """The index after one (maybe escaped) class character at `i`, or -1; Go also wants more pattern after it."""
    if i >= len(pattern) or pattern[i] in "-]":
        return -1
    if pattern[i] == "\\":
        i += 1
        if i >= len(pattern):
            return -1
    i += 1
    return i if i < len(pattern) else -1
