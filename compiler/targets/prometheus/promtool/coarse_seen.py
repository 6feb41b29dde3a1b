"""The coarse tier's history as the generated cases feed it (names.SLI_COARSE_SINCE: `seen_since`) and as the
oracle reads it where the 1d/2h ticket's burst record counts its burst window from the coarse tier alone
(counted_short.young_burst_read): the guard's count of the long window beside the same count of the burst window,
both the fed 5m bad rate times the span since the SLO was first seen (coarse_history.guard_count_expr)."""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.burnrate import recording_tiers
from compiler.model.burst_windows import EVENT_BURST_SLACK
from compiler.targets.prometheus.coarse_history import COARSE_BASE_SECONDS
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.promtool.series import constant


def coarse_read_inside(long_read: float, seen: int, burst: int, long: int) -> bool:
    """Whether every failure the coarse tier counted in the `long` window lies in the fast-tier `burst` window
    as it reads them: `long_read` the long window's bad rate (the oracle's: the 5m rate times the share `seen`
    covers; seen 0 is a whole period, whose first-seen time the cases feed a period back). False for a pair
    whose record has no such read (a long window of the fast tier, a burst window of the coarse one)."""
    tiers = recording_tiers()
    if not tiers.is_coarse(long) or tiers.is_coarse(burst):
        return False
    base = long_read / min(1.0, seen / long) if seen else long_read

    def span(seconds: int) -> int:
        return min(seen, seconds + COARSE_BASE_SECONDS) if seen else seconds + COARSE_BASE_SECONDS

    return base * span(long) <= base * span(burst) + float(EVENT_BURST_SLACK)


def seen_since(seen: int, step: int, samples: int) -> str:
    """names.SLI_COARSE_SINCE values for a coarse tier that has seen `seen` seconds at every sample time (`step`
    seconds apart, `samples` of them): it moves with time, so the share each coarse window covers stays the same
    (coarse_history.py: the first sample covers its 5m); "" for `seen` 0 (a whole period: `history_start`)."""
    return f"{COARSE_BASE_SECONDS - seen}+{step}x{samples}" if seen else ""


def history_start(labels: tuple[tuple[str, str], ...], period: int, like: str) -> InputSeries:
    """The coarse tier's first sample a whole period before the test (as many samples as `like`, a constant):
    a case's coarse rates then stand for full windows, as on a server that has recorded the SLO for long."""
    return InputSeries(names.SLI_COARSE_SINCE, labels, constant(-period, int(like.rpartition("x")[2])))
