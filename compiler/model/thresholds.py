"""What a threshold alert compares, written once for every target: the recorded signal's name and PromQL.

Counters are compared as their 5m rate; `within` takes the soonest timestamp of each group (the first
certificate to expire), every other comparison the metric's own aggregation.
"""

from __future__ import annotations

import hashlib

from compiler import conventions as names
from compiler.model import timestamps
from compiler.model.promql import expand
from compiler.model.types import Comparison, MetricType, ThresholdAlert

RATE_WINDOW = "5m"
MISSING_FOR_SECONDS = 600  # no series this long (or the alert's own hold, if longer) fires a missing-data alert


def signal_aggregation(alert: ThresholdAlert) -> str:
    return "min" if alert.comparison is Comparison.WITHIN else alert.metric.aggregation.value


def signal_name(alert: ThresholdAlert) -> str:
    """`service:consumer_lag:sum_by_topic`: one name per (metric, aggregation, rate, grouping)."""
    op = signal_aggregation(alert)
    if alert.metric.type is MetricType.COUNTER:
        op += f"_rate{RATE_WINDOW}"
    if alert.by:
        op += "_by_" + "_".join(alert.by)
    if alert.comparison is Comparison.WITHIN and timestamps.scale(alert.metric) != 1:
        op += "_seconds"  # divided into seconds: not the metric's own min, which another alert may record
    if len(alert.by) > 1:
        # `[topic, partition]` and `[topic_partition]` joined alike and shared one recording, so one alert read
        # the other's grouping: a list of labels is told apart by a digest of the list itself
        op += "_" + hashlib.sha256(",".join(alert.by).encode()).hexdigest()[:6]
    return names.threshold_signal(alert.metric.name, op)


def signal_expr(alert: ThresholdAlert) -> str:
    """The metric aggregated as the alert compares it (its `by` labels kept)."""
    metric = alert.metric
    grouping = f" by ({', '.join(alert.by)})" if alert.by else ""
    if metric.selector is None:
        inner = expand(metric.expr or "", (), RATE_WINDOW)
    elif metric.type is MetricType.COUNTER:
        inner = f"rate({metric.selector.render()}[{RATE_WINDOW}])"
    else:
        inner = metric.selector.render()
    signal = f"{signal_aggregation(alert)}{grouping} ({inner})"
    return timestamps.in_seconds(metric, signal) if alert.comparison is Comparison.WITHIN else signal
