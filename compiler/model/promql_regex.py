"""A spec's label-matcher regexes, checked and run as Prometheus does: with RE2, never a backtracking engine.

Prometheus compiles `=~`/`!~` values with Go's regexp (RE2 syntax, linear-time matching). obsc runs them too:
to pick label values for the synthetic series of the generated tests, and to tell which SLOs those series
feed. Python's `re` backtracks, so a spec could choose both a regex and the value that makes it run for
hours (`(a+)+[^a]|aaaa…`: each extra `a` doubled the time). Here they run under google-re2 (RE2's C++
library, the engine Go's regexp was modelled on): time linear in the value, and the same syntax, so what
RE2 refuses Prometheus refuses too. Two constructs the C++ library takes and Go 1.19's regexp (Prometheus
2.42's build) refuses are refused apart: `(?<name>…)` (Go took it in 1.22) and `\\C` (one byte).
"""

from __future__ import annotations

import functools
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # refusals are reported as located errors, not logged to stderr by the library


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any | None:
    try:
        return re2.compile(pattern, _OPTIONS)
    except (re2.error, ValueError):  # ValueError: text UTF-8 cannot hold (a lone surrogate)
        return None


def full_match(pattern: str, value: str) -> bool | None:
    """Whether `value` matches all of `pattern`, as a Prometheus `=~` matcher does (anchored at both ends);
    None when RE2 refuses the pattern (or the value is not text UTF-8 can hold)."""
    compiled = _compiled(pattern)
    if compiled is None:
        return None
    try:
        return compiled.fullmatch(value) is not None
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def regex_problem(pattern: str) -> str | None:
    """Why Prometheus 2.42 refuses `pattern` as a label-matcher regex, or None."""
    go_only = _go_refuses(pattern)
    if go_only is not None:
        return f"regex {pattern!r}: {go_only}"
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return f"regex {pattern!r} does not compile in Prometheus (Go's RE2 syntax): {reason}"
    except ValueError:
        return f"regex {pattern!r} holds text that is not valid UTF-8"
    return None


def _go_refuses(pattern: str) -> str | None:
    """The constructs RE2's C++ library takes and Go 1.19's regexp refuses (one linear scan)."""
    i, end, in_class = 0, len(pattern), False
    while i < end:
        char = pattern[i]
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if following == "C":
                return "\\C (a single byte) is not in Go's regexp; write . for one character"
            if following == "Q" and not in_class:  # literal text up to \E: nothing in it is syntax
                close = pattern.find("\\E", i + 2)
                i = end if close < 0 else close + 2
                continue
            i += 2
        elif in_class:
            if pattern.startswith("[:", i) and (close := pattern.find(":]", i + 2)) >= 0:
                i = close + 2
                continue
            in_class = char != "]"
            i += 1
        elif char == "[":
            i += 1
            i += pattern.startswith("^", i)
            i += pattern.startswith("]", i)  # a `]` first in a class is a literal
            in_class = True
        elif pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            return "a named group written (?<name>...) is not in Prometheus 2.42's Go regexp; write (?P<name>...)"
        else:
            i += 1
    return None
