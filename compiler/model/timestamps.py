"""Timestamps compared with the clock (`within:` alerts, freshness SLIs): Unix seconds, or milliseconds when
the metric declares `unit: ms`.

`time()` is in seconds: a millisecond timestamp compared as it is reads a token that expired yesterday as
fifty years away, so its alert never fires. Such a metric is divided by 1000 where it is read, and one
named like milliseconds without saying so is refused.
"""

from __future__ import annotations

from compiler.model.types import Metric

_MS_SUFFIXES = ("_ms", "_milliseconds")
# Grafana's date units name how a panel shows the value, not the clock it counts in (obsc's examples use them
# on seconds): they are read as seconds, as no unit is.
_SECONDS_UNITS = ("", "s")


def scale(metric: Metric) -> int:
    """Units of the metric per second."""
    return 1000 if metric.unit == "ms" else 1


def in_seconds(metric: Metric, expr: str) -> str:
    return f"{expr} / 1000" if metric.unit == "ms" else expr


def timestamp_problem(metric: Metric) -> str | None:
    """Why `metric` cannot be read as a Unix timestamp; None when it can."""
    unit = metric.unit
    if unit == "ms":
        return None
    if unit not in _SECONDS_UNITS and not unit.startswith("dateTime"):
        return f"a Unix timestamp is in seconds, or in milliseconds with unit: ms; {metric.name!r} has unit {unit!r}"
    series = metric.selector.metric if metric.selector is not None else ""
    if series.endswith(_MS_SUFFIXES):
        return f"{series} reads as milliseconds: declare unit: ms on metric {metric.name!r} (the clock is in seconds)"
    return None
