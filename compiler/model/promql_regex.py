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
import re
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # refusals are reported as located errors, not logged to stderr by the library


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any | None:
    if expanded_size(pattern) > MAX_EXPANDED_SIZE:
        return None  # refused by regex_problem; compiling it would take minutes
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
    """Why Prometheus 2.42 refuses `pattern` as a label-matcher regex (or obsc, one too large), or None."""
    size = expanded_size(pattern)
    if size > MAX_EXPANDED_SIZE:
        shown = pattern if len(pattern) <= 60 else pattern[:60] + "..."
        return (
            f"regex {shown!r} expands to about {size:,} instructions (each repetition count multiplies what it "
            f"repeats); obsc allows {MAX_EXPANDED_SIZE:,}, what the longest literal a spec may write compiles to: "
            "Prometheus runs it over the label's values at every evaluation. Match fewer characters, or use + and *"
        )
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


# The most instructions a regex may compile to, about: as many as the longest literal a spec may write (4,096
# characters, spec/strings.py), which Go's regexp compiles one per character. Repetition counts multiply
# what they repeat: 30 x `[a-z]{0,1000}`, 390 characters, cost promtool 23 ms per evaluation of one selector
# (2.42) and RE2's compile in obsc 8 s; 300 of them kept `obsc validate` busy for 11 minutes.
MAX_EXPANDED_SIZE = 4096
_COUNT = re.compile(r"\{(\d+)(?:,(\d*))?\}")


def expanded_size(pattern: str) -> int:
    """Roughly how many instructions `pattern` compiles to: one per atom, a repeated atom or group times its
    largest count (nested counts multiply), branches added. One linear scan, before any engine compiles it."""
    frames = [[0, 0]]  # per open group: [size so far, size of its last atom]
    i, end = 0, len(pattern)
    while i < end:
        char, atom = pattern[i], 1
        if char == "\\":
            i += 2
            if pattern[i - 1 : i] in ("p", "P") and pattern[i : i + 1] == "{":
                i = pattern.find("}", i) + 1 or end
        elif char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            frames.append([0, 0])
            i += 1
            continue
        elif char == ")" and len(frames) > 1:
            atom = frames.pop()[0]
            i += 1
        elif char == "{" and (count := _COUNT.match(pattern, i)):
            times = max(int(count.group(1)), int(count.group(2) or 0))
            frames[-1][0] += frames[-1][1] * (max(times, 1) - 1)
            frames[-1][1] *= max(times, 1)
            i = count.end()
            continue
        else:
            i += 1
        frames[-1][0] += atom
        frames[-1][1] = atom
    return sum(frame[0] for frame in frames)


def _class_end(pattern: str, start: int) -> int:
    """The index after the `]` closing the character class opened at `start`."""
    i = start + 1
    i += pattern.startswith("^", i)
    i += pattern.startswith("]", i)
    while i < len(pattern) and pattern[i] != "]":
        if pattern.startswith("[:", i) and (close := pattern.find(":]", i + 2)) >= 0:
            i = close + 2
            continue
        i += 2 if pattern[i] == "\\" else 1
    return i + 1
