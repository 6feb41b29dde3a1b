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

from collections.abc import Iterable, Sequence
from decimal import Decimal

from compiler.model.burnrate import recorded_windows
from compiler.model.sli_kinds import SLICE_KINDS
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
    ends: dict[int, tuple[int, int]] = {}
    shared: set[int] = set()
    for window in windows:
        burst = burst_of(recorded, window)
        if burst is None:
            continue
        if window.short_seconds in ends and ends[window.short_seconds] != (burst, window.long_seconds):
            shared.add(window.short_seconds)
        ends[window.short_seconds] = (burst, window.long_seconds)
    return {short: end for short, end in ends.items() if short not in shared}
