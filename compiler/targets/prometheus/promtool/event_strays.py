"""The stray cases of an event-count burn pair (`stray_states`): its long window over the line, its short window
holding few failures, before and after a page (counted_short.started_by_counted_short); the time-slice pairs'
are slice_strays.py's."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from compiler.model.burnrate import BurnWindow, recording_tiers
from compiler.model.units import decimal_text
from compiler.targets.prometheus.counted_short import LONE_FAILURE, start_counted
from compiler.targets.prometheus.promtool.cases import off_ties
from compiler.targets.prometheus.promtool.slo_pair_states import ABOVE, pair_state, shows
from compiler.targets.prometheus.promtool.slo_state import _State

# (failures at the line among the short window's events, its failures, held, fires, a page fired) of
# `stray_states`: one failure alone (1.4 among events for 0.5) starts nothing; 1.75 among events for 1.25 (1.4x;
# counted: it could end the pair) holds a pair already up on the plain ratio, 1 among them (0.8x) ends it.
_STRAYS = (
    (Decimal("0.5"), Decimal("1.4"), False, False, False),
    (Decimal("0.08"), Decimal(1), False, True, False),  # one failure where the line shows 0.08: starts (LONE_FAILURE)
    (Decimal("0.08"), Decimal(1), False, False, True),  # ...not once a page fired within the long window (round 49)
    (Decimal("0.12"), Decimal(1), False, False, False),  # where it shows 0.12: nothing (0.1 raised by half, lowered)
    (Decimal("0.08"), Decimal("0.064"), False, False, False),  # under the line (0.8x) there: nothing
    (ABOVE, Decimal("1.75"), True, True, False),
    (ABOVE, Decimal(1), True, False, False),
)
# A ticket pair's (counted_short.start_counted): it starts on its plain ratio, so one failure alone starts it (over
# the line, held or not: the same). Held under it, it holds while one more failure would put it over
# (counted_short.kept_within_one): 1 failure among events for 1.9 (0.53x, room for 0.9 more) holds, 2.1 among events
# for 3.2 (0.66x, room for 1.1) ends. Kills the room's `- E x N` dropped (the first ends), its `>= 1` raised by half
# (the second holds), lowered by 40% or flipped (the first ends), the over-line comparison lowered by 40% or flipped
# (the second holds).
_TICKET_STRAYS = (
    (Decimal("0.5"), Decimal("1.4"), False, True, False),
    (Decimal("1.9"), Decimal(1), True, True, False),
    (Decimal("3.2"), Decimal("2.1"), True, False, False),
)


def stray_states(
    where: str, w: BurnWindow, line: Decimal, total: Decimal, pages: tuple[BurnWindow, ...] = (), floor: int = 0
) -> list[tuple[str, _State, bool]]:
    """(title, state, whether the pair fires) of an event-count pair whose long window is at 1.25x the `line` and
    whose short window holds few failures (counted_short.started_by_counted_short): over the line only on its
    newest failure it starts nothing; one failure starts it where the line shows 0.08 of one (not 0.12, nor at
    0.8x), unless a page of its SLO fired within its long window (the start's `unless` dropped: it fires); a pair
    already up holds on the plain ratio at 1.4x (halfway to 1 for a high line) and ends at 0.8x (with events
    enough to end it). Kills the start dropped, the hold (or its ALERTS operand) dropped, the hold's line
    raised by half or lowered by 40% and its comparison flipped. A ticket pair (not counted_short.start_counted)
    starts on one failure alone: kills a page's start written into a ticket's rule; held, it holds under the line
    while one more failure would put it over, and ends with room for more (`_TICKET_STRAYS`). A lone failure's
    start sets the windows of the other page pairs (`pages`) healthy: no page fires beside it, which it would read.
    With a restart `floor` (counted_short.restart_floor), after a page: `_floored` too."""
    out = []
    for shown, failed, held, fires, paged in _floored(floor, line) if start_counted(w) else _TICKET_STRAYS:
        if shown >= Decimal("0.5") and line * failed / shown >= 1:  # a high line: the window halfway to 1
            shown = (failed * line * 2 / (line + 1)).quantize(Decimal("0.01"), rounding=ROUND_UP)
        if shown <= LONE_FAILURE and line * failed / shown >= 1:  # a high line: a share of one, the window halfway
            failed = (shown * (line + 1) / 2 / line).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
        ratio = off_ties(line * failed / shown)
        if ratio >= 1:
            continue
        state = pair_state(w, line * ABOVE, ratio, total)
        state.totals[w.short_seconds] = shows(shown, line, w.short_seconds)
        state.held, state.paged = (frozenset({w.name}) if held else frozenset()), paged
        others = {s for v in pages for s in (v.short_seconds, v.long_seconds)} - {w.short_seconds, w.long_seconds}
        for other in others if fires and not held and not paged else ():  # a first start: no page beside it
            state.totals[other] = total
        verb = {
            (False, False): "starts nothing",
            (False, True): "starts it",
            (True, True): "alerting, holds",
            (True, False): "alerting, stops",
        }
        side = "over" if failed > shown else "under"
        said = f"{decimal_text(failed)} failure{'s' * (failed != 1)} among events for {decimal_text(shown)} at the line"
        page = f", a page fired within the {w.long}" if paged else ""
        title = f"{where} {w.long} at 1.25x, the {w.short} {side} it with {said}{page}: {verb[held, fires]}"
        rows = [(title, state, fires)]
        if floor and paged and not fires and not held and failed < floor and pages:  # a page pair up (round 51)
            rows = _with_page_up(rows[0], failed, shown, pages[0], verb[held, fires])
            flip = _PAGE_UP[shown < 1]  # `_floored`'s: the flip side of `>= 1` (its shown), under the floor
            if failed > 1 and flip[1] < floor and line * flip[1] < flip[0]:
                again = pair_state(w, line * ABOVE, off_ties(line * flip[1] / flip[0]), total)
                again.totals[w.short_seconds], again.paged = shows(flip[0], line, w.short_seconds), True
                said = f"{decimal_text(flip[1])} failures among events for {decimal_text(flip[0])} at the line"
                named = f"{where} {w.long} at 1.25x, the {w.short} over it with {said}{page}: starts nothing"
                # with the page up only: alone it would read as up a page pair that fires beside it (seed 1029)
                rows += _with_page_up((named, again, False), flip[1], flip[0], pages[0], "starts nothing")[-1:]
        out += rows
        if held and fires and not start_counted(w) and recording_tiers().is_coarse(w.long_seconds):
            out.append(_pending_stray(title, state, w))
    return out


# (failures at the line, failures) of two windows under any restart floor `_with_page_up` reads (3 or more), beside
# a `_floored` row on the other side of the waiver's `>= 1`: a burn at the line shows 0.8 of a failure (a page up
# waives nothing: kills `>= 0.999999` lowered by 40% or flipped) or 1.2 (it waives the floor: raised by half)
_PAGE_UP = ((Decimal("0.8"), Decimal("1.9")), (Decimal("1.2"), Decimal("2.4")))


# Failures under a restart floor in `waivable_stray` (as `_floored`'s first row), and the least room (failures' worth
# at the line) between its window's bounds
_UNDER_FLOOR = Decimal("0.6")
_WAIVABLE_ROOM = Decimal("0.1")


def waivable_stray(w: BurnWindow, line: Decimal, total: Decimal, floor: int) -> _State | None:
    """A pair after a page of its own, its long window at 1.25x the `line`, its short window holding failures 0.6
    under the restart `floor` whose less one is over the line, in a window where a burn at the line shows one
    failure or more: halfway between max(1, line x failures) and failures less one (2.4 among events for 1.2 at
    floor 3). Only a page pair up in its own group waives its floor there (the waiver's traffic clause holds), so
    beside another group's page it starts nothing: kills the waiver's joins without their group labels (round
    52's row, 2.4 among events for 0.72, leaves the traffic clause false; round 53 gave it its own page up, and the
    grouped case was lost). None where no such window can be (a high line)."""
    failed = floor - _UNDER_FLOOR
    low, high = max(Decimal(1), line * failed), failed - 1
    if high - low <= _WAIVABLE_ROOM:
        return None
    shown = ((low + high) / 2).quantize(Decimal("0.01"))
    state = pair_state(w, line * ABOVE, off_ties(line * failed / shown), total)
    state.totals[w.short_seconds], state.paged = shows(shown, line, w.short_seconds), True
    return state


def _with_page_up(
    row: tuple[str, _State, bool], failed: Decimal, shown: Decimal, page: BurnWindow, verb: str
) -> list[tuple[str, _State, bool]]:
    """A row after a page, under the floor, with the `page` pair up (round 51): the floor is waived where a burn at
    the line shows one failure or more (`shown`) and failures less one are over it (a hand-over: starts it,
    beside the row without the page up). In a thinner window neither one failure (a stray in the page's kept
    tail, round 52) nor two (round 53) starts it: that row stands in for the one without a page up."""
    title, state, _ = row
    up = dataclasses.replace(state, held=frozenset({page.name}), _windows={})
    waived = failed - 1 > shown >= 1
    strays = "a stray" if failed == 1 else "strays"
    said = "a hand-over): starts it" if waived else f"{strays} in its kept tail): starts nothing"
    with_up = (title.replace(verb, f"the {page.long}/{page.short} page up ({said}"), up, waived)
    return [row, with_up] if waived else [with_up]


def _floored(floor: int, line: Decimal) -> tuple[tuple[Decimal, Decimal, bool, bool, bool], ...]:
    """`_STRAYS`, and with a restart `floor` (counted_short.restart_floor) rows after a page beside one failure's
    (which `stray_states` reads with a page pair up: a stray in the page's kept tail, round 52): failures less one
    over the line, 0.6 under the floor of their own, start nothing (as one failure does); 0.25 over it, they start
    the pair. The window is halfway between the line and its failures less one (a high line: none where no window
    can be). Kills the floor's comparison dropped or flipped, lowered by 40% (the first fires), the whole `unless`
    dropped (the first), raised by half or its count dropped (the second). Where neither fits (a line of 0.7 or
    more), `_high_floored`'s row kills the floor raised by half."""
    if not floor:
        return _STRAYS
    rows = []
    for failed, fires in ((floor - Decimal("0.6"), False), (floor + Decimal("0.25"), True)):
        low, high = line * failed, failed - 1
        if high - low > Decimal("0.1"):
            rows.append((((low + high) / 2).quantize(Decimal("0.01")), failed, False, fires, True))
    high_line = [] if rows else _high_floored(floor, line)
    return _STRAYS + tuple(rows + high_line)


# The least room (failures' worth at the line) between a `_high_floored` window's bounds: 0.06 at a line of 0.75
# and floor 3. Prometheus reads the counts to some 1e-15 of them.
_HIGH_ROOM = Decimal("0.02")


def _high_floored(floor: int, line: Decimal) -> list[tuple[Decimal, Decimal, bool, bool, bool]]:
    """`_floored`'s firing row after a page at a high line, where failures 0.25 over the `floor` cannot have their
    less one over the line in a window under a ratio of 1 (at 0.75, 3.25 failures ask events for 2.44 to 2.25):
    failures halfway between the fewest whose less one can be over the line (1 / (1 - line), 4 at 0.75) and 1.5x
    the floor, in a window halfway between the line and their less one. They start the pair; under the floor raised
    by half they do not (intranet at 0.75 and 0.7, round 50). The floor lowered by 40% cannot be told apart there:
    fewer failures than 1 / (1 - line) never start after a page. None where no window can be."""
    if line >= 1:
        return []
    failed = (max(Decimal(floor), 1 / (1 - line)) + floor * Decimal("1.5")) / 2
    failed = failed.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    low, high = line * failed, failed - 1
    if high - low <= _HIGH_ROOM:
        return []
    return [(((low + high) / 2).quantize(Decimal("0.01")), failed, False, True, True)]


def _pending_stray(title: str, held: _State, w: BurnWindow) -> tuple[str, _State, bool]:
    """`held` (a coarse ticket pair held within one failure of the line) with its alert only pending: such a pair
    reads its firing state alone (slo.py `_own_alerts`), so nothing holds it and it does not fire. Kills the hold's
    `alertstate="firing"` dropped: a ticket that resolved was held again by its own last firing sample and its
    pending alert held itself through its `for` (99%/30d at 0.02 req/s: one outage, two tickets; round 46). A
    fast-tier pair reads its plain ALERTS, pending too (unchanged: no case)."""
    state = dataclasses.replace(held, held=frozenset(), pending=frozenset({w.name}))
    return title.replace("alerting, holds", "pending, not held: stays quiet"), state, False
