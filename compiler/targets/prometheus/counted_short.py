"""Which short window may end a held burn pair of an event-count SLO: one with events enough to show a failure.

A held pair (slo.py `_short_window_holds`) ends when its short window has a ratio under the line. With a few
events that says nothing: at 10 req/h, one in ten failing (100x at 99.9%), 5 clean requests in 30m (0.03
failures at the 0.6% line) ended the page each hour, and it paged again 16 minutes later. The short ratio ends
the pair only where its events times the line reach one failure; a thinner window is held like an empty one.
The windows between short and long (`steps`: 1h and 2h of the 6h/30m pair) that decide when the short window
cannot are counted the same way (`counted_step`): at 10 req/h a clean 1h window (10 requests, 0.06 failures at
the line; 35% of hours when one in ten fails at random) ended the page, which fired again 15 minutes later. A
thin step is passed over like an empty one: the next longer window decides.
Time slices, freshness and error ratios (UNCOUNTED_KINDS) have no events to count: their short ratio ends it.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.sli_kinds import UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Slo
from compiler.model.units import format_duration


def counted_short(short: str, window: BurnWindow, threshold: str, selector: str) -> str:
    """The short ratio where a burn at the line shows in it (events × line ≥ 1 failure). A plain `and`: both
    series carry the same labels (groups, generated lanes)."""
    total = names.sli_total_rate(window.short) + selector
    return f"({short} and {total} * {window.short_seconds} * {threshold} >= 1)"


def counted_step(slo: Slo, seconds: int, threshold: str, selector: str) -> str:
    """A step window's ratio (inside the holds' `max without (window)`) where a burn at the line shows in it;
    the plain ratio for a kind without events."""
    window = format_duration(seconds)
    ratio = names.sli_error_ratio(window) + selector
    if slo.sli.kind in UNCOUNTED_KINDS:
        return ratio
    return f"{ratio} and {names.sli_total_rate(window)}{selector} * {seconds} * {threshold} >= 1"


def ended_by_counted_short(
    holds: list[str], slo: Slo, window: BurnWindow, short: str, threshold: str, selector: str
) -> list[str]:
    """`holds`, the short window's side as slo.py writes it, its `unless` operand (the line `  <short>`) read
    through `counted_short` for an event-count SLO."""
    if slo.sli.kind in UNCOUNTED_KINDS:
        return holds
    ends = f"  {counted_short(short, window, threshold, selector)}"
    return [ends if line == f"  {short}" else line for line in holds]
