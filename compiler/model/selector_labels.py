"""Label names a selector may not match on: ones no stored series carries, and `le`, which obsc matches itself;
and label values holding `$window` or `$selector`.

Prometheus drops every label starting with `__` after relabelling (`__address__`, `__meta_*`), so a selector on
one matches nothing, and `__name__` is the metric's name, which each metric writes itself. `le` is a histogram
bucket's bound: obsc picks the buckets a latency SLI and a quantile read, and a selector pinning `le` left the
SLI without its threshold bucket (SLODataMissing on a healthy service, and the compile failed its own tests).
A histogram selector requiring `quantile` names a summary's quantile series: no `_bucket` or `_count` carries
it, so the SLI read no series at all and the p99 alert nothing (it compiled and validated).
obsc fills `$window` and `$selector` by their text in the PromQL it checks and writes: in a label value
(`job: "x[$window]"`) one was filled in some places and not in others, and the compile failed its own tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match
from compiler.model.promql_text import SELECTOR, WINDOW
from compiler.spec.document import Path

BUCKET_LABEL = "le"
# A summary's quantile series carry `quantile`; its `_count` and `_sum` do not, and a histogram has none.
QUANTILE_LABEL = "quantile"


def service_label_problems(data: Mapping[str, Any]) -> tuple[list[tuple[Path, str, bool]], set[str]]:
    """(where, message, at the key) for the service's `selector:` and `targets:`, and the selector labels refused
    (the service is built without them, so each metric does not repeat the selector's error)."""
    out: list[tuple[Path, str, bool]] = []
    refused: set[str] = set()
    for part in ("selector", "targets"):
        labels = data.get(part)
        if not isinstance(labels, dict):
            continue
        for label, message in selector_label_problems(labels, part):
            out.append(((part, label), message, True))
            if part == "selector":
                refused.add(label)
        out += [((part, k), problem, False) for k, v in labels.items() if (problem := placeholder_problem(v))]
    return out, refused


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


def placeholder_problem(value: object) -> str:
    """Why a label value cannot hold obsc's placeholders, or ""."""
    found = [word for word in (WINDOW, SELECTOR) if word in str(value)]
    if not found:
        return ""
    return (
        f"label value {str(value)!r} holds {found[0]}, which obsc fills in the PromQL it writes, so the value would "
        "not stay as written; a label value cannot hold $window or $selector"
    )


def metric_matcher_problems(matchers: Iterable[Matcher], histogram: bool) -> list[str]:
    """Messages for a metric's own matchers that obsc cannot keep: placeholders in a value, and on a histogram
    `le` and internal labels."""
    out = []
    for matcher in matchers:
        if problem := placeholder_problem(matcher.value):
            out.append(problem)
        if not histogram:
            continue
        if matcher.label == BUCKET_LABEL:
            out.append(
                f"a histogram's selector may not match le ({matcher.render()}): obsc picks the buckets itself (the "
                "SLI's threshold bucket, every bucket for quantiles); select the histogram by its name and other labels"
            )
        elif matcher.label == QUANTILE_LABEL and not _accepts_no_value(matcher):
            out.append(
                f"a histogram's selector may not require quantile ({matcher.render()}): quantile is the label of a "
                "summary's precomputed quantiles, which have no buckets, and no _bucket or _count series carries it, "
                "so the SLI and the p99 would read nothing; select a histogram (its _bucket series) by its name, or, "
                "with only the summary, declare the metric type: gauge (aggregation: max) and measure it in slices "
                "(sli: {good_when: <metric> < 0.25})"
            )
        elif matcher.label != "__name__" and (problem := _internal(matcher.label, "selector")):
            out.append(problem)
    return out


def excluded_service_matchers(
    metric: Iterable[Matcher], service: Iterable[Matcher], name: str, service_name: str
) -> list[str]:
    """Messages for each of the service's matchers that a `!=`/`!~` of metric `name` on the same label refuses:
    the two stand side by side in the metric's selector (promql.Selector.with_matchers), which then matches no
    series of the service, and its SLO or alert stays silent."""
    own = list(metric)
    picked = {m.label for m in own if m.op in ("=", "=~")}  # these replace the service's matcher
    out = []
    for kept in service:
        for negation in own:
            if kept.label in picked or negation.label != kept.label or negation.op not in ("!=", "!~"):
                continue
            if negation.op == "!=" and negation.value != kept.value:
                continue
            if negation.op == "!~" and full_match(negation.value, kept.value) is not True:
                continue  # passes (or a regex RE2 refuses, reported at the metric already)
            out.append(
                f"{negation.render()} of metric {name!r} refuses {kept.render()}, the selector of service "
                f"{service_name!r}: a negative matcher narrows the service's series and keeps its {kept.render()}, "
                f"so {name!r} would read no series of the service and what reads it would stay silent; drop the "
                "matcher (or, for a platform default, write the metric in the service's spec without it)"
            )
    for kept in service:  # `job=~".+"` in place of the service's `job="pay"`: every job's series, every team's
        same = (m for m in own if m.label == kept.label and m.op == "=~")
        wide = next((m for m in same if admits_every_value(m, kept.value)), None)
        if wide is not None:
            out.append(
                f"{wide.render()} of metric {name!r} replaces {kept.render()}, the selector of service "
                f"{service_name!r}, with a pattern every value passes: {name!r} would read the series of every "
                f"{kept.label}, other services' and other teams' too (their requests dilute this service's error "
                f"ratio, their failures page it); name the value, or leave {kept.label} out of the service's "
                "matchers on purpose with service_selector: [the labels to keep] (or false)"
            )
    return out


_PROBES = ("a", "checkout", "node-exporter", "Z9", "x:y_z", "10.0.0.1:9100")


def admits_every_value(matcher: Matcher, value: str = "a") -> bool:
    """Whether a `=~` matcher passes `value` (the service's) and every probe value (`.+`, `.*`, `(.*)`)."""
    return all(full_match(matcher.value, probe) is True for probe in (value, *_PROBES))


def pins(matcher: Matcher) -> bool:
    """Whether a matcher leaves out most series: `="x"`, or a `=~` some value fails (`!=`/`!~` leave the rest in)."""
    return (matcher.op == "=" and matcher.value != "") or (matcher.op == "=~" and not admits_every_value(matcher))


def _accepts_no_value(matcher: Matcher) -> bool:
    """Whether `matcher` matches a series without its label (Prometheus reads a missing label as "")."""
    if matcher.op in ("=", "!="):
        return (matcher.value == "") == (matcher.op == "=")
    matched = full_match(matcher.value, "")
    return matched is None or matched == (matcher.op == "=~")


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
