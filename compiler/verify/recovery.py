"""`obsc verify`: a page that its own traffic cannot show the end of for hours.

A held burn pair ends when a window shorter than its long one shows the burn is over, and a window shows that only
where its events times the pair's line reach one failure (targets/prometheus/counted_short.py, round 32); a
thinner window is passed over until the long window itself drops below the line. At 99.99% over 90d the 6h/30m
page's line is 0.18%, so a window needs 556 events: an admin API at 0.01 req/s (18 in 30m, 72 in 2h) paged from 10
minutes into a 30-minute total outage until about 7 hours in, though healthy requests came back after 30 minutes
(promtool, round 40). That is the objective's arithmetic (its 90-day budget is 7.8 failed requests), not a fault
of the rules, and only the live traffic shows it: a notice, read from the same mean rate as the event floor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from compiler.model.burnrate import error_ratio_threshold, recorded_windows, recovery_windows
from compiler.model.types import BurnWindow, Slo
from compiler.model.units import about_text, decimal_text, format_duration, share_text

LINGER_FROM = 7200  # seconds: a page pair whose long window is longer than this lingers for hours


def lingering_page(slo: Slo, pages: Sequence[BurnWindow], per_second: Decimal) -> str | None:
    """The notice for the longest page pair whose windows below its long one all hold too few events at
    `per_second` to show one failure at its line, or None."""
    held = [w for w in pages if w.long_seconds > LINGER_FROM and not _shown(slo, w, per_second)]
    if not held:
        return None
    pair = max(held, key=lambda w: w.long_seconds)
    line = error_ratio_threshold(slo, pair)
    widest = max(_below_long(slo, pair))
    return (
        f"SLO {slo.name!r}: at the last day's mean traffic ({about_text(per_second)} events/s) no window of its "
        f"{pair.long}/{pair.short} page shorter than {pair.long} holds the {math.ceil(1 / line)} events that show "
        f"one failure at its {share_text(line)} line ({about_text(per_second * widest)} in "
        f"{format_duration(widest)}): once it pages, it stays up until the failures leave its {pair.long} window, "
        f"up to {pair.long} after users stop failing; a {decimal_text(slo.objective)}% objective needs more traffic "
        "to tell a recovery (or the page's length is accepted)"
    )


def _below_long(slo: Slo, pair: BurnWindow) -> list[int]:
    return [pair.short_seconds, *recovery_windows(recorded_windows(slo), pair)]


def _shown(slo: Slo, pair: BurnWindow, per_second: Decimal) -> bool:
    line = error_ratio_threshold(slo, pair)
    return any(per_second * seconds * line >= 1 for seconds in _below_long(slo, pair))
