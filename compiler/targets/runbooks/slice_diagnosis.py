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
    return [
        (f"the condition per series ({sli.op} {slice_queries.value_text(sli)} is good): which probe fails?", series),
        ("share of bad slices over the last hour", f"avg_over_time(({slice_queries.bad_slice(sli)})[1h:1m])"),
    ]


def stale_meaning(slo: Slo) -> str:
    sli = slo.sli
    assert sli.gauge is not None and sli.gauge.selector is not None
    return (
        f"the newest `{sli.gauge.selector.metric}` is more than {format_duration(int(sli.value or 0))} old "
        "(fires at once; while it stays late every evaluation is a bad slice of this SLO)."
    )
