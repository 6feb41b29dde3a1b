"""Runbook text of time-slice and freshness SLIs: diagnosis queries (the gauge per series; for freshness
the age of each series' last success and the Pushgateway's last push), the stale alert's meaning and
mitigation."""

from __future__ import annotations

from compiler.model import slice_queries, timestamps
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import Sli, SliKind, Slo
from compiler.model.units import format_duration

__all__ = ["SLICE_KINDS", "STALE_MITIGATION", "slice_breakdown", "stale_meaning"]

STALE_MITIGATION = [
    "Did the job run? Scheduler (cron, Kubernetes CronJob, Airflow) history and logs of the last run.",
    "Re-run it once the cause is fixed; the alert resolves at the next evaluation after a success is pushed.",
    "A run that succeeds but pushes to another job or grouping key looks like no success: check the push.",
]

Query = tuple[str, str]


def slice_breakdown(sli: Sli) -> list[Query]:
    series = slice_queries.gauge_series(sli)
    if sli.kind is SliKind.FRESHNESS:
        assert sli.gauge is not None
        out = [
            ("age of the newest success, seconds (what the stale alert compares)", slice_queries.measured(sli)),
            (
                "age of each series' last success: which instance or job is late?",
                f"time() - {timestamps.in_seconds(sli.gauge, series)}",
            ),
        ]
        assert sli.gauge is not None and sli.gauge.selector is not None
        job = next((m for m in sli.gauge.selector.matchers if m.label == "job"), None)
        if job is not None:  # a run that failed usually still pushes: did the job run at all?
            out.append(
                (
                    "seconds since the job last pushed to the Pushgateway",
                    f"time() - push_time_seconds{{{job.render()}}}",
                )
            )
        return out
    assert sli.gauge is not None
    condition, aggregation = f"{sli.op} {slice_queries.value_text(sli)}", sli.gauge.aggregation.value
    if (aggregation, sli.op) in _EVERY_SERIES:
        first = (f"the condition per series ({condition} is good): which probe fails?", series)
    else:  # a sum (a lag over partitions) or an average is good or bad as a whole: no series "fails" alone
        whole = f"each series; the SLI compares their {aggregation} ({condition} is good)"
        first = (f"{whole}: which drive it past the line?", series)
    share = f"avg_over_time(({slice_queries.bad_slice(sli)})[1h:1m])"
    return [first, ("share of bad slices over the last hour", share)]


# Aggregation and comparison where the SLI holds exactly when every series passes on its own (the smallest value
# above the line, the largest below it), so one series' value shows which fails.
_EVERY_SERIES = frozenset({("min", ">"), ("min", ">="), ("min", "=="), ("max", "<"), ("max", "<="), ("max", "==")})


def stale_meaning(slo: Slo) -> str:
    sli = slo.sli
    assert sli.gauge is not None and sli.gauge.selector is not None
    return (
        f"the newest `{sli.gauge.selector.metric}` is more than {format_duration(int(sli.value or 0))} old "
        "(fires at once; while it stays late every evaluation is a bad slice of this SLO)."
    )
