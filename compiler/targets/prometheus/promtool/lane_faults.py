"""Whether an SLO's alert cases may run side by side in lanes (lanes.py) and still catch what each catches alone.

A budget alert reads its own lane only. A burn-rate alert compares its lane's long window, but joins its short
window and traffic guard `and on (service, slo)`, where the lane label is dropped: it fires in a lane whose
long window is over the line when any lane's short window and any lane's guard hold. So two checks:

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


def side_by_side(burns: Sequence[Burn], needed: float, windows: Sequence[int], lanes: Sequence[Lane]) -> bool:
    """Whether `lanes` can share a test group. `needed`: min_bad_events (0: no guard); `windows`: every window
    the SLO records (what a swapped window reads instead)."""
    for rule in burns:
        long, short, guard = _variants(rule, needed, windows, [lane.state for lane in lanes])
        base = (long[0], short[0], guard[0])
        expected = [a and b and c for a, b, c in zip(*base, strict=True)]
        if _together(*base) != expected:
            return False
        shows = [rule.alert in lane.asks and lane.last >= rule.for_seconds for lane in lanes]
        faults = [(x, base[1], base[2]) for x in long[1:]]
        faults += [(base[0], x, base[2]) for x in short[1:]]
        faults += [(base[0], base[1], x) for x in guard[1:]]
        for fault in faults:
            alone = [a and b and c for a, b, c in zip(*fault, strict=True)]
            caught_alone = any(s and a != e for s, a, e in zip(shows, alone, expected, strict=True))
            if caught_alone and _together(*fault) == expected:
                return False  # (a fault caught alone is asked about in the group: the group asks what its lanes do)
    return True


def _together(long: Verdicts, short: Verdicts, guard: Verdicts) -> Verdicts:
    """Each lane's verdict side by side: its own long window, any lane's short window and guard."""
    joined = any(short) and any(guard)
    return [held and joined for held in long]


def _variants(
    rule: Burn, needed: float, windows: Sequence[int], states: list[_State]
) -> tuple[list[Verdicts], list[Verdicts], list[Verdicts]]:
    """Per operand (long window, short window, guard): its verdict per lane as written, then under each fault."""

    def ratio(seconds: int) -> list[float]:
        return [s.window(seconds)[3] for s in states]

    def compared(seconds: int) -> Iterator[Verdicts]:
        values = ratio(seconds)
        for factor in (1.0, *_FAULTS):
            yield [v > rule.line * factor for v in values]
        yield [v < rule.line for v in values]  # flipped
        for other in windows:
            if other != seconds:
                yield [v > rule.line for v in ratio(other)]  # read as another window

    everyone = [True] * len(states)
    long = list(compared(rule.long_seconds))
    short = [*compared(rule.short_seconds), everyone]  # dropped
    if not needed:
        return long, short, [everyone]
    events = [s.window(rule.long_seconds)[2] * rule.long_seconds for s in states]
    guard = [[e >= needed * factor for e in events] for factor in (1.0, *_FAULTS)]
    guard += [[e < needed for e in events], everyone]  # flipped, dropped
    return long, short, guard
