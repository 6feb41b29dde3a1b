"""A threshold alert on kube-state-metrics' `kube_job_status_failed`, which counts a Job's failed pods.

The gauge is the Job's `status.failed`: the pods that failed, not whether the Job did. A Job whose first pod failed
and whose retry succeeded keeps it at 1, and so does a failed Job for as long as the object is kept (a CronJob's
`failedJobsHistoryLimit`, 1 by default, keeps the last failed Job until the next failure replaces it). `above: 0`
on it, as an outsider writes for "the nightly job failed" (round 43), fired at the first failed attempt and stayed
firing through every later successful run: replayed with promtool (1m steps), one failed attempt at 02:00 whose
retry succeeded fired it at 02:02 and held it to the end of a 2-day replay, the next night's run clean. Read at
an instant only: `increase(...[5m])` or `changes` see a pod fail as it happens and are not warned of.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import promql_parser as pp

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.promql_check import children, selectors
from compiler.model.promql_sample import sample_tree
from compiler.model.threshold_paths import written_indexes
from compiler.model.types import Comparison, ThresholdAlert

_FAILED_PODS = "kube_job_status_failed"
# kube-state-metrics' Job failure series: the failed pods, and the Failed condition (set once backoffLimit is spent)
_JOB_FAILURES = (_FAILED_PODS, "kube_job_failed")


def failed_pod_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    """A located warning, at `above:`, for each alert whose metric reads a Job's failed pods at an instant."""
    index = written_indexes(data)
    found = []
    for alert in alerts:
        if alert.comparison is not Comparison.ABOVE or alert.name not in index or not _reads_failed_pods(alert):
            continue
        path = ("threshold_alerts", index[alert.name], "above")
        found.append(Diagnostic(ctx.loc(path), path, _MESSAGE))
    return tuple(found)


def _reads_failed_pods(alert: ThresholdAlert) -> bool:
    metric = alert.metric
    if metric.selector is not None:
        return metric.selector.metric == _FAILED_PODS
    tree = sample_tree(metric.expr or "")
    return tree is not None and any(name == _FAILED_PODS for name in _instant_names(tree))


def reads_job_failures(alert: ThresholdAlert) -> bool:
    """The alert reads a Job failure series of kube-state-metrics, at an instant or over a range: beside a freshness
    SLO it sees the incident the SLO's stale ticket sees (the run that did not succeed), sooner
    (model/incidents.py)."""
    metric = alert.metric
    if metric.selector is not None:
        return metric.selector.metric in _JOB_FAILURES
    tree = sample_tree(metric.expr or "")
    return tree is not None and any(str(node.name or "") in _JOB_FAILURES for node in selectors(tree))


def _instant_names(node: Any) -> Iterator[str]:
    """The metric names the query reads at an instant (not over a range: `increase(x[5m])` sees a change)."""
    if isinstance(node, pp.VectorSelector):
        yield str(node.name or "")
    elif not isinstance(node, pp.MatrixSelector | pp.SubqueryExpr):
        for child in children(node):
            yield from _instant_names(child)


_MESSAGE = (
    "kube_job_status_failed counts a Job's failed pods, not whether the Job failed: a Job whose retry succeeded "
    "keeps it above 0, and a failed Job keeps it for as long as the object is kept (a CronJob's "
    "failedJobsHistoryLimit, 1 by default, keeps the last failed Job until the next failure), so this alert fires at "
    "the first failed attempt and stays through every later successful run; for 'the last run did not succeed' "
    "write a freshness SLO, sli: {last_success: <kube_cronjob_status_last_successful_time metric>, max_age: <period "
    'and slack>}, or alert on kube_job_failed{condition="true"} (the Job\'s Failed condition, set once its '
    "backoffLimit is spent) and delete or expire failed Jobs (ttlSecondsAfterFinished)"
)
