"""Which windows a time-slice SLO's alert cases feed counts of slices for: the bad slices its burn alerts count
(the min_bad_events guard, a page pair's start after a page) and the slices that may end a held pair."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.model.burnrate import recorded_windows, windows_for
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import BurnWindow, Slo
from compiler.targets.prometheus.counted_short import short_counted, slice_windows, start_counted


def counted(slo: Slo) -> tuple[int, ...]:
    """The windows whose bad slices a time-slice SLO's burn alerts count, ascending: `counted_of`."""
    return counted_of(windows_for(slo), slo.min_bad_events) if slo.sli.kind in SLICE_KINDS else ()


def counted_of(windows: Iterable[BurnWindow], min_bad_events: int) -> tuple[int, ...]:
    """The long windows of the time-slice pairs `windows` (min_bad_events) and their page pairs' short windows (a
    start after a page: counted_short.slice_started), ascending."""
    windows = tuple(windows)
    longs = {w.long_seconds for w in windows} if min_bad_events else set()
    return tuple(sorted(longs | {w.short_seconds for w in windows if start_counted(w) and short_counted(w)}))


def sliced_windows(slo: Slo) -> tuple[int, ...]:
    """The windows whose slices a time-slice SLO's burn pairs count before a clean one ends a held pair."""
    return tuple(slice_windows(recorded_windows(slo), windows_for(slo))) if slo.sli.kind in SLICE_KINDS else ()
