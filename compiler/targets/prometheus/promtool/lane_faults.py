"""Whether an SLO's alert cases may run side by side in lanes (lanes.py) and still catch what each catches alone.

A budget alert reads its own lane only. A burn-rate alert compares its lane's long window, but joins its short
window and traffic guard `and on (service, slo)`, where the lane label is dropped: it fires in a lane whose
long window is over the line when any lane's short window and any lane's guard hold. The short window also
holds when it has no ratio (`or` the long window `unless on (service, slo)` the short one): side by side,
only when no lane's short window has one. So two checks:

- every lane fires side by side as it does alone (the expected alerts stay right), and
- every fault the mutation sweep makes in one rule (a threshold raised by half or lowered by 40%, a
  comparison flipped, a joined operand dropped, a window read as another) that shows in some lane's checks
  alone still shows in the group: a case burning at 1.25x its guard must not find its guard met by a busier
  lane once the guard is raised by half.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from compiler.targets.prometheus.promtool.slo_state import _State

_FAULTS = (1.5, 0.6)  # a threshold raised by half, lowered by 40%
Verdicts = list[bool]  # one per lane


class Lane(NamedTuple):
    state: _State
    asks: frozenset[str]  # the alert names the case checks
    last: int  # its last check (seconds)


class Burn(NamedTuple):
    """What the check reads of a burn-rate rule."""

    alert: str
    for_seconds: int
    long_seconds: int
    short_seconds: int
    line: float  # the error-ratio line both windows compare with
    steps: tuple[int, ...] = ()  # burnrate.recovery_windows: whose newest ratio decides when the short has none


class Short(NamedTuple):
    """The short window's side, `over or (branch unless on (service, slo) present)`, per lane: the short
    window over the line; the branch (the long window present, or with steps between the two windows the
    newest of them and the long window over the line, slo.py); the short window present."""

    over: Verdicts
    branch: Verdicts
    present: Verdicts

    def alone(self) -> Verdicts:
        return [o or (b and not p) for o, b, p in zip(self.over, self.branch, self.present, strict=True)]

    def together(self) -> bool:
        return any(self.over) or (any(self.branch) and not any(self.present))


def side_by_side(burns: Sequence[Burn], needed: float, windows: Sequence[int], lanes: Sequence[Lane]) -> bool:
    """Whether `lanes` can share a test group. `needed`: min_bad_events (0: no guard); `windows`: every window
    the SLO records (what a swapped window reads instead)."""
    for rule in burns:
        long, short, guard = _variants(rule, needed, windows, [lane.state for lane in lanes])
        base = (long[0], short[0], guard[0])
        expected = _alone(*base)
        if _together(*base) != expected:
            return False
        shows = [rule.alert in lane.asks and lane.last >= rule.for_seconds for lane in lanes]
        faults = [(x, base[1], base[2]) for x in long[1:]]
        faults += [(base[0], x, base[2]) for x in short[1:]]
        faults += [(base[0], base[1], x) for x in guard[1:]]
        for fault in faults:
            alone = _alone(*fault)
            caught_alone = any(s and a != e for s, a, e in zip(shows, alone, expected, strict=True))
            if caught_alone and _together(*fault) == expected:
                return False  # (a fault caught alone is asked about in the group: the group asks what its lanes do)
    return True


def _alone(long: Verdicts, short: Short, guard: Verdicts) -> Verdicts:
    return [a and b and c for a, b, c in zip(long, short.alone(), guard, strict=True)]


def _together(long: Verdicts, short: Short, guard: Verdicts) -> Verdicts:
    """Each lane's verdict side by side: its own long window, any lane's short window and guard."""
    joined = short.together() and any(guard)
    return [held and joined for held in long]


def _variants(
    rule: Burn, needed: float, windows: Sequence[int], states: list[_State]
) -> tuple[list[Verdicts], list[Short], list[Verdicts]]:
    """Per operand (long window, short window, guard): its verdict per lane as written, then under each fault."""

    def ratio(seconds: int) -> list[float | None]:
        return [s.window(seconds)[3] if s.fed(seconds) else None for s in states]  # None: no ratio

    def present(seconds: int) -> Verdicts:
        return [s.fed(seconds) for s in states]

    def compared(seconds: int) -> Iterator[Verdicts]:
        values = ratio(seconds)
        for factor in (1.0, *_FAULTS):
            yield [v is not None and v > rule.line * factor for v in values]
        yield [v is not None and v < rule.line for v in values]  # flipped
        for other in windows:
            if other != seconds:
                yield [v is not None and v > rule.line for v in ratio(other)]  # read as another window

    def newest(reads: Sequence[int], factor: float = 1.0, flip: bool = False) -> Verdicts:
        """The first window of `reads` with a ratio, over the line (per lane; none: False)."""
        out = []
        for s in states:
            seconds = next((w for w in reads if s.fed(w)), None)
            value = None if seconds is None else s.window(seconds)[3]
            out.append(value is not None and (value < rule.line if flip else value > rule.line * factor))
        return out

    everyone, nobody = [True] * len(states), [False] * len(states)
    others = [w for w in windows if w != rule.short_seconds]
    long = list(compared(rule.long_seconds))
    shown = present(rule.short_seconds)
    over = list(compared(rule.short_seconds))
    if rule.steps:
        reads = [*rule.steps, rule.long_seconds]
        branch = newest(reads)
        branches = [newest(reads, factor) for factor in _FAULTS] + [newest(reads, flip=True)]
        for i, seconds in enumerate(reads):
            branches.append(newest(reads[:i] + reads[i + 1 :]))  # an operand of the `or` dropped
            branches += [newest([*reads[:i], w, *reads[i + 1 :]]) for w in windows if w != seconds]  # swapped
    else:
        branch = present(rule.long_seconds)
        branches = [present(w) for w in windows if w != rule.long_seconds]  # branch swapped
    short = [Short(x, branch, shown) for x in over]
    short += [Short(over[0], b, shown) for b in branches]
    short += [Short(over[0], branch, present(w)) for w in others]  # the short window `unless` reads, swapped
    short += [Short(over[0], nobody, shown), Short(over[0], branch, nobody)]  # the branch, its `unless` dropped
    short.append(Short(everyone, branch, shown))  # the short side dropped
    if not needed:
        return long, short, [everyone]
    events = [s.window(rule.long_seconds)[2] * rule.long_seconds for s in states]
    guard = [[e >= needed * factor for e in events] for factor in (1.0, *_FAULTS)]
    guard += [[e < needed for e in events], everyone]  # flipped, dropped
    return long, short, guard
