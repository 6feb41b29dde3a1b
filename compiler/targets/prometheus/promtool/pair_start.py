"""A page pair's start on few failures (bad slices), as Prometheus computes it (counted_short.started_by_counted_short):
the oracle's reading of it, for slo_state.short_holds and the lane judge (lane_faults.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from compiler.model.units import decimal_text
from compiler.targets.prometheus.counted_short import LESS_ONE, LONE_FAILURE, ONE_SHOWN
from compiler.targets.prometheus.promtool.peak_gate import rule_floor


class _State(Protocol):
    """What a start reads of a case's state (slo_state._State), without importing it (slo_state reads `starts`)."""

    def window(self, seconds: int) -> tuple[Decimal, Decimal, float, float]: ...
    def ratio(self, seconds: int) -> float: ...
    def bad_slices(self, seconds: int) -> Decimal: ...
    def total_of(self, seconds: int) -> Decimal: ...


Over = tuple[float, bool]  # the start's `S > L`: its line's factor, flipped (lane_faults)
_LONE_FAILURE = float(LONE_FAILURE)
_LESS_ONE = float(LESS_ONE)  # as the rules subtract it (counted_short.LESS_ONE)
_ONE_SHOWN = float(ONE_SHOWN)  # "a burn at the line shows one failure" (counted_short.ONE_SHOWN)


def starts(
    state: _State,
    seconds: int,
    line: float,
    sliced: bool = False,
    paged: bool = False,
    floor: float = 0,
    over: Over = (1.0, False),
    up: bool = False,
) -> bool:
    """Whether a short window over the `line` stays so without its newest failure, or is over it where a burn at the
    line shows at most LONE_FAILURE of one, as Prometheus computes it (counted_short.started_by_counted_short): an
    event-count page pair starts only then (a ticket pair on its plain ratio: counted_short.start_counted), on one
    failure only unless `paged` (a page of its SLO fired within its long window, or one is up). A time-slice one
    (`sliced`) starts over the line unless `paged`, then only while its bad slices less one stay over it. Once
    `paged`, either also needs `floor` failures (bad slices) of its own in the window (counted_short.restart_floor;
    0: none asked), unless `up` (a page pair of its SLO firing now: counted_short.paged_now, a hand-over) where a
    burn at the line shows one failure or more in the window (`floored`), which waives the floor only: one failure
    in a page's kept tail starts nothing (round 52), nor do two in a thinner window (round 53).
    `over`: the start's own `S > L` as a mutant reads it, its line times a factor and whether it is flipped (the
    lane judge's faults of that comparison alone; the less-one and the floor keep the line as written)."""
    factor, flipped = over
    ratio = state.ratio(seconds)
    above = ratio < line if flipped else ratio > line * factor
    under = paged and floored(state, seconds, line, sliced, floor, up)
    if sliced:
        bad, slices = _counts(state, seconds)
        return above and (not paged or (bad - _LESS_ONE > slices * line and not under))
    total, _, bad, _ = state.window(seconds)
    shown = float(decimal_text(total)) * seconds * line
    return above and (bad * seconds - _LESS_ONE > shown or (shown <= _LONE_FAILURE and not paged)) and not under


def floored(state: _State, seconds: int, line: float, sliced: bool, floor: float, up: bool) -> bool:
    """Whether the window holds fewer failures (bad slices) than the restart `floor` (0: none asked) and no page
    pair `up` waives it (counted_short._floored): `up` waives it only where a burn at the `line` shows one failure
    (bad slice) or more in the window (round 53)."""
    if sliced:
        count, slices = _counts(state, seconds)
        shown = slices * line
    else:
        total, _, bad, _ = state.window(seconds)
        count, shown = bad * seconds, float(decimal_text(total)) * seconds * line
    return count < rule_floor(floor) and not (up and shown >= _ONE_SHOWN)


def _counts(state: _State, seconds: int) -> tuple[float, float]:
    """A time-slice window's bad slices and slices, as recorded."""
    bad, slices = (state.bad_slices(seconds), state.total_of(seconds) * seconds)
    return float(decimal_text(bad.normalize())), float(decimal_text(slices.normalize()))


def own_page_stops(state: _State, seconds: int, line: float, sliced: bool, floor: float) -> bool:
    """Whether a floored page pair starting at a case's first check (no page before it) would no longer start at the
    next 30m step: its own page, fired then, is within its long window (`paged`), its instant ALERTS past the 5m
    lookback (no hold, no waiver), and its short window holds fewer than the `floor` failures (bad slices) a start
    after a page needs. A 1m evaluation keeps it up; the case's prediction holds at its own checks only."""
    fresh = starts(state, seconds, line, sliced)
    return bool(floor) and fresh and not starts(state, seconds, line, sliced, True, floor)


def up_starts(state: _State, seconds: int, line: float, sliced: bool, floor: float) -> bool:
    """Whether a page pair that starts nothing after a page (`paged`: its restart `floor` over its short window's
    failures or bad slices) would start with another page pair of its SLO up (the floor's waiver): a case of it
    must not run beside a state in which another page pair fires (drawn settings seed 1136)."""
    return (
        bool(floor)
        and not starts(state, seconds, line, sliced, True, floor)
        and starts(state, seconds, line, sliced, True, floor, up=True)
    )
