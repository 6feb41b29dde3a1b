"""The constant states (slo_state._State) a burn pair's alert cases start from: both windows at a ratio, a
short window without events or with too few (or too few time slices), the long window's traffic thinned for the
min_bad_events guard. slo_plan.py and slo_group_cases.py build their cases from these."""

from __future__ import annotations

import math
from decimal import Decimal

from compiler.model.burnrate import BurnWindow, recording_tiers
from compiler.model.burst_windows import EVENT_BURST_EVENTS, EVENT_BURST_SHOWN
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.coarse_history import COARSE_BASE_SECONDS
from compiler.targets.prometheus.promtool.cases import off_ties
from compiler.targets.prometheus.promtool.series import fed
from compiler.targets.prometheus.promtool.slo_state import _COARSE, Burst, _State

ABOVE, BELOW = Decimal("1.25"), Decimal("0.8")  # a case's ratios (and shares) either side of a line


def no_events_state(w: BurnWindow, ratio: Decimal, total: Decimal, quiet: tuple[int, ...], held: bool = True) -> _State:
    """The long window at `ratio`; no events in the short window nor in `quiet` (no state joined feeds them)."""
    state = pair_state(w, ratio, ratio, total)
    state.held = frozenset({w.name}) if held else frozenset()  # the pair's alert already up
    del state.ratios[w.short_seconds]
    for seconds in (w.short_seconds, *quiet):
        state.totals[seconds] = Decimal(0)
    return state


def pair_state(w: BurnWindow, ratio: Decimal, short_ratio: Decimal, total: Decimal) -> _State:
    """The long window at `ratio`, the short one at `short_ratio` (one coarse tier: the two are one), `total`
    events/s."""
    state = _State(total=total)
    for seconds, value in ((w.long_seconds, ratio), (w.short_seconds, short_ratio)):
        if recording_tiers().is_coarse(seconds):
            state.coarse = value
        else:
            state.ratios[seconds] = value
    return state


def guarded_state(min_bad_events: int, line: Decimal, w: BurnWindow, share: Decimal, busy: Decimal) -> _State:
    """Both windows at 1.25x the `line`; the long window's traffic such that it holds `share` x min_bad_events
    failed events (busy traffic without a guard)."""
    ratio = off_ties(line * ABOVE)  # the alert shows the long window's ratio
    state = pair_state(w, ratio, ratio, busy)
    if min_bad_events:
        thin = fed(min_bad_events * share / (ratio * w.long_seconds))
        state.totals[_COARSE if recording_tiers().is_coarse(w.long_seconds) else w.long_seconds] = thin
    return state


# Failures a burn at the line shows in the short window of a case at 1.25x: there 10, 9 without the newest, over
# the 8 an event-count pair needs to start (counted_short.started_by_counted_short; 1.25x needs more than 4).
STARTS_SHOWN = 8


def busy_traffic(min_bad_events: int, line: Decimal, w: BurnWindow, counted: bool = True) -> Decimal:
    """Events/s (a power of two: ratios stay exact) at which the pair at 0.8x its `line` still counts twice
    min_bad_events in its long window, and a burn at the line shows STARTS_SHOWN failures in its short one: the
    guard never decides a case about the lines, and a short window at 1.25x starts the pair. Not `counted` (an
    error-ratio SLI, whose rules record its total as 1 from its errors): 1, the total those rules write (a fed
    total of 32 beside the recorded 1 is a duplicate sample promtool refuses; round 43, drawn fleet 5)."""
    if not counted:
        return Decimal(1)
    needed = max(2 * min_bad_events / (line * BELOW * w.long_seconds), STARTS_SHOWN / (line * w.short_seconds))
    busy = Decimal(1)
    while busy < needed:
        busy *= 2
    return busy


def counted_clean_state(
    w: BurnWindow, ratio: Decimal, total: Decimal, quiet: tuple[int, ...], line: Decimal, share: Decimal
) -> _State:
    """The pair's alert up, its long window at `ratio`, no events in `quiet`, and a clean short window holding
    `share` failures' worth of events at the `line` (counted_short.py): at 1.25 it ends the pair, at 0.8 it
    holds it like an empty one (the comparison raised by half, lowered by 40% or flipped each get one wrong)."""
    state = no_events_state(w, ratio, total, quiet)
    state.ratios[w.short_seconds] = Decimal(0)
    state.totals[w.short_seconds] = shows(share, line, w.short_seconds)
    return state


def shows(share: Decimal, line: Decimal, seconds: int) -> Decimal:
    """Events/s at which a window of `seconds` holds `share` failures' worth of events at the `line` (a short
    window's or a step's count: counted_short.py)."""
    return fed(share / (line * seconds))


def sliced_clean_state(
    w: BurnWindow, ratio: Decimal, total: Decimal, quiet: tuple[int, ...], share: Decimal, gate: Decimal
) -> _State:
    """The pair's alert up, its long window at `ratio`, no slices in `quiet`, and a clean short window of a
    time-slice SLI holding slices for `share` x the pair's `gate` of bad ones at `ratio`, the highest of the
    windows above it (counted_short.sliced): at 1.25 it ends the pair, at 0.8 it holds it like an empty one."""
    state = no_events_state(w, ratio, total, quiet)
    state.ratios[w.short_seconds] = Decimal(0)
    state.totals[w.short_seconds] = slices_for(share, ratio, w.short_seconds, gate)
    return state


def slices_for(share: Decimal, ratio: Decimal, seconds: int, gate: Decimal) -> Decimal:
    """Slices/s at which a window of `seconds` holds slices for `share` x `gate` bad ones at `ratio`."""
    return fed(share * gate / (ratio * seconds))


def sliced_hold_states(
    where: str,
    w: BurnWindow,
    ratio: Decimal,
    total: Decimal,
    steps: tuple[int, ...],
    fast: tuple[int, ...],
    gate: Decimal,
    burst: Burst = None,
) -> list[tuple[str, _State, bool]]:
    """(title, state, whether the page ends) of a time-slice pair up with its long window at `ratio`: a clean
    short window and steps each with slices for 0.8 x the pair's `gate` of bad ones at `ratio` hold it (the
    gate's `>= 1.35` raised, lowered or flipped gets one of the two wrong); a clean short window with slices for
    1.25x ends it, its steps silent: the time-slice page up when its short window recovers stops (kills a held
    branch whose `unless` is dropped or reduced to its ALERTS operand)."""
    held = sliced_clean_state(w, ratio, total, steps, BELOW, gate)
    for seconds in steps:
        held.ratios[seconds], held.totals[seconds] = Decimal(0), slices_for(BELOW, ratio, seconds, gate)
    named = "".join(f" and {format_duration(s)}" for s in steps)
    bad = f"bad ones at the {w.long}'s ratio"
    below, above = decimal_text(BELOW * gate), decimal_text(ABOVE * gate)
    # The recovered short window at 0.8x the line (the long's 1.25x times 0.64), not clean: the hold's own `S > L`
    # lowered by 40% keeps the page up on it (a clean one ends the page under that mutant too: it lived, round 50).
    recovered = sliced_clean_state(w, ratio, total, steps, ABOVE, gate)
    recovered.ratios[w.short_seconds] = off_ties(ratio * BELOW * BELOW)
    return [
        (
            f"{where} {w.long} at 1.25x, a clean {w.short}{named} each with slices for {below} {bad}, alerting: fires",
            held,
            False,
        ),
        (
            f"{where} time-slice page up when its short window recovers (the {w.short} at 0.8x the line with slices "
            f"for {above} {bad}): stops",
            recovered,
            True,
        ),
        *sliced_entry_states(where, w, ratio, total, steps, fast, gate),
        *burst_states(where, w, ratio, total, steps, gate, burst),
    ]


def burst_states(
    where: str, w: BurnWindow, ratio: Decimal, total: Decimal, steps: tuple[int, ...], gate: Decimal, burst: Burst
) -> list[tuple[str, _State, bool]]:
    """(title, state, whether the page ends) of a time-slice pair up whose burst may be over (model/burst_windows.py):
    its long window at `ratio`, its short window clean with slices for 0.8x the `gate` (too thin to end it on its
    own), its steps silent (the branch reads the long window), the burst window's count of bad slices 1.25x the
    long window's (all of them: names.SLI_BURST_OVER is 1, the page ends) or 0.8x (some older: it holds). Kills
    the burst's entry of the short window's gate dropped or read as another window (and the lanes keep a case
    apart whose pair only that entry ends: lane_faults)."""
    if burst is None:
        return []
    window, _ = burst
    out = []
    for share, ends in ((ABOVE, True), (BELOW, False)):
        state = sliced_clean_state(w, ratio, total, steps, BELOW, gate)
        # the burst window's count (a coarse one apart from the coarse tier's one ratio: the count alone)
        state.counts[window] = (state.bad_slices(w.long_seconds) * share).normalize()
        verb = "stops" if ends else "fires"
        title = (
            f"{where} {w.long} at 1.25x, a clean {w.short} too thin to end it alone, the {format_duration(window)} "
            f"holding {decimal_text(share)}x the {w.long}'s bad slices (a burst over: {verb}), alerting: {verb}"
        )
        out.append((title, state, ends))
    return out


def sliced_entry_states(
    where: str,
    w: BurnWindow,
    ratio: Decimal,
    total: Decimal,
    steps: tuple[int, ...],
    fast: tuple[int, ...],
    gate: Decimal,
) -> list[tuple[str, _State, bool]]:
    """(title, state, True) per entry of each gate's `max without (window)` other than the long window: that
    step at twice `ratio` (the highest above), the gated window clean with slices for 1.25x the `gate` of bad
    ones at it (0.625x at the long's `ratio`), every other window silent: it ends the page. Read as another
    window (the long's ratio or none), the gate fails and the high step fires the page (round 35's full sweep: 8
    such mutants lived, the long window the highest in every case). A short window's gate, then each step's
    (short silent). Every other `fast` window and the coarse tier (unless the long window is in it) are set
    silent, so no case packed beside it (state_packing.pack) lends the entry read as another window a ratio."""
    high = min(ratio * 2, Decimal(1))
    if ratio * ABOVE >= high:  # no ratio high enough to tell the step from the long window (a low objective)
        return []
    out: list[tuple[str, _State, bool]] = []
    gates = [(w.short_seconds, s) for s in steps] + [(s, t) for i, s in enumerate(steps) for t in steps[i + 1 :]]
    for gated, entry in gates:
        quiet = tuple(s for s in {*steps, *fast} - {entry, w.long_seconds} if not recording_tiers().is_coarse(s))
        state = no_events_state(w, ratio, total, tuple(sorted(quiet)))
        if not recording_tiers().is_coarse(w.long_seconds):
            state.totals[_COARSE] = Decimal(0)
        state.ratios[entry] = high
        state.ratios[gated], state.totals[gated] = Decimal(0), slices_for(ABOVE, high, gated, gate)
        shown, step = format_duration(gated), format_duration(entry)
        silent = "" if gated == w.short_seconds else f", no slices in the last {w.short}"
        level = "twice that" if high == ratio * 2 else "every slice bad"
        above = decimal_text(ABOVE * gate)
        title = f"{where} {w.long} at 1.25x, the {step} at {level}, a clean {shown} with slices for {above} bad ones "
        out.append((title + f"at the {step}'s{silent}, alerting: stops", state, True))
    return out


def event_burst_states(
    where: str, w: BurnWindow, line: Decimal, total: Decimal, steps: tuple[int, ...], burst: Burst
) -> list[tuple[str, _State, bool]]:
    """(title, state, whether the page ends) of an event-count page pair up whose burst may be over
    (model/burst_windows.event_burst_of): its long window at 1.25x the `line`, its short window clean with events
    for 0.8 failures at the line (too thin to end it alone), or halfway between EVENT_BURST_EVENTS events and one
    failure's worth where that is fewer events, every step as thin but the burst window, at 4x the line (at most
    0.9; its ratio times the short window's events at least 1.25x EVENT_BURST_SHOWN), holding 1.25x the long
    window's failures (all of them: names.SLI_BURST_OVER is 1, the page ends) or 0.8x (some older: it holds, the
    burst window read by the held branch). Kills the burst operand dropped, its gates flipped, and the burst window
    read as a wider one. A burst window in the coarse tier (the 3d/6h ticket's 1d) reads the coarse tier's one
    ratio: `coarse_burst_states`."""
    if burst is None:
        return []
    if recording_tiers().is_coarse(burst[0]):
        return coarse_burst_states(where, w, line, total, steps, burst)
    events = BELOW / line
    if events < EVENT_BURST_EVENTS * ABOVE:  # a high line: fewer events, still more than EVENT_BURST_EVENTS
        events = (EVENT_BURST_EVENTS + 1 / line) / 2
    ratio = min(line * 4, Decimal("0.9"))
    if events * ratio < EVENT_BURST_SHOWN * ABOVE:
        return []
    window, _ = burst
    out = []
    for share, ends in ((ABOVE, True), (BELOW, False)):
        state = counted_clean_state(w, line * ABOVE, total, steps, line, events * line)
        for seconds in steps:
            state.ratios[seconds], state.totals[seconds] = Decimal(0), shows(BELOW, line, seconds)
        failed = state.bad_of(w.long_seconds) * w.long_seconds * share
        state.ratios[window], state.totals[window] = ratio, fed(failed / (ratio * window))
        verb, why = ("stops", "all of them: a burst over") if ends else ("fires", "some older")
        title = (
            f"{where} {w.long} at 1.25x, a clean {w.short} too thin to end it alone, the {format_duration(window)} "
            f"at {decimal_text(ratio)} holding {decimal_text(share)}x the {w.long}'s failures ({why}), alerting: {verb}"
        )
        out.append((title, state, ends))
    return out + young_burst_states(where, w, line, total, steps, burst, events, ratio)


def young_burst_states(
    where: str,
    w: BurnWindow,
    line: Decimal,
    total: Decimal,
    steps: tuple[int, ...],
    burst: tuple[int, int],
    events: Decimal,
    ratio: Decimal,
) -> list[tuple[str, _State, bool]]:
    """`event_burst_states`' case of a pair whose long window is in the coarse tier and burst window in the fast
    one (the 1d/2h ticket's 6h): the coarse tier has seen just the burst window (`_State.coarse_seen`), so its
    count of the burst window (counted_short.young_burst_read) holds every failure of the long one, while the
    fast burst window, at the same ratio and events as the case that holds, counts 0.8x of them: names.SLI_BURST_OVER
    is 1 on the coarse read alone, the ticket ends. Kills that read dropped, flipped, or read over the long window's
    span (its clamp at the long window: a whole period's history then reads as inside, and the case that holds
    stops)."""
    window, long = burst
    if not recording_tiers().is_coarse(long) or recording_tiers().is_coarse(window):
        return []
    out = []
    high = off_ties(line * ABOVE)  # read back as the coarse ratio times a share: kept off a rounding tie (cases.py)
    failures = high * total * long  # the long window's, as the guard counts them
    for seen, ends in ((window, True), (_past(window, failures), False)):
        state = counted_clean_state(w, high, total, steps, line, events * line)
        for seconds in steps:
            state.ratios[seconds], state.totals[seconds] = Decimal(0), shows(BELOW, line, seconds)
        state.coarse, state.coarse_seen = fed(high * long / seen), seen
        state.ratios[window], state.totals[window] = ratio, fed(failures * BELOW / (ratio * window))
        verb, why = ("stops", "holds them all: a burst over") if ends else ("fires", f"holds {OLDER_MISSED} fewer")
        title = (
            f"{where} {w.long} at 1.25x, a clean {w.short} too thin to end it alone, {format_duration(seen)} of "
            f"history seen, the {format_duration(window)} at {decimal_text(ratio)} holding 0.8x the {w.long}'s "
            f"failures (the coarse tier's count of it {why}), alerting: {verb}"
        )
        out.append((title, state, ends))
    return out


# Failures of the long window the coarse tier's count of the burst window misses in `young_burst_states`' case
# that holds: past EVENT_BURST_SLACK (0.1), short of one failure (a slack of 1 would end it).
OLDER_MISSED = Decimal("0.5")


def _past(window: int, failures: Decimal) -> int:
    """History seen (whole seconds, up to failures / seen more than OLDER_MISSED: short of one failure below some
    10,000 a day) whose first OLDER_MISSED of the long window's `failures` (the coarse 5m rate times the span:
    coarse_history.guard_count_expr) lie before the burst `window`'s span (its 5m more)."""
    return math.ceil((window + COARSE_BASE_SECONDS) / (1 - OLDER_MISSED / failures))


def coarse_burst_states(
    where: str, w: BurnWindow, line: Decimal, total: Decimal, steps: tuple[int, ...], burst: tuple[int, int]
) -> list[tuple[str, _State, bool]]:
    """`event_burst_states` of a pair whose burst window is in the coarse tier beside its long one (the 3d/6h
    ticket's 1d, round 45): the coarse tier has seen just the burst window (`_State.coarse_seen`), so it holds
    every failure of the long one: names.SLI_BURST_OVER is 1, the ticket ends. The long window at 1.25x the `line`,
    the burst window at the same 5m ratio over its whole span (3.75x the line for 3d/1d), the short window clean
    with events for 0.8 failures at the line, every step as thin. Its converse (some failures older: it holds) is
    the thin gap case's, which `older_failures` gives such a history (no state more: each sets the coarse tier,
    so none shares a test group with another). Kills the burst operand dropped, its density gate flipped, the burst
    window read as the long one."""
    window, long = burst
    state = counted_clean_state(w, line * ABOVE, total, steps, line, _burst_events(line) * line)
    for seconds in steps:
        state.ratios[seconds], state.totals[seconds] = Decimal(0), shows(BELOW, line, seconds)
    state.coarse, state.coarse_seen = fed(line * ABOVE * long / window), window
    ratio = state.ratio(window)
    if ratio >= 0.9 or float(_burst_events(line)) * ratio < float(EVENT_BURST_SHOWN * ABOVE):
        return []
    title = (
        f"{where} {w.long} at 1.25x, a clean {w.short} too thin to end it alone, {format_duration(window)} of history "
        f"seen (the {format_duration(window)} holds the {w.long}'s failures: a burst over), alerting: stops"
    )
    return [(title, state, True)]


# The share of the long window's failures the burst window holds in `older_failures`: some are older.
OLDER_SHARE = Decimal("0.75")


def older_failures(state: _State, w: BurnWindow, line: Decimal, burst: Burst) -> str:
    """Give the thin gap case of a pair with a coarse burst window (`coarse_burst_states`) a coarse tier that has
    seen the burst window over OLDER_SHARE (its failures that share of the long window's; the burst window at
    line x 1.25 / OLDER_SHARE x long / seen, past its density gate): the pair holds, on the `unless` branch's
    long window, because some failures are older than the burst window (kills the record's "every failure inside"
    comparison dropped or flipped). The title's words for it ("" for any other pair)."""
    if burst is None or not recording_tiers().is_coarse(burst[0]):
        return ""
    window, long = burst
    seen = int(window / OLDER_SHARE)
    state.coarse, state.coarse_seen = fed(line * ABOVE * long / seen), seen
    return (
        f"{format_duration(seen)} of history seen (the {format_duration(window)} holds {OLDER_SHARE}x its failures), "
    )


def _burst_events(line: Decimal) -> Decimal:
    """Events of a clean short window too thin to end its pair alone: for 0.8 failures at the `line`, or halfway
    between EVENT_BURST_EVENTS and one failure's worth where that is fewer (a high line)."""
    events = BELOW / line
    return events if events >= EVENT_BURST_EVENTS * ABOVE else (EVENT_BURST_EVENTS + 1 / line) / 2
