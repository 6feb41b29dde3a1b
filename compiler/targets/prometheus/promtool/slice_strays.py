"""A time-slice page pair's start on few bad slices (counted_short.started_by_counted_short): the states of its
alert cases, beside the event-count pairs' `event_strays.stray_states`."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from compiler.model.burnrate import BurnWindow
from compiler.model.units import decimal_text
from compiler.targets.prometheus.counted_short import SLICE_GATE
from compiler.targets.prometheus.promtool.cases import off_ties
from compiler.targets.prometheus.promtool.slo_pair_states import ABOVE, pair_state, shows
from compiler.targets.prometheus.promtool.slo_state import _State

# (bad slices at the line among the short window's slices, its bad slices, a page fired, held, fires) of
# `slice_stray_states`: 1.4 bad slices among slices for 0.5 (2.8x) start a page pair no page fired for, and nothing
# once one did (less one: 0.4 under 0.5); 2.2 among slices for 1 (less one: 1.2) start it after a page; a pair
# already up holds on its plain ratio (2.8 among slices for 2, SLICE_GATE: less one under).
_SLICE_STRAYS = (
    (Decimal("0.5"), Decimal("1.4"), False, False, True),
    (Decimal("0.5"), Decimal("1.4"), True, False, False),
    (Decimal(1), Decimal("2.2"), True, False, True),
    (ABOVE, Decimal("1.75"), True, True, True),
)

# (bad slices at the line, bad slices) under a restart floor (3 or more), another page pair up: it waives the floor
# where a burn at the line shows a bad slice or more (1.2: starts it; kills the waiver's `>= 0.999999` raised by
# half), not in a thinner window (0.8: starts nothing; lowered by 40% or flipped, and round 52's text), round 53
_PAGE_UP = ((Decimal("0.8"), Decimal("1.9")), (Decimal("1.2"), Decimal("2.4")))


def slice_stray_states(
    where: str, w: BurnWindow, line: Decimal, total: Decimal, pages: tuple[BurnWindow, ...], floor: int = 0
) -> list[tuple[str, _State, bool]]:
    """(title, state, whether the pair fires) of a time-slice page pair whose long window is at 1.25x the `line` and
    whose short window holds few bad slices (counted_short.started_by_counted_short): over the line on one bad slice
    it starts while no page of its SLO fired within its long window, and not after one (its bad slices less one
    under the line), where a burn that stays over the line less one starts it; up, it holds on its plain ratio.
    Kills the start's `unless` dropped (the second fires), the less-one dropped (the third stays quiet), its
    `1.000001` raised by half (the third) or lowered by 40% (the second), its comparison flipped, the plain start
    dropped (the first stays quiet), the hold dropped (the last stops). The first sets the windows of the other
    page pairs (`pages`) healthy: no state packed beside it fires the SLO's page, which its start would read (the
    others read a page already). With a restart `floor` (counted_short.restart_floor) the third, under it, starts
    nothing after a page, and the floor and a quarter among slices for 2 start it: kills the floor's comparison
    dropped or flipped (the third fires), raised by half (the new one stays quiet), lowered by 40% (the third),
    and the less-one's `1.000001` raised by half (the new one). The held pair's window is among slices for
    SLICE_GATE at the line: their count times the long window's 1.25x passes the short window's gate (at most
    SLICE_GATE), so the long window's branch does not hold the page too, and the hold's `S > L` raised by half
    ends it (at a high line, 1.4x over a ratio of 1, the window is halfway to 1): it lived at intranet's 0.75 line,
    whose row was skipped, and halfway to 1 among slices for 1.25 at the line passed no gate of 2 (round 50)."""
    out = []
    rows = [(s, b, p, h, f and (not p or h or b >= floor)) for s, b, p, h, f in _SLICE_STRAYS]
    rows += [(Decimal(2), floor + Decimal("0.25"), True, False, True)] if floor else []
    up = [(shown, bad, True, False, shown >= 1) for shown, bad in _PAGE_UP if bad < floor] if pages else []
    for shown, bad, paged, held, fires in rows + up:
        if held:  # slices enough to pass the short window's gate; at a high line halfway to 1
            shown, bad = SLICE_GATE, SLICE_GATE * bad / shown
            if line * bad / shown >= 1:
                bad = (shown * (line + 1) / 2 / line).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
        ratio = off_ties(line * bad / shown)
        if ratio >= 1:
            continue
        state = pair_state(w, line * ABOVE, ratio, total)
        state.totals[w.short_seconds] = shows(shown, line, w.short_seconds)
        state.held, state.paged = (frozenset({w.name}) if held else frozenset()), paged
        if (shown, bad) in _PAGE_UP and paged and not held:  # with the page of another pair up
            state.held = frozenset({pages[0].name})
        others = {s for v in pages for s in (v.short_seconds, v.long_seconds)} - {w.short_seconds, w.long_seconds}
        for other in others if not paged and not held else ():  # a start on one slice: no page beside it
            state.totals[other] = total
        said = f"{decimal_text(bad)} bad slices among slices for {decimal_text(shown)} at the line"
        page = f", a page fired within the {w.long}" if paged and not held else ""
        if (shown, bad) in _PAGE_UP and paged and not held:
            page += f" and the {pages[0].long}/{pages[0].short} page up ({'a hand-over' if fires else 'strays'})"
        verb = "alerting, holds" if held else "starts it" if fires else "starts nothing"
        out.append((f"{where} {w.long} at 1.25x, the {w.short} over it with {said}{page}: {verb}", state, fires))
    return out
