"""Scrape targets apart from metrics: the labels `up` carries for the service, and a metric's own labels.

The service selector finds the service's *metrics*; it may hold labels only the metrics carry
(`grpc_service`, `handler`), which the scrape target's `up` series never has, so a ServiceDown built
on it pages forever. `targets:` names the labels of the scrape targets; without it they default to
the selector labels that Prometheus service discovery usually puts on targets, and a selector with
none of them is a located error (obsc cannot know; a guess would page forever or never).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.errors import Diagnostic
from compiler.model import selector_hints
from compiler.model.ambiguous_targets import AMBIGUOUS_LABELS, ambiguous_unknown
from compiler.model.build_context import Ctx
from compiler.model.build_thresholds import RESERVED_LABELS
from compiler.model.exact_matchers import regex_as_exact
from compiler.model.exporter_counters import written_as_counter
from compiler.model.fleet_target_labels import (
    ALWAYS,
    NEVER_ON_SERVICE_UP,
    fleet_up_labels,
    guessed_onto_up,
    left_out_reason,
    none_on_fleet_up,
)
from compiler.model.promql import Matcher, matchers_from_labels, parse_selector
from compiler.model.promql_groups import kept_labels, written_labels
from compiler.model.saturation_check import SATURATION, saturation_problems
from compiler.model.selector_cover import unscoped
from compiler.model.selector_labels import pins
from compiler.model.series_kinds import recorded_counter_problem, recorded_histogram_problem
from compiler.model.targets_text import parse_targets
from compiler.model.types import Aggregation, AlertKind, KeyAlert, MetricType, SliKind
from compiler.model.units import counter_unit_problem, histogram_unit_in_name, histogram_unit_said
from compiler.spec.document import Path

_METRIC_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")

# Labels scrape configs and service discovery put on targets (and so on `up`): Prometheus' own
# job/instance and the usual relabelled Kubernetes / cloud metadata.
TARGET_LABELS = frozenset(
    {
        "job",
        "instance",
        "namespace",
        "cluster",
        "pod",
        "container",
        "node",
        "service",
        "app",
        "env",
        "environment",
        "region",
        "zone",
        "datacenter",
        "dc",
    }
)


# Target labels many services share: alone, they name a place (a namespace, a cluster), not this service.
_SHARED_PLACE = frozenset({"namespace", "cluster", "node", "env", "environment", "region", "zone", "datacenter", "dc"})


def build_targets(
    data: Mapping[str, Any], selector: tuple[Matcher, ...], fleet: frozenset[str] | None = None
) -> tuple[tuple[Matcher, ...], bool]:
    """(matchers of the service's `up` series, whether they could not be told). () for a service nothing
    scrapes (`targets: false`), and when the selector has no usual target label (unknown: True), or only
    labels of a shared place while the labels naming the service are metric labels: `up{namespace="shop"}`
    for `{namespace: shop, app_kubernetes_io_name: cart}` stays up while any other target there is. `fleet`:
    the platform's `target_labels` (None: unsaid, the usual labels are guessed); `pod` is never kept."""
    declared = data.get("targets")
    if declared is False:
        return (), False
    if isinstance(declared, dict):
        return matchers_from_labels({str(k): str(v) for k, v in declared.items()}), False
    if isinstance(declared, str):  # label matchers, for targets no exact value names (blue/green jobs)
        return parse_targets(declared), False
    usual = TARGET_LABELS - NEVER_ON_SERVICE_UP if fleet is None else fleet_up_labels(fleet)
    kept = tuple(m for m in selector if m.label in usual)
    if fleet is None and any(m.label in AMBIGUOUS_LABELS for m in kept):
        # `service: billing-api` may be Micrometer's tag, never on a static scrape config's `up`: kept only
        # when the targets are said; another label naming them (`job`) is read alone, else obsc cannot tell.
        if not any(m.label not in _SHARED_PLACE | AMBIGUOUS_LABELS for m in kept):
            return (), True
        kept = tuple(m for m in kept if m.label not in AMBIGUOUS_LABELS)
    if len(kept) < len(selector) and all(m.label in _SHARED_PLACE for m in kept):
        return (), True
    return kept, not kept


def pushed_only_problem(data: Mapping[str, Any], targets: tuple[Matcher, ...], kinds: Sequence[SliKind]) -> str | None:
    """A service whose SLOs all read a batch job's last success, with its scrape targets guessed from the
    selector: such a job usually pushes through a Pushgateway, whose series carry the job's labels but whose `up`
    is the gateway's, so ServiceDown paged from its first evaluation. Neither guess is safe: it says which. A
    service that counts its own requests (requests, errors or latency) is a server something scrapes."""
    if "targets" in data or not targets or not kinds or any(k is not SliKind.FRESHNESS for k in kinds):
        return None
    if any(name in (data.get("metrics") or {}) for name in ("requests", "errors", "latency")):
        return None
    up = ",".join(m.render() for m in targets)
    labels = ", ".join(f"{m.label}: {m.value}" for m in targets)
    return (
        f"every SLO of this service reads a batch job's last success, which a job usually pushes through a "
        f"Pushgateway (its series get the job's labels, but `up` is the gateway's): ServiceDown would read "
        f"up{{{up}}} and page from its first evaluation; say targets: false if nothing scrapes this service, or "
        f"targets: {{{labels}}} if that scrape target exists"
    )


def target_problems(
    data: Mapping[str, Any],
    selector: tuple[Matcher, ...],
    built: tuple[tuple[Matcher, ...], bool],
    kinds: Sequence[SliKind],
    key_alerts: Sequence[KeyAlert],
    ctx: Ctx,
    fleet: frozenset[str] | None = None,
) -> None:
    """ServiceDown's scrape targets, where a guess would page: unknown labels, or a job that only pushes."""
    targets, unknown = built
    if not any(a.kind is AlertKind.SERVICE_DOWN for a in key_alerts):
        return
    if unknown:
        unknown_targets(selector, ctx, fleet)
    if pushed := pushed_only_problem(data, targets, kinds):
        ctx.error(("selector",), pushed)


def unknown_targets(selector: tuple[Matcher, ...], ctx: Ctx, fleet: frozenset[str] | None = None) -> None:
    """ServiceDown is wanted but the scrape targets' labels cannot be told: a guess would page forever."""
    usual = TARGET_LABELS if fleet is None else fleet_up_labels(fleet)
    places = sorted(m.label for m in selector if m.label in _SHARED_PLACE & usual)
    if fleet is None and any(m.label in AMBIGUOUS_LABELS for m in selector):
        why = ambiguous_unknown(tuple(m for m in selector if m.label in TARGET_LABELS))
        ctx.error(("selector",), f"cannot tell which labels the scrape targets carry: {why}")
        return
    if places:
        own = ", ".join(sorted(m.label for m in selector if m.label not in usual))
        why = (
            f"the selector's target labels ({', '.join(places)}) are shared by every service there, and the labels "
            f"naming this one ({own}) are not usual target labels, so ServiceDown would read every target there "
            "and stay quiet while any is up"
        )
    elif fleet is not None:
        why = none_on_fleet_up(sorted(m.label for m in selector), fleet)
    else:
        why = (
            f"none of the selector's labels ({', '.join(sorted(m.label for m in selector))}) is a usual target "
            "label (job, instance, namespace...), and ServiceDown reads `up` with them"
        )
    ctx.error(
        ("selector",),
        f"cannot tell which labels the scrape targets carry: {why}; declare targets: {{job: ...}} (the labels of "
        "this service's `up` "
        "series), or targets: false when nothing scrapes it (a batch job, serverless, measured from outside)",
    )


def guessed_targets_warnings(
    data: Mapping[str, Any],
    selector: tuple[Matcher, ...],
    targets: tuple[Matcher, ...],
    ctx: Ctx,
    fleet: frozenset[str] | None = None,
) -> tuple[Diagnostic, ...]:
    """A located warning for each selector label the guessed targets leave out of `up`, and, when the platform
    does not say which labels its targets carry, for each guessed onto `up` beside job and instance. Leaving one
    out is right for a metric label (grpc_service) and silent when the label is relabelled onto the targets too
    (node_exporter hosts by role): ServiceDown then read every target of the job and stayed quiet while one of
    another role was up."""
    if "targets" in data or not targets:
        return ()
    up = ",".join(m.render() for m in targets)
    kept = ", ".join(f"{m.label}: {m.value}" for m in targets)
    guessed = tuple(
        Diagnostic(
            ctx.loc(("selector", m.label), key=True),
            ("selector", m.label),
            guessed_onto_up(
                m.label, up, ", ".join(f"{t.label}: {t.value}" for t in targets if t is not m) or "job: ..."
            ),
        )
        for m in (targets if fleet is None else ())
        if m.label not in ALWAYS
    )
    return guessed + tuple(
        Diagnostic(
            ctx.loc(("selector", m.label), key=True),
            ("selector", m.label),
            left_out_reason(m, up, kept, fleet),
        )
        for m in selector
        if m not in targets
    )


def targets_notes(data: Mapping[str, Any], selector: tuple[Matcher, ...], targets: tuple[Matcher, ...]) -> list[str]:
    """`-v` notes: where the scrape-target labels came from when the spec did not say."""
    if "targets" in data:
        return [] if targets else ["no scrape targets (targets: false): no ServiceDown, no instance panel"]
    if not targets:
        return ["no usual scrape-target label in the selector: no instance panel; declare targets: to get one"]
    dropped = sorted(m.label for m in selector if m not in targets)
    if not dropped:
        return []
    shown = ",".join(m.render() for m in targets)
    return [
        f"ServiceDown and the instance panel read up{{{shown}}}: selector label(s) {', '.join(dropped)} are taken "
        "as metric labels, not target labels; declare targets: to choose"
    ]


# ---------------------------------------------------------------- a metric's own labels and aggregation

# Gauges whose sum means nothing: a timestamp (the newest run counts), a ratio (the busiest instance).
_MAX_SUFFIXES = ("_timestamp_seconds", "_timestamp", "_ratio")


_SHARES = ("percent", "percentunit")  # a share adds up to nothing across instances: the busiest one


def default_aggregation(name: str, metric: str, mtype: MetricType, unit: str = "") -> Aggregation:
    """Counters and histograms add up; a gauge adds up unless it is a timestamp (by name or date unit), a
    ratio, a share (percent) or a saturation."""
    timestamp = metric.endswith(_MAX_SUFFIXES) or unit.startswith("dateTime")
    if mtype is MetricType.GAUGE and (name in SATURATION or timestamp or unit in _SHARES):
        return Aggregation.MAX
    return Aggregation.SUM


def service_matchers(
    body: Mapping[str, Any], selector: tuple[Matcher, ...], where: Ctx, path: Path
) -> tuple[Matcher, ...] | None:
    """The service matchers added to a metric's selector: all (default), none (`service_selector: false`,
    e.g. an exporter's series), or the listed labels only. None when the list names an unknown label."""
    wanted = body.get("service_selector", True)
    if wanted is True:
        return selector
    if wanted is False:
        return ()
    known = {m.label for m in selector}
    unknown = [(index, label) for index, label in enumerate(wanted) if label not in known]
    for index, label in unknown:
        where.error(
            (*path, "service_selector", index),
            f"{label!r} is not a label of the service selector (it has {', '.join(sorted(known))})",
        )
    if unknown:
        return None
    return tuple(m for m in selector if m.label in set(wanted))


def metric_option_problems(
    name: str, body: Mapping[str, Any], mtype: MetricType, typed_by_sli: bool = False, counted: bool = False
) -> list[tuple[str, str]]:
    """(key, message) for metric options that cannot apply to this metric. `typed_by_sli`: an SLI fixes its type
    whatever its name (a ratio SLI's counters, a freshness or time-slice SLI's gauge); `counted`: a ratio SLI's."""
    found = []
    if "expr" in body:
        for key in ("service_selector", "aggregation"):
            if key in body:
                found.append(
                    (key, f"{key} applies to a selector metric; an expr places $selector and aggregates itself")
                )
    if mtype is MetricType.HISTOGRAM and body.get("aggregation", "sum") != "sum":
        found.append(("aggregation", "a histogram's buckets are summed by le for quantiles; aggregation must be sum"))
    elif name in ("requests", "errors") and body.get("aggregation", "sum") != "sum":
        found.append(("aggregation", f"{name} are counted events: rates and error ratios add them up; use sum"))
    found += saturation_problems(name, body, mtype)
    if "expr" in body and name in _RECORDED_AS_WRITTEN:
        found += _own_label_problems(str(body["expr"]))
    series = str(body.get("selector", "")).split("{", 1)[0].strip()
    if not _METRIC_NAME.fullmatch(series):
        series = ""  # not a selector (an expression written there, refused where it is parsed): no name to read
    if body.get("service_selector") is False and "selector" in body and not _own_matchers(str(body["selector"])):
        found.append(("service_selector", unscoped(series)))
    found += _histogram_unit_problems(series, body, mtype)
    if mtype is MetricType.COUNTER and (wrong := counter_unit_problem(str(body.get("unit", "")))):
        found.append(("unit", wrong))
    if "selector" in body:
        found += [("", message) for message in regex_as_exact(str(body["selector"]))]
    found += _histogram_base_problems(series, mtype)
    recorded = recorded_counter_problem(series, name in _COUNTED or typed_by_sli, name == "errors")
    if mtype is MetricType.COUNTER and recorded:  # said `type: counter`, or implied (requests, a ratio SLI)
        found.append(("type" if "type" in body else "", recorded))
    elif "type" not in body and series:
        found += _untyped_problems(name, series, typed_by_sli, counted)
    return found


def read_unit(body: Mapping[str, Any], mtype: MetricType) -> str:
    """The metric's unit; a histogram named in a unit that declares none (an error, _histogram_unit_problems) is
    read in its name's unit, as that error asks: read in seconds, a `_milliseconds` histogram's 100ms threshold
    was also told "not a bucket ... the nearest bucket is 1s", a second error for the one missing `unit:`."""
    named = histogram_unit_in_name(str(body.get("selector", "")).split("{", 1)[0].strip())
    if "unit" in body or mtype is not MetricType.HISTOGRAM or named is None:
        return str(body.get("unit", ""))
    return named


def _histogram_unit_problems(series: str, body: Mapping[str, Any], mtype: MetricType) -> list[tuple[str, str]]:
    named_unit = histogram_unit_in_name(series) if mtype is MetricType.HISTOGRAM else None
    if not named_unit or "unit" in body:
        return []
    # Read as seconds, a `_milliseconds` histogram's 250ms threshold matched le="0.25" (no such bucket: the
    # SLO never paged) and its p99 of 300 (ms) was 300 s, above every line: the p99 page never resolved.
    return [
        (
            "",
            f"{series} {histogram_unit_said(series)} but declares no unit, so obsc would read its buckets as "
            f'seconds (a 250ms threshold as le="0.25", a 300 ms p99 as 300 s): write it as '
            f"{{selector: {series}, unit: {named_unit}}} (or `unit: s` if its buckets really are seconds)",
        )
    ]


def type_unsaid(name: str, body: Mapping[str, Any], typed_by_sli: bool, counted: bool = False) -> bool:
    """Whether the metric's type is an error of its own (_untyped_problems): what reads it as the type obsc would
    guess says nothing more (a gauge's `above: 30s` was also told "'lag' is a counter: write 10/m")."""
    series = str(body.get("selector", "")).split("{", 1)[0].strip()
    return "type" not in body and bool(series) and bool(_untyped_problems(name, series, typed_by_sli, counted))


def _histogram_base_problems(series: str, mtype: MetricType) -> list[tuple[str, str]]:
    base = _histogram_base(series) if mtype is MetricType.HISTOGRAM else None
    if mtype is MetricType.HISTOGRAM and (recorded := recorded_histogram_problem(series)):
        return [("", recorded)]
    if not base:
        return []
    # Read as a base name, `x_seconds_bucket` became `x_seconds_bucket_bucket`: no series, the SLO never paged
    # (only SLODataMissing said so, at run time).
    return [
        (
            "",
            f"{series} is one of a histogram's own series, and obsc reads a histogram by its base name "
            f"({series}_bucket would match nothing): write {base}",
        )
    ]


def _untyped_problems(name: str, series: str, typed_by_sli: bool, counted: bool = False) -> list[tuple[str, str]]:
    """A metric without `type:` whose name does not say how it is read (`typed_by_sli`: an SLI says it; `counted`:
    a ratio SLI counts it, so it must still look like a counter, a histogram's `_bucket{le=...}` included)."""
    named = _COUNTER_SUFFIXES if name in _COUNTED else (*_COUNTER_SUFFIXES, "_bucket")
    if (name in _COUNTED or counted) and not series.endswith(named) and not written_as_counter(series):
        # requests and errors are read as counters: a recorded rate (`job:http_requests:rate5m`) or another gauge
        # in their place had a rate of change of ~0, so a total outage read as no failures and never paged; so
        # were a ratio SLI's (round 39: `{good: available, total: desired}` over a Deployment's replica counts).
        how = f"{name} are counted" if name in _COUNTED else f"a ratio SLI counts {name}"
        if bucket := selector_hints.bucket_as_events(series, name) if name in _COUNTED else None:
            return [("", bucket)]
        return [
            (
                "",
                f"{series} is not named like a counter (..._total), and {how} as a per-second rate: "
                "a recorded rate or another gauge read that way is about 0 and an outage never pages; name the "
                "counter it comes from, or say `type: counter` if this series counts events",
            )
        ]
    if name in _TYPED or typed_by_sli:
        return []
    if series.endswith(_COUNT_OR_GAUGE_SUFFIXES):
        # `pg_stat_activity_count` is a gauge (connections now), a histogram's `x_count` a counter: read as a
        # counter, the gauge's rate of change (~0 while 500 connections stay open) never crossed its line.
        return [
            (
                "",
                f"{series} ends like a histogram's or summary's counter, and like an exporter's gauge counting "
                "things now (connections, rows): say `type: counter` to compare its per-second rate, or "
                "`type: gauge` to compare it as it is",
            )
        ]
    if not series.endswith(_COUNTER_SUFFIXES) and not written_as_counter(series):
        # A selector without a type was a counter, read as a per-second rate: a gauge (a lag, a temperature)
        # was compared as its rate of change, ~0, and its alerts never fired.
        return [
            (
                "",
                f"{series} is not named like a counter (..._total): say `type: gauge` to compare it as it is, "
                "`type: counter` to compare its per-second rate, or `type: histogram` for a histogram's base name "
                "(its _bucket and _count series are read)",
            )
        ]
    return []


def _histogram_base(series: str) -> str | None:
    """The base name of a histogram's `_bucket` series, or of its `_count`/`_sum` when the base ends in a unit
    (`x_seconds_count`); a base name of its own may end in `_count` (`batch_item_count`)."""
    if series.endswith("_bucket"):
        return series.removesuffix("_bucket")
    base = series.removesuffix("_count").removesuffix("_sum")
    return base if base != series and (base.endswith(("_seconds", "_bytes")) or histogram_unit_in_name(base)) else None


def named_like_counter(body: Mapping[str, Any]) -> bool:
    return str(body.get("selector", "")).split("{", 1)[0].strip().endswith(_COUNTER_SUFFIXES)


def _own_matchers(text: str) -> bool:
    """Whether the selector has a matcher of its own that finds some series only (`job=~".+"` finds every job's)."""
    try:
        return any(pins(m) for m in parse_selector(text).matchers)
    except ValueError:
        return True  # reported where the metric is built


_TYPED = ("requests", "errors", "latency", "cpu", "memory", "disk", "build_info")  # well-known: types implied
_COUNTED = ("requests", "errors")  # well-known counters: their series must still look like one
_COUNTER_SUFFIXES = ("_total", "_count", "_sum")
_COUNT_OR_GAUGE_SUFFIXES = ("_count", "_sum")  # a histogram's counters, or a gauge's name: the type must be said

# Metrics whose expression obsc records as written (service:requests:rate5m, service:cpu_utilisation:ratio...),
# labelled with its own `service`, and alerts on with its own labels; other metrics' are aggregated first.
_RECORDED_AS_WRITTEN = ("requests", "errors", "cpu", "memory", "disk")


def _own_label_problems(expr: str) -> list[tuple[str, str]]:
    """An expression keeping a label obsc sets (`max by (service)` over a Kubernetes Service label): two series
    that differ only there would become one labelset, and Prometheus fails the rule (nothing recorded, no alert)."""
    own = [*kept_labels(expr).labels, *written_labels(expr)]
    kept = [label for label in own if label in RESERVED_LABELS or label.startswith("__")]
    if not kept:
        return []
    label = kept[0]
    return [
        (
            "expr",
            f"the expression keeps the label {label!r}, which obsc sets itself on the series it records from it and "
            f"on their alerts: series that differ only in {label} would become one, and Prometheus would fail the "
            f"rule (nothing recorded, no alert); aggregate it away, e.g. sum without ({label}) (...)",
        )
    ]
