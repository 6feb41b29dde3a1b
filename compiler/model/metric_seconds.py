"""Metrics whose name says seconds (Prometheus's base unit in the name) when no `unit:` is declared."""

from __future__ import annotations

from compiler.model.types import Metric


def seconds_by_name(metric: Metric) -> bool:
    """No unit declared, and a selector whose metric's name ends in `_seconds`: a duration line (`above: 1h30m`) is
    read in seconds, so its panels plot seconds."""
    return not metric.unit and metric.selector is not None and metric.selector.metric.endswith("_seconds")


def name_says_timestamp(metric: Metric) -> bool:
    """A selector named as a point in time (`*_timestamp_seconds`, `*_time_seconds`): seconds since the epoch,
    which a seconds axis would read as decades."""
    return metric.selector is not None and metric.selector.metric.endswith(("_timestamp_seconds", "_time_seconds"))
