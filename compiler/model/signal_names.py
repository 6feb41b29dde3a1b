"""One recorded name, one recording: threshold alerts whose signals would share a name but not an expression.

Alerts on one metric that compare the same aggregate share one recording rule (`service:depth:max_by_queue`),
found by its name, so a name must say everything the recording computes. Built from parts, it can say two
things at once: `by: [a, b]` records `max_by_a_b_<digest of the list>`, which a single label spelled
`a_b_<that digest>` also records, and a `within:` alert on a millisecond timestamp `by: [x]` records
`min_by_x_seconds` (divided into seconds), as does `below:` on the same metric `by: [x_seconds]`. The first
alert's recording was written for both (round 40, hostile hunt): the second alert compared another grouping, or
milliseconds against a line in seconds, and its generated promtool tests passed, since they read the same
recording. Refused at the second alert, whatever the way the parts met.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.build_context import Ctx
from compiler.model.thresholds import recorded_signal_expr, signal_name
from compiler.model.types import ThresholdAlert


def refuse_shared_signal_names(alerts: Sequence[tuple[int, ThresholdAlert]], ctx: Ctx) -> None:
    """Each alert (with its index under `threshold_alerts:`) whose signal's name an earlier alert records
    with another expression is a located error at its `by:` (its `metric:` without one)."""
    first: dict[str, tuple[int, ThresholdAlert, str]] = {}
    for i, alert in alerts:
        name, expr = signal_name(alert), recorded_signal_expr(alert)
        taken = first.setdefault(name, (i, alert, expr))
        if taken[2] == expr:
            continue
        other, line = taken[1], ctx.loc(("threshold_alerts", taken[0], "name")).line
        where = ("threshold_alerts", i, "by" if alert.by else "metric")
        ctx.error(
            where,
            f"threshold alert {alert.name!r} would record its signal as {name}, which {other.name!r} (line "
            f"{line}, {_grouping(other)}) records with another expression: obsc writes one recording a name, "
            f"so {alert.name!r} would compare the values of {other.name!r}. The name joins the aggregation, the by: "
            "labels and the unit; split the alert by other labels, or define the metric a second time under "
            "another name",
        )


def _grouping(alert: ThresholdAlert) -> str:
    by = f"by ({', '.join(alert.by)})" if alert.by else "without by:"
    return f"{alert.comparison.value} {by}"
