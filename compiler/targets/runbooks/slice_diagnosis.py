"""Diagnosis queries of time-slice and freshness SLIs: the gauge per series, and (freshness) the age of
each instance's last success and the Pushgateway's last push."""

from __future__ import annotations

from compiler.model import slice_queries
from compiler.model.types import Sli, SliKind

Query = tuple[str, str]


def slice_breakdown(sli: Sli) -> list[Query]:
    series = slice_queries.gauge_series(sli)
    if sli.kind is SliKind.FRESHNESS:
        out = [
            ("age of the newest success, seconds (what the stale alert compares)", slice_queries.measured(sli)),
            ("age of each series' last success: which instance or job is late?", f"time() - {series}"),
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
