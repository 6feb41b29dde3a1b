"""Label matchers that no value can pass together: a selector that selects nothing, so an alert that never fires.

`code=~"5..",code!~"5.."`, `code=~"5..",code=~"2.."` or `code=~"$^5"` in an errors selector counts no failure,
ever: the SLO reads as met and CI passes while its pages are dead. Prometheus accepts such a selector, and the
generated tests feed recorded series, not the raw ones, so nothing after obsc says so.

Decided with Brzozowski derivatives over the regexes' syntax trees (Python's parser reads RE2's syntax for the
constructs below): a search for one value every `=~`/`=` matcher passes and every `!~`/`!=` matcher refuses. Only
the sound direction is claimed: a regex this module does not model (case-insensitive, `\\b`, `\\pL`, large
repetition counts, a search past _MAX_STATES) is taken to match anything, so a selector is never refused on a
guess. RE2's `\\d`, `\\w`, `\\s` are ASCII. `.` is tried both as any character but a newline (Prometheus 2) and as any
character (Prometheus 3, which compiles every matcher under `(?s)`); a selector is refused only when both agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

from compiler.model.promql_regex import expanded_size

_MAX_CHAR = 0x10FFFF
_MAX_STATES = 2000  # value prefixes looked at per label before giving up (no claim)
# Derivative steps per selector (all its labels, both readings of `.`): ~0.005 CPU-s. Real pairs take a few dozen
# (`/api/.*` against `.*/health` 706); a budget per label let one 4 KB selector of 86 hostile pairs cost 2 CPU-s.
_MAX_STEPS = 5_000
_MAX_REPEAT = 50  # a bounded repetition past this count is not modelled
_MAX_SIZE = 256  # a longer regex or value (repetitions expanded) is not modelled: trees as deep as it is long
_RANGES = {
    sre.CATEGORY_DIGIT: ((48, 57),),
    sre.CATEGORY_WORD: ((48, 57), (65, 90), (95, 95), (97, 122)),
    sre.CATEGORY_SPACE: ((9, 10), (12, 13), (32, 32)),
}
_NEGATED = {sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT, sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD}
_NEGATED[sre.CATEGORY_NOT_SPACE] = sre.CATEGORY_SPACE


class _Unmodelled(Exception):
    """A construct this module does not decide: no claim is made about the label."""


Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Node:
    kind: str  # "empty" (no string), "eps", "chars", "cat", "alt", "star", "start", "end"
    chars: Ranges = ()
    parts: tuple[_Node, ...] = ()
    _hash: int = field(init=False, compare=False, repr=False, default=0)

    def __post_init__(self) -> None:  # hashed once: states are sets of deep trees
        object.__setattr__(self, "_hash", hash((self.kind, self.chars, self.parts)))

    def __hash__(self) -> int:
        return self._hash


@dataclass
class Budget:
    """The steps left to one selector's searches: shared by its labels, so its cost is bounded whatever it holds."""

    left: int = _MAX_STEPS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _Unmodelled  # a hostile regex pair: no claim rather than minutes of search


_EMPTY, _EPS = _Node("empty"), _Node("eps")


def _norm(ranges: Iterable[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _invert(ranges: Ranges) -> Ranges:
    out, low = [], 0
    for lo, hi in ranges:
        if lo > low:
            out.append((low, lo - 1))
        low = hi + 1
    return tuple(out + ([(low, _MAX_CHAR)] if low <= _MAX_CHAR else []))


def _chars(ranges: Iterable[tuple[int, int]]) -> _Node:
    normal = _norm(ranges)
    return _Node("chars", normal) if normal else _EMPTY


def _cat(left: _Node, right: _Node) -> _Node:
    if _EMPTY in (left, right):
        return _EMPTY
    if left == _EPS:
        return right
    if right == _EPS:
        return left
    if left.kind == "cat":  # right-nested, so equal languages get equal trees more often
        return _cat(left.parts[0], _cat(left.parts[1], right))
    return _Node("cat", parts=(left, right))


def _alt(options: Iterable[_Node]) -> _Node:
    flat: set[_Node] = set()
    for option in options:
        flat |= set(option.parts) if option.kind == "alt" else {option}
    flat.discard(_EMPTY)
    if not flat:
        return _EMPTY
    if len(flat) == 1:
        return flat.pop()
    return _Node("alt", parts=tuple(sorted(flat, key=hash)))


def _star(node: _Node) -> _Node:
    return _EPS if node in (_EMPTY, _EPS) else node if node.kind == "star" else _Node("star", parts=(node,))


def _nullable(node: _Node, at_start: bool, at_end: bool) -> bool:
    """Whether `node` matches the empty text here (`at_start`: nothing read yet; `at_end`: nothing follows)."""
    kind = node.kind
    if kind in ("eps", "star"):
        return True
    if kind == "start":
        return at_start
    if kind == "end":
        return at_end
    if kind == "cat":
        return all(_nullable(part, at_start, at_end) for part in node.parts)
    if kind == "alt":
        return any(_nullable(part, at_start, at_end) for part in node.parts)
    return False


def _derive(node: _Node, char: int, at_start: bool, budget: Budget) -> _Node:
    """What is left of `node` after it reads `char`."""
    budget.spend()
    kind = node.kind
    if kind == "chars":
        return _EPS if any(lo <= char <= hi for lo, hi in node.chars) else _EMPTY
    if kind == "cat":
        head, tail = node.parts
        first = _cat(_derive(head, char, at_start, budget), tail)
        return _alt((first, _derive(tail, char, at_start, budget))) if _nullable(head, at_start, False) else first
    if kind == "alt":
        return _alt(_derive(part, char, at_start, budget) for part in node.parts)
    if kind == "star":
        return _cat(_derive(node.parts[0], char, at_start, budget), node)
    return _EMPTY  # empty, eps, and the anchors, which read no character


def _firsts(node: _Node, at_start: bool, out: list[Ranges]) -> None:
    """The character classes `node` may read next, to cut the alphabet into pieces every node treats alike."""
    if node.kind == "chars":
        out.append(node.chars)
    elif node.kind == "cat":
        _firsts(node.parts[0], at_start, out)
        if _nullable(node.parts[0], at_start, False):
            _firsts(node.parts[1], at_start, out)
    elif node.kind in ("alt", "star"):
        for part in node.parts:
            _firsts(part, at_start, out)


def _representatives(classes: Sequence[Ranges]) -> list[int]:
    """One character of each piece of the alphabet that the classes do not tell apart (outside all of them too)."""
    cuts = {0, _MAX_CHAR + 1}
    for ranges in classes:
        for lo, hi in ranges:
            cuts |= {lo, hi + 1}
    return sorted(cuts - {_MAX_CHAR + 1})


def _build(items: Sequence[tuple[object, Any]], dotall: bool) -> _Node:
    node = _EPS
    for op, arg in reversed(items):  # from the right: `_cat` then never walks a long chain
        node = _cat(_item(op, arg, dotall), node)
    return node


def _item(op: object, arg: Any, dotall: bool) -> _Node:  # one case per opcode of Python's regex parser
    if op is sre.LITERAL:
        return _chars([(int(arg), int(arg))])
    if op is sre.NOT_LITERAL:
        return _chars(_invert(((int(arg), int(arg)),)))
    if op is sre.ANY:
        return _chars([(0, _MAX_CHAR)] if dotall else _invert(((10, 10),)))  # `.`, with (?s) or not
    if op is sre.IN:
        return _chars(_class(arg))
    if op is sre.BRANCH:
        return _alt(_build(branch, dotall) for branch in arg[1])
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = arg
        if (add_flags | del_flags) & ~(re.DOTALL | re.UNICODE):
            raise _Unmodelled  # (?i), (?m), (?U) change what the body means
        return _build(body, bool(add_flags & re.DOTALL) or (dotall and not del_flags & re.DOTALL))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, body = arg
        inner = _build(body, dotall)
        if low > _MAX_REPEAT or (high != sre.MAXREPEAT and high > _MAX_REPEAT):
            raise _Unmodelled
        node = _EPS
        for _ in range(low):
            node = _cat(inner, node)
        if high == sre.MAXREPEAT:
            return _cat(node, _star(inner))
        optional = _EPS
        for _ in range(high - low):
            optional = _alt((_EPS, _cat(inner, optional)))
        return _cat(node, optional)
    if op is sre.AT and arg in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
        return _Node("start")
    if op is sre.AT and arg in (sre.AT_END, sre.AT_END_STRING):
        return _Node("end")
    if op is sre.CATEGORY and arg in _RANGES:
        return _chars(_RANGES[arg])
    raise _Unmodelled  # \b, lookarounds and back-references (RE2 has neither), Unicode classes


def _class(items: Sequence[tuple[object, Any]]) -> Ranges:
    ranges: list[tuple[int, int]] = []
    negate = False
    for op, arg in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            ranges.append((int(arg), int(arg)))
        elif op is sre.RANGE:
            ranges.append(arg)
        elif op is sre.CATEGORY and arg in _RANGES:
            ranges += _RANGES[arg]
        elif op is sre.CATEGORY and arg in _NEGATED:
            ranges += _invert(_RANGES[_NEGATED[arg]])
        else:
            raise _Unmodelled
    return _invert(_norm(ranges)) if negate else _norm(ranges)


# Syntax both read, with other meanings: `[[:alpha:]]` is a POSIX class to RE2, `{,3}` literal text to RE2
_READ_OTHERWISE = ("[:", "{,")


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str, dotall: bool) -> _Node:
    if any(text in pattern for text in _READ_OTHERWISE) or expanded_size(pattern) > _MAX_SIZE:
        raise _Unmodelled
    try:
        parsed = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise _Unmodelled from exc
    if parsed.state.flags & ~(re.DOTALL | re.UNICODE):
        raise _Unmodelled
    return _build(list(parsed), dotall or bool(parsed.state.flags & re.DOTALL))


def _literal(value: str) -> _Node:
    if len(value) > _MAX_SIZE:
        raise _Unmodelled
    node = _EPS
    for char in reversed(value):
        node = _cat(_chars([(ord(char), ord(char))]), node)
    return node


def never_all_pass(matchers: Sequence[tuple[str, str]], budget: Budget | None = None) -> bool:
    """True when no label value passes every (op, value) matcher of one label; False when one does or when a
    regex is outside what this module decides. `.` reads a newline in Prometheus 3 and not in 2: both are tried.
    `budget`: the steps the caller's selector has left (once spent, no claim); a new one when not given."""
    shared = budget if budget is not None else Budget()
    return all(_never_all_pass(matchers, dotall, shared) for dotall in (False, True))


def selects_nothing(matchers: Sequence[tuple[str, str]], budget: Budget | None = None) -> bool:
    """Whether one label's (op, value) matchers of a selector pass no value: two or more, or a lone regex (`=~"$^5"`,
    `!~"(?s).*"`); a lone `=` or `!=` always passes one. Metric selectors (promql.py) and free queries
    (promql_empty.py) both ask this: the free queries' copy of it read a lone `=~` only (round 37)."""
    return (len(matchers) > 1 or matchers[0][0] in ("=~", "!~")) and never_all_pass(matchers, budget)


def _never_all_pass(matchers: Sequence[tuple[str, str]], dotall: bool, budget: Budget) -> bool:
    try:
        machines = tuple(
            (_literal(value) if op in ("=", "!=") else _regex(value, dotall), op in ("=", "=~"))
            for op, value in matchers
        )
        return _search(machines, budget)
    except (_Unmodelled, RecursionError):
        return False


def _search(machines: tuple[tuple[_Node, bool], ...], budget: Budget) -> bool:
    first = tuple(node for node, _ in machines)
    seen, frontier, at_start = {(True, first)}, [first], True
    while frontier:
        if any(
            all(_nullable(node, at_start, True) == want for node, (_, want) in zip(state, machines, strict=True))
            for state in frontier
        ):
            return False  # a value passes them all
        following = []
        for state in frontier:
            if any(node == _EMPTY for node, (_, want) in zip(state, machines, strict=True) if want):
                continue  # a matcher that must pass can no longer
            classes: list[Ranges] = []
            for node in state:
                _firsts(node, at_start, classes)
            for char in _representatives(classes):
                step = tuple(_derive(node, char, at_start, budget) for node in state)
                if (False, step) not in seen:
                    seen.add((False, step))
                    following.append(step)
            if len(seen) > _MAX_STATES:
                return False
        frontier, at_start = following, False
    return True
