"""A counter's line that even a day's window holds fewer than EVENTS_AT_LINE events of.

A counter's rate is read over the shortest window that holds EVENTS_AT_LINE events at the line, a day at most
(thresholds.rate_window). Under 5 a day, the day's reading steps by whole events (1/86400 per second each),
so a line there sits on or next to a healthy job's own reading: `below: 0.0000116` on a counter that moves
once a day read exactly 1/86400 = 0.00001157 each day and fired on a healthy job (promtool, round 36). The
same line written `1/d` is refused (build_thresholds); written per second it compiled with no word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.threshold_paths import written_indexes
from compiler.model.thresholds import EVENTS_AT_LINE, RATE_WINDOWS
from compiler.model.types import Comparison, MetricType, ThresholdAlert

_DAY = RATE_WINDOWS[-1]


def sparse_counter_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    """A located warning, at the line, for each counter alert whose line is under EVENTS_AT_LINE events a day."""
    index = written_indexes(data)
    found = []
    for alert in alerts:
        if alert.metric.type is not MetricType.COUNTER or alert.comparison is Comparison.WITHIN:
            continue
        per_day = alert.threshold * _DAY
        if not 0 < per_day < EVENTS_AT_LINE or alert.name not in index:
            continue
        path = ("threshold_alerts", index[alert.name], alert.comparison.value)
        found.append(Diagnostic(ctx.loc(path), path, _message(alert, per_day)))
    return tuple(found)


def _message(alert: ThresholdAlert, per_day: Decimal) -> str:
    events = format(per_day, ".3g")
    least = format(Decimal(EVENTS_AT_LINE) / _DAY, ".3g")
    line = format(alert.threshold, "f")
    return (
        f"a line of {line} per second is {events} events a day, and the longest window a counter's "
        f"rate is read over is a day: a healthy job's reading there steps by whole events (1/86400 each; one run a "
        f"day reads 0.0000116), so a line under {EVENTS_AT_LINE} a day ({least}) sits on or beside it and fires or "
        "stays quiet by a run's timing; watch a job that runs daily or less often by the timestamp of its last "
        "success (an SLO with sli: {last_success: <gauge>, max_age: 26h}), or write a line of at least "
        f"{EVENTS_AT_LINE} events a day (e.g. 1/h)"
    )
