"""Which short window may end a held burn pair of an event-count SLO: one with events enough to show a failure.

A held pair (slo.py `_short_window_holds`) ends when its short window has a ratio under the line. With a few
events that says nothing: at 10 req/h, one in ten failing (100x at 99.9%), 5 clean requests in 30m (0.03
failures at the 0.6% line) ended the page each hour, and it paged again 16 minutes later. The short ratio ends
the pair only where its events times the line reach one failure; a thinner window is held like an empty one.
Time slices, freshness and error ratios (UNCOUNTED_KINDS) have no events to count: their short ratio ends it.

A recovery the short window saw also keeps the pair from being held again once the window empties
(`saw_recovery`): its `keep_firing_for` keeps the alert up, so its ALERTS series is there, and without this the
no-events branch revived the pair from its steps, which still held the outage (a page kept 43 minutes more).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.burnrate import recording_tiers
from compiler.model.sli_kinds import UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Slo
from compiler.model.units import format_duration


def counted_short(short: str, window: BurnWindow, threshold: str, selector: str) -> str:
    """The short ratio where a burn at the line shows in it (events × line ≥ 1 failure). A plain `and`: both
    series carry the same labels (groups, generated lanes)."""
    total = names.sli_total_rate(window.short) + selector
    return f"({short} and {total} * {window.short_seconds} * {threshold} >= 1)"


def ended_by_counted_short(
    holds: list[str], slo: Slo, window: BurnWindow, short: str, threshold: str, selector: str
) -> list[str]:
    """`holds`, the short window's side as slo.py writes it, its `unless` operand (the line `  <short>`) read
    through `counted_short` for an event-count SLO."""
    if slo.sli.kind in UNCOUNTED_KINDS:
        return holds
    ends = f"  {counted_short(short, window, threshold, selector)}"
    return [ends if line == f"  {short}" else line for line in holds]


def recovery_reach(slo: Slo, window: BurnWindow) -> int:
    """How far back (seconds) a pair looks for the short window's newest counted reading: its `keep_firing_for`,
    one coarse interval and a minute, as long as a recovery can leave its alert up. 0 where the pair has no such
    check: time slices, freshness and error ratios (no events to count), and a fast-tier pair kept for no time
    (its ALERTS ends with its condition, so the no-events branch cannot revive it)."""
    tiers = recording_tiers()
    if slo.sli.kind in UNCOUNTED_KINDS or not (window.keep_firing_seconds or tiers.is_coarse(window.long_seconds)):
        return 0
    return window.keep_firing_seconds + tiers.coarse_interval_seconds + 60


def recovery_step(window: BurnWindow) -> int:
    """The subquery's step: the interval its short window is recorded at (the default evaluation interval is
    taken as 1m for the fast tier)."""
    tiers = recording_tiers()
    return tiers.coarse_interval_seconds if tiers.is_coarse(window.short_seconds) else 60


def saw_recovery(slo: Slo, window: BurnWindow, short: str, threshold: str, selector: str, unless: str) -> str:
    """` unless on (...) <the newest counted reading of the short window, at or under the line>`, to follow the
    pair's ALERTS hold ("" where `recovery_reach` is 0). Counted readings only: a thin one proves nothing either
    way (the thin-window rule), and the last readings of a window that empties are thin. A counted reading over
    the line (the pair's own burn again) is newer and holds the pair again."""
    reach = recovery_reach(slo, window)
    if not reach:
        return ""
    counted = counted_short(short, window, threshold, selector)
    over = f"[{format_duration(reach)}:{format_duration(recovery_step(window))}]"
    return f" {unless} last_over_time({counted}{over}) <= {threshold}"
