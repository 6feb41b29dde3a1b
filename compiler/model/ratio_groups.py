"""Errors and requests that keep different labels: the error ratio finds no partner for the failures.

The error-rate alert and the dashboard's error ratio divide `errors` by `requests` series by series
(`(errors or 0 * requests) / (requests > 0)`, `model.queries.failed_share`), matching every label. An
expression kept per label on one side only (`sum by (topic) (...)` requests beside summed errors) leaves the
failures without a partner, and only the `0 * requests` series divide: the ratio read 0% while every request
failed, and ServiceHighErrorRate never fired (found by the round 33 dashboard hunt). A selector is summed to
no labels; an expression's labels are read as model.promql_groups reads them (unknown: not judged).
"""

from __future__ import annotations

from collections.abc import Mapping

from compiler.model.promql_groups import kept_labels
from compiler.model.types import Metric


def _kept(metric: Metric) -> tuple[str, ...] | None:
    """The labels the metric's rate keeps; None when its expression's cannot be told."""
    if metric.selector is not None or not metric.expr:
        return ()
    kept = kept_labels(metric.expr)
    return None if kept.problem else tuple(sorted(kept.labels))


def error_groups_problem(metrics: Mapping[str, Metric]) -> str | None:
    requests, errors = metrics.get("requests"), metrics.get("errors")
    if requests is None or errors is None:
        return None
    mine, theirs = _kept(errors), _kept(requests)
    if mine is None or theirs is None or mine == theirs:
        return None

    def words(labels: tuple[str, ...]) -> str:
        return f"keeps {', '.join(labels)}" if labels else "keeps no label (one sum)"

    return (
        f"errors {words(mine)} but requests {words(theirs)}: the error ratio divides each errors series by the "
        "requests series with the same labels, so the failures find none and the error-rate alert and the "
        "dashboard's error ratio read 0% whatever fails; keep the same labels in both "
        f"(`sum by ({', '.join(mine or theirs)}) (...)` in each), or none"
    )
