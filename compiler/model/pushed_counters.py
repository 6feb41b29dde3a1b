"""An SLO that rates counters a batch job pushes to a Pushgateway (round 50).

A Pushgateway keeps the last value each job pushed, for good. A batch job's counters start at 0 in each run, so the
series steps from one run's total to the next one's: Prometheus's `rate` reads the difference between two runs'
totals (a run whose totals drop reads as a counter reset, counted from 0), not what the run did. A newcomer's
reconciliation job pushed `rows_total{result="ok"}` and `{result="failed"}` each run: replayed with promtool, a run
of 1000 ok and 5 failed then a healthy run of 1000 ok and 9 failed (0.9%, under its 1% line) read as 4 failures of
4 rows and paged both page pairs from 5 minutes after the second push to the end of the 5-hour replay; two runs
alike read as no run at all. The Pushgateway's own docs ask batch jobs for gauges of the run. A located warning at
each such SLO's `sli`: obsc cannot tell a counter a long-lived process pushes, which reads right.

Round 51: a job declared `targets: false` (nothing scrapes it) that pushes was not warned of (golden
batch-and-exporters' nightly-export rates its pushed rows). obsc tells a Pushgateway by its marks only: a selector
on `exported_job` or `exported_instance` (the job's own labels, renamed when the gateway is scraped without
`honor_labels`) or a read of `push_time_seconds` / `push_failure_time_seconds` (the gateway writes them per group).
A service without them is not judged: a serverless function's or a remote-writing job's counters carry the same
`job` label and read right, and a job with honor_labels and no read of push_time_seconds looks like them (a known
limit: declare `targets_via: pushgateway`, or judge the run by its gauges).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.promql import Matcher
from compiler.model.types import Metric, SliKind, Slo

_GAUGE_KINDS = (SliKind.TIME_SLICE, SliKind.FRESHNESS)  # a gauge's reading: the last push is what it says
_RENAMED = frozenset({"exported_job", "exported_instance"})  # a pushed group's labels, scraped without honor_labels
_GATEWAY_SERIES = ("push_time_seconds", "push_failure_time_seconds")  # written by the gateway for each group


def pushed_counter_lines(
    data: Mapping[str, Any], selector: Sequence[Matcher], metrics: Iterable[Metric], slos: Sequence[Slo], ctx: Ctx
) -> tuple[Diagnostic, ...]:
    """A located warning at each SLO of a service behind a Pushgateway whose SLI rates counters: one that says
    so (`targets_via: pushgateway`) or whose series carry a gateway's marks."""
    if not isinstance(data.get("slos"), list):
        return ()
    if data.get("targets_via") != "pushgateway" and not _gateway_marks(selector, metrics):
        return ()
    rated = {slo.name for slo in slos if slo.sli.kind not in _GAUGE_KINDS}
    found = []
    for index, written in enumerate(data["slos"]):
        if isinstance(written, Mapping) and written.get("name") in rated and "sli" in written:
            path = ("slos", index, "sli")
            found.append(Diagnostic(ctx.loc(path), path, _message(str(written["name"]))))
    return tuple(found)


def _gateway_marks(selector: Sequence[Matcher], metrics: Iterable[Metric]) -> bool:
    """Whether the service's series come through a Pushgateway, as only a gateway's series show."""
    if any(m.label in _RENAMED for m in selector):
        return True
    for metric in metrics:
        if metric.selector is not None and (
            metric.selector.metric in _GATEWAY_SERIES or any(m.label in _RENAMED for m in metric.selector.matchers)
        ):
            return True
        if metric.expr is not None and any(name in metric.expr for name in (*_GATEWAY_SERIES, *_RENAMED)):
            return True
    return False


def _message(slo: str) -> str:
    return (
        f"SLO {slo!r} rates counters pushed through a Pushgateway (targets_via: pushgateway, exported_job or "
        "push_time_seconds), which keeps each "
        "job's last push: a batch job's counters start at 0 in each run, so a rate reads the difference between "
        "two runs' totals, not a run's counts (replayed: after a run of 1000 rows with 5 failed, a healthy run "
        "with 9 failed read as 4 failures of 4 rows and paged; two runs alike read as no run); judge each run "
        "by gauges it pushes, its last success's time (sli: {last_success: <timestamp gauge>, max_age: ...}) "
        "or a time slice over a gauge of the run's failures (good_when: <failed rows gauge> < 10); a "
        "long-lived process that pushes its counters without restarting reads right"
    )
