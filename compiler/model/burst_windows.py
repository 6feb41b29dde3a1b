"""When a time-slice burst is over: the window a held burn pair compares its long window with (round 40).

A held pair (targets/prometheus/slo.py `_short_window_holds`) ends when a clean window shows enough slices
(counted_short.slice_gate). A burst of few bad slices shows too few in any clean window beside the windows
holding it, so its pair held until its long window let it go: one bad minute of a 99.99% probe with
`min_bad_events: 1` paged for 6 hours (the 6h/30m pair), a 3-minute outage of a 99.95% one kept its 3d/6h
ticket for 3 days. Another question says when such a burst is over: the pair's short window is clean and every
bad slice of its long window lies in the next recorded window above the short one (`burst_window`). Scattered
bad slices that fire the pair spread over its long window instead, so they keep holding it.

That reading is sound only where the part of the burst window the short one leaves (burst minus short) is a
small share of the long window (BURST_SHARE): a scattered pattern then rarely puts all of a long window's bad
slices there by chance. The fast pair's 30m above its 5m is 25 minutes of its 1h (0.42): a probe failing one
slice in 60 at `min_bad_events: 1` has one bad slice in the 1h window, in those 25 minutes at every other
evaluation, and paged twice for it; it holds as before, until its 1h window lets the slice go. The 6h/30m
pair's 1h (30 of 360 minutes, 0.083), the 1d/2h pair's 6h (0.17) and the 3d/6h pair's 1d (0.25) qualify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from compiler.model.burnrate import error_ratio_threshold, recorded_windows, recording_tiers, recovery_windows
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Slo

# The most of a pair's long window the burst window beyond the short one may cover (see the module text).
BURST_SHARE = Decimal(1) / 4


def burst_window(slo: Slo, window: BurnWindow) -> int | None:
    """The window (seconds) whose bad slices, when they are all of the long window's and the short window is
    clean, end `window`'s held pair: the next recorded window above its short one, where what it adds to the
    short is at most BURST_SHARE of the long window; None for other pairs and for SLIs that count events."""
    return burst_of(recorded_windows(slo), window) if slo.sli.kind in SLICE_KINDS else None


def burst_of(recorded: Sequence[int], window: BurnWindow) -> int | None:
    """`burst_window` among the `recorded` windows (seconds)."""
    above = sorted(s for s in recorded if window.short_seconds < s < window.long_seconds)
    if not above:
        return None
    burst = above[0]
    return burst if burst - window.short_seconds <= BURST_SHARE * window.long_seconds else None


def burst_ends(slo: Slo, windows: Iterable[BurnWindow]) -> dict[int, tuple[int, int]]:
    """Short window → (burst window, long window) of each of the alerting `windows` whose held pair a burst's end
    ends. One recorded series per short window says so (names.SLI_BURST_OVER), so two pairs over one short
    window and different long ones (a platform's catalog) get none: neither may end on the other's burst."""
    return burst_ends_of(recorded_windows(slo), windows) if slo.sli.kind in SLICE_KINDS else {}


def burst_ends_of(recorded: Sequence[int], windows: Iterable[BurnWindow]) -> dict[int, tuple[int, int]]:
    """`burst_ends` among the `recorded` windows."""
    return ends_of(recorded, windows, burst_of)


def ends_of(
    recorded: Sequence[int], windows: Iterable[BurnWindow], pick: Callable[[Sequence[int], BurnWindow], int | None]
) -> dict[int, tuple[int, int]]:
    """Short window → (burst window `pick`ed, long window) of the `windows`, none for a short window two pairs
    over different long windows share."""
    ends: dict[int, tuple[int, int]] = {}
    shared: set[int] = set()
    for window in windows:
        burst = pick(recorded, window)
        if burst is None:
            continue
        if window.short_seconds in ends and ends[window.short_seconds] != (burst, window.long_seconds):
            shared.add(window.short_seconds)
        ends[window.short_seconds] = (burst, window.long_seconds)
    return {short: end for short, end in ends.items() if short not in shared}


# Events: when a page pair's burst of failures is over (round 42). A request-count SLO at ~0.01 req/s held its
# 6h/30m page ~6 hours after a 30-minute outage ended (20-386 minutes, promtool at 1m): 18 requests in its 30m
# window are too few to show one failure at the line (counted_short.py), so the 6h window decided. The pair
# ends, as a time-slice one does, when its short window is clean and every failure of its long window lies in
# the burst window, with two gates of density so a stream failing at random is not read as a burst that ended:
# the clean short window holds EVENT_BURST_EVENTS requests or more, and its requests times the burst window's
# ratio reach EVENT_BURST_SHOWN (a burst of failures would show that many in it). Without that gate, a stream
# failing 5% or 10% of requests at random paged twice in 7.5 hours (its first two hours hold all of its
# failures); with it, once (as before). The burst window is the longest step whose excess over the short window
# is at most BURST_SHARE of the long one: the 6h/30m pair's 2h (90 of 360 minutes), not its 1h: a 30-minute
# outage and a clean 30m window fill the 1h window, which then ends the pair for an instant at best. The 1h/5m
# pair's 30m adds 25 of its 60 minutes and qualifies for neither.
# Tickets too (round 43): at 0.01 req/s (99.9%/30d) a 30-minute outage kept the 1d/2h ticket 1,475 minutes
# (promtool, 5m steps): its 2h window (72 requests, 0.22 failures at the 0.3% line) and its 6h step are too
# thin, so the 1d window decided. Its 6h window (4 of 24 hours) is its burst window: the ticket ends at 150, two
# hours after recovery, as a busy service's does. The long window may be in the coarse tier: its errors rate
# counts the failures it holds (a young SLO's too: slo:sli_coarse:since_timestamp). So may the burst window
# (round 45), where the guard counts its failures (another pair's long window): the 3d/6h ticket's 1d. At 0.01
# req/s a 30-minute outage held that ticket ~3 days (up 75 -> 4,410, promtool at 1m, after 3 days of healthy
# history); it ends at 450, six hours after recovery. Its generated case tells a burst inside the 1d window from
# one older by the coarse tier's history (slo_state._State.coarse_seen: one day seen, every failure inside).
EVENT_BURST_EVENTS = 3
EVENT_BURST_SHOWN = 2
# A dense burst (round 47): the busiest EVENT_BURST_PEAK seconds of the burst window hold EVENT_BURST_PEAK_SHARE of
# its failures or more, and EVENT_BURST_PEAK_LEAST failures or more. The density gate above asks the clean short
# window to show EVENT_BURST_SHOWN failures at the burst window's ratio, about 8 failures at any traffic: at 1
# req/min (99.9%/30d) 5 failures in 5 minutes held the 6h/30m page 360 minutes. A stream failing at random
# spreads its failures: at 0.6 req/min, 10% failing, its busiest 5 minutes hold 1 or 2 of the 2h window's 5-7.
# Page pairs only (their long window in the fast tier): a ticket's burst end is left as round 43/45 measured it.
EVENT_BURST_PEAK = 300
EVENT_BURST_PEAK_SHARE = Decimal("0.8")
EVENT_BURST_PEAK_LEAST = 3
# Failures allowed outside the burst window: the rates are extrapolated, so two windows' counts of the same
# failures differ in their last digits (errors rate x seconds).
EVENT_BURST_SLACK = Decimal("0.1")


def event_burst_of(
    recorded: Sequence[int], window: BurnWindow, line: Decimal, counted: bool = True, guarded: Iterable[int] = ()
) -> int | None:
    """The burst window (seconds) of an event-count burn pair (a page or a ticket): its longest fast-tier step
    (burnrate.recovery_windows), or coarse window whose failures the guard counts (`guarded`: the pairs' long
    windows), adding at most BURST_SHARE of the long window to the short one; None where there is none, and where
    its error-ratio `line` shows a failure in EVENT_BURST_EVENTS events (the short window's count ends the pair
    wherever the burst's would: counted_short.py). A long window in the coarse tier only where the SLO's
    min_bad_events guard records its failure count (`counted`; `min_bad_events: 0` records none)."""
    tiers = recording_tiers()
    if line * EVENT_BURST_EVENTS >= 1 or not (counted or not tiers.is_coarse(window.long_seconds)):
        return None
    if tiers.is_coarse(window.short_seconds):
        return None  # its short window starts and ends it on its plain ratio (counted_short.short_counted)
    share = BURST_SHARE * window.long_seconds
    between = [s for s in guarded if window.short_seconds < s < window.long_seconds and tiers.is_coarse(s)]
    steps = [*recovery_windows(recorded, window), *(between if counted else [])]
    fit = [s for s in steps if s - window.short_seconds <= share]
    return max(fit) if fit else None


def event_burst_ends(slo: Slo, windows: Iterable[BurnWindow]) -> dict[int, tuple[int, int]]:
    """`burst_ends` for an SLI that counts events (`event_burst_of`); {} for the other kinds."""
    if slo.sli.kind in UNCOUNTED_KINDS:
        return {}
    windows = list(windows)
    lines = [error_ratio_threshold(slo, w) for w in windows]
    return event_burst_ends_of(recorded_windows(slo), windows, lines, slo.min_bad_events > 0)


def event_burst_ends_of(
    recorded: Sequence[int], windows: Sequence[BurnWindow], lines: Sequence[Decimal], counted: bool = True
) -> dict[int, tuple[int, int]]:
    """`event_burst_ends` among the `recorded` windows, the pairs' error-ratio `lines` (in `windows` order), the
    coarse tier's failure counts recorded or not (`counted`: the SLO's min_bad_events guard)."""
    line = dict(zip(windows, lines, strict=True))
    guarded = sorted({w.long_seconds for w in windows})  # the coarse windows whose failures the guard counts
    return ends_of(recorded, windows, lambda recorded, w: event_burst_of(recorded, w, line[w], counted, guarded))


def event_burst_peak(recorded: Sequence[int], short: int, long: int) -> int | None:
    """The window (seconds) whose busiest stretch of the burst window tells a dense burst (EVENT_BURST_PEAK) for an
    event-count pair over `short` and `long`: recorded, shorter than the short window, and the long window in the
    fast tier (a page's); None otherwise."""
    if EVENT_BURST_PEAK not in recorded or short <= EVENT_BURST_PEAK or recording_tiers().is_coarse(long):
        return None
    return EVENT_BURST_PEAK
