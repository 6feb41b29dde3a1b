"""The time until the disk is full at its recent trend: what ServiceDiskFillingUp compares with its line.

One text for the rule and for the dashboard panel the alert's link opens, so the panel plots the value the
alert fires with (the utilisation panel beside it cannot: a share of the disk, not a duration).
"""

from __future__ import annotations

from compiler.model.units import format_duration

DISK_TREND_WINDOW = "6h"  # the fill rate is the trend over this range


def time_to_full(disk: str, gap_seconds: int, sep: str = " ") -> str:
    """Seconds until the 0-1 utilisation series `disk` reaches 1 at its growth over DISK_TREND_WINDOW: the free
    share (its last value within `gap_seconds`, as the saturation alerts read it) over the growth per second.
    No value while the disk is not filling; `sep` goes around the division (a newline in the rule file)."""
    last = f"last_over_time({disk}[{format_duration(gap_seconds)}])"
    return f"(1 - {last}){sep}/{sep}(deriv({disk}[{DISK_TREND_WINDOW}]) > 0)"
