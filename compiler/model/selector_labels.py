"""Label names a selector may not match on: ones no stored series carries, and `le`, which obsc matches itself.

Prometheus drops every label starting with `__` after relabelling (`__address__`, `__meta_*`), so a selector on
one matches nothing, and `__name__` is the metric's name, which each metric writes itself. `le` is a histogram
bucket's bound: obsc picks the buckets a latency SLI and a quantile read, and a selector pinning `le` left the
SLI without its threshold bucket (SLODataMissing on a healthy service, and the compile failed its own tests).
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler.model.promql import Matcher

BUCKET_LABEL = "le"


def selector_label_problems(labels: Iterable[object], what: str) -> list[tuple[str, str]]:
    """(label, message) for each label of the service's `selector:` or `targets:` (`what`) that cannot be there."""
    out = []
    for label in map(str, labels):
        problem = _internal(label, what)
        if not problem and label == BUCKET_LABEL and what == "selector":
            problem = (
                "label 'le' is a histogram bucket's bound, not a label of the service: obsc picks the buckets a "
                "latency SLI reads by its threshold, and with le in the selector the threshold bucket is never "
                "found; remove it"
            )
        if problem:
            out.append((label, problem))
    return out


def histogram_matcher_problems(matchers: Iterable[Matcher]) -> list[str]:
    """Messages for a histogram metric's own matchers that obsc cannot keep: `le`, and internal labels."""
    out = []
    for matcher in matchers:
        if matcher.label == BUCKET_LABEL:
            out.append(
                f"a histogram's selector may not match le ({matcher.render()}): obsc picks the buckets itself (the "
                "SLI's threshold bucket, every bucket for quantiles); select the histogram by its name and other labels"
            )
        elif matcher.label != "__name__" and (problem := _internal(matcher.label, "selector")):
            out.append(problem)
    return out


def _internal(label: str, what: str) -> str:
    if label == "__name__":
        return (
            f"'__name__' is the metric name, not a label of the service's series: each metric under metrics: "
            f"names its own series; remove it from {what}:"
        )
    if label.startswith("__"):
        return (
            f"label {label!r} starts with '__': Prometheus drops such labels after relabelling, so no stored series "
            f"carries it and {what}: would match nothing; use the label it is relabelled into (job, instance...)"
        )
    return ""
