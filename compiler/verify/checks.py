"""What `obsc verify` asks a live Prometheus about one service, each answer a located finding.

- the service's selector matches targets on `up`;
- every selector metric has series (with the service's matchers) within the lookback (a histogram's `_count` only
  where its `+Inf` bucket has none), and a metric name that does not exist at all gets a did-you-mean from the
  server's metric names; a counter narrowed to some events (`errors: x_total{code=~"5.."}`) with none yet is a note
  while its family has series (a healthy service has no error series before its first error), a finding once the
  family is gone too; a histogram that is a summary (`quantile` series, no buckets) is said so;
- every latency threshold is a bucket bound of its histogram (else the SLI reads a bucket that is not there);
- every p99 alert line is below the histogram's largest finite bucket (a p99 is never computed above it), and not
  under the live p99 over the lookback and now (it would page for as long as the service serves: p99_now.py);
- build info read by the deployment notice has a `version` label (it counts versions by it);
- every raw SLI's total returns series (or is idle by `idle_while`, idle_source.py), names only metrics that exist;
- every SLO's period fits in the server's retention (else its budget reads a shorter history than it says), and
  its total's series are not an HA pair's copies (each event counted twice: series_copies.py);
- every SLO's `min_bad_events` fits in its fastest page window at the last day's mean traffic, a grouped SLO's
  per group (event_floor.py, group_floor.py); no `by:` makes more groups than the platform's bound (group_bound.py);
- the service's targets are scraped, configured and observed as often as the platform declares; obsc's rule groups,
  where loaded, evaluate as often as their alerts' holds (scrapes.py), healthy and as the specs compile (rules.py).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.model import promql_text
from compiler.model.le_spellings import le_matcher
from compiler.model.promql import Matcher, Selector, expand
from compiler.model.thresholds import narrowed_counter_family
from compiler.model.types import AlertKind, Metric, MetricType, Service, Sli, SliKind, Slo
from compiler.model.units import HISTOGRAM_SECONDS, decimal_text, format_duration, parse_duration
from compiler.spec.document import Document, Path
from compiler.verify import group_bound, live_series, rules, scrapes, series_copies, targets
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected
from compiler.verify.empty_expr import why_empty
from compiler.verify.event_floor import check_event_floor
from compiler.verify.gauge_rates import check_gauge_rates
from compiler.verify.idle_source import idle_now
from compiler.verify.p99_now import check_p99_now

_NAME_IN_QUERY = re.compile(r"(?<![\w:$.\"'])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)")


@dataclass
class Context:
    prometheus: Prometheus
    lookback: str  # a PromQL duration, e.g. 1h
    metric_names: Callable[[], list[str]]  # the server's metric names (fetched once, on first use)
    rule_groups: Callable[[], list[dict[str, Any]]]  # the server's rule groups (fetched once, on first use)
    rule_file: Callable[[str], str | None]  # a service's rule file as the specs compile it
    services: tuple[str, ...] = ()  # every service of the fleet (whose groups are whose)
    retention: Callable[[], str | None] = lambda: None  # the server's storageRetention (`15d or 1GiB`), if said
    scrape: scrapes.Declared = field(default_factory=scrapes.Declared)  # the platform's declared scrape interval
    job_intervals: Callable[[], dict[str, int] | None] = lambda: None  # each scrape job's interval, if said
    lookback_delta: Callable[[], int] = lambda: scrapes.DEFAULT_LOOKBACK_SECONDS  # the server's, in seconds
    bounds: dict[str, list[float]] = field(default_factory=dict)  # each histogram's live `le` bounds, once asked
    types: dict[str, str] = field(default_factory=dict)  # each metric's TYPE on the server, once asked
    label_names: Callable[[], list[str]] = lambda: []  # every label name on the server (fetched once, if asked)
    groups: group_bound.Bound = field(default_factory=group_bound.Bound)  # the platform's `defaults.max_groups`


def check_service(service: Service, doc: Document | None, ctx: Context) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(findings, notes): a finding says the spec does not match the server; a note is worth knowing but is
    how a healthy service looks (no error series before its first error)."""

    def at(path: Path, fallback: Location) -> Location:
        return doc.locate(path) if doc is not None else fallback

    findings: list[Diagnostic] = []
    notes: list[Diagnostic] = []

    def find(path: Path, fallback: Location, message: str) -> None:
        findings.append(Diagnostic(at(path, fallback), path, message))

    def note(path: Path, fallback: Location, message: str) -> None:
        notes.append(Diagnostic(at(path, fallback), path, message))

    def on_platform(into: list[Diagnostic]) -> Find:
        # a platform default metric: located in the platform file, once per service that inherits it
        def add(path: Path, where: Location, message: str) -> None:
            into.append(Diagnostic(where, ("defaults", *path), f"service {service.name!r}: {message}"))

        return add

    declared = doc is not None and isinstance(doc.data, dict) and "targets" in doc.data
    where: Path = ("targets",) if declared else ("selector",)
    targets.check_targets(service, ctx.prometheus, ctx.lookback, lambda expr: _count(ctx, expr), where, find)
    timing = (find, on_platform(findings))
    scrapes.check_scrapes(service, where, ctx.scrape, ctx.job_intervals(), ctx.prometheus, timing)
    totals = {"requests"} | {m.name for s in service.slos for m in (s.sli.total, s.sli.good) if m is not None}
    for metric in service.metrics:
        own = metric.location.file == service.location.file
        found, noted = (find, note) if own else (on_platform(findings), on_platform(notes))
        # a narrowed total or good-events counter with no series is no healthy quiet: the SLO counts nothing
        _metric(metric, service, ctx, found, noted, total=metric.name in totals)
        _infinite_bucket(metric, service, ctx, found)
        live_series.check_drops(metric, ("metrics", metric.name), ctx.lookback, _quiet_count(ctx), found)
    count = _quiet_count(ctx)  # an SLI query Prometheus rejects is reported where it is written
    doc_slos = (doc.data.get("slos") or []) if doc is not None and isinstance(doc.data, dict) else []
    names = [s.get("name") if isinstance(s, dict) else None for s in doc_slos]
    past = group_bound.check_slos(service, names, ctx.lookback, ctx.groups, count, find)  # totals past the bound
    for slo in service.slos:
        index = names.index(slo.name) if slo.name in names else 0
        path: Path = ("slos", index, "sli")
        sli = slo.sli
        _retention(slo, ("slos", index, "period"), ctx, find)
        own_floor = slo.name in names and isinstance(doc_slos[index], dict) and "min_bad_events" in doc_slos[index]
        floor_path: Path = ("slos", index, "min_bad_events") if own_floor else ("slos", index)
        if live_series.total_expr(service, slo, None) not in past:  # else the floor's query reads every series
            check_event_floor(slo, floor_path, own_floor, ctx.prometheus, (find, note), ("slos", index, "objective"))
        series_copies.check_total_series(slo, path, ctx.prometheus, ctx.label_names, find)
        check_gauge_rates(slo, path, ctx.prometheus, find, ctx.types)
        if sli.kind is SliKind.LATENCY and sli.latency is not None and sli.threshold_le is not None:
            _bucket(sli.latency, sli.threshold_le, (*path, "threshold"), slo.location, ctx, find)
        elif sli.kind is SliKind.RAW:
            for key, text in (("total", sli.raw_total or ""), ("errors", sli.raw_errors or "")):
                _raw(text, key, (service, sli), (*path, "raw", key), slo.location, ctx, find)
    written_alerts = doc.data.get("alerts") if doc is not None and isinstance(doc.data, dict) else None
    own_p99 = isinstance(written_alerts, dict) and "latency_p99" in written_alerts
    p99_path: Path = ("alerts", "latency_p99") if own_p99 else ("metrics", "latency")
    _p99_lines(service, p99_path, ctx, find)
    check_p99_now(service, p99_path, ctx.lookback, ctx.prometheus, (find, on_platform(findings)))
    _build_versions(service, ctx, find)
    groups = rules.owned_groups(ctx.rule_groups(), service.name, ctx.services)
    slo_index = {name: i for i, name in enumerate(names) if isinstance(name, str)}
    written = doc.data.get("threshold_alerts") if doc is not None and isinstance(doc.data, dict) else None
    alert_paths: dict[str, Path] = {
        str(a.get("name")): ("threshold_alerts", i) for i, a in enumerate(written or []) if isinstance(a, dict)
    }
    group_bound.check_alerts(service, alert_paths, ctx.lookback, ctx.groups, count, find)
    if groups:
        scrapes.check_evaluation(service, groups, ctx.lookback_delta(), find)
    rules.check_rules(service, groups, ctx.rule_file(service.name), (slo_index, alert_paths), count, find)
    return findings, notes


Find = Callable[[Path, Location, str], None]


def _count(ctx: Context, expr: str) -> int:
    result = ctx.prometheus.query(f"count({expr})")
    try:
        return int(float(result[0]["value"][1])) if result else 0
    except (KeyError, IndexError, TypeError, ValueError):
        raise NotPrometheus(f"{ctx.prometheus.url}: /api/v1/query answered with a sample of another shape") from None


def retention_seconds(said: str) -> int | None:
    """The time limit of a storageRetention text (`15d`, `90d or 1GiB`); None for a size limit alone."""
    for part in said.split(" or "):
        try:
            return parse_duration(part.strip()) or None
        except ValueError:
            continue
    return None


def _retention(slo: Slo, path: Path, ctx: Context, find: Find) -> None:
    """A retention shorter than the period cuts the period's window: the budget left, its info alerts and the time
    to exhaustion read what is kept while they say the period (Prometheus's default retention is 15d)."""
    said = ctx.retention()
    kept = retention_seconds(said) if said else None
    if kept is None or slo.period_seconds <= kept:
        return
    period = format_duration(slo.period_seconds)
    find(
        path,
        slo.location,
        f"SLO {slo.name!r}: its {period} period is longer than the server's retention ({said}, "
        f"/api/v1/status/runtimeinfo): its {period} error ratio, error budget left, SLOErrorBudgetLow/Exhausted "
        f"and time to exhaustion read at most {format_duration(kept)} of history while they say {period}; "
        f"keep at least {period} (--storage.tsdb.retention.time) or give the SLO a period the server keeps",
    )


def _metric(metric: Metric, service: Service, ctx: Context, find: Find, note: Find, total: bool = False) -> None:
    """`total`: the metric counts an SLO's total or good events, which a narrowed selector matching nothing
    leaves empty (the SLO reads no events), unlike failures, none of which is how a healthy service looks."""
    path: Path = ("metrics", metric.name)
    if metric.selector is None:
        expr = expand(metric.expr or "", (), "5m")
        unknown = _unknown_name(expr, ctx)
        if unknown:
            find(path, metric.location, unknown)
            return
        try:
            if not _count(ctx, f"({expr})"):
                empty = why_empty(expr, ctx.lookback, _quiet_count(ctx), ctx.prometheus)
                find(path, metric.location, f"the expression returns no series now: {expr}{empty}")
        except QueryRejected as exc:
            find(path, metric.location, f"Prometheus rejects the expression: {exc}")
        return
    names = [metric.selector.metric]
    if metric.type is MetricType.HISTOGRAM:
        names = [f"{metric.selector.metric}_bucket", f"{metric.selector.metric}_count"]
    for name in names:
        rendered = metric.selector.render(name)
        try:
            if _count(ctx, f"last_over_time({rendered}[{ctx.lookback}])") or _counted_by_inf(metric, name, ctx):
                continue
            family = narrowed_counter_family(metric, service.selector)
            if family is not None and _count(ctx, f"last_over_time({family.render()}[{ctx.lookback}])"):
                _narrowed(metric, family, ctx, (find, note), total)
                return
        except QueryRejected as exc:
            find(path, metric.location, f"Prometheus rejects {rendered}: {exc}")
            return
        why = _summary(metric, ctx) if name.endswith("_bucket") else None
        find(path, metric.location, f"no series for {rendered} in the last {ctx.lookback}" + (why or _why(name, ctx)))
        return


def _narrowed(metric: Metric, family: Selector, ctx: Context, finds: tuple[Find, Find], total: bool) -> None:
    """A narrowed counter with no series while its family has some: a note for failures (client libraries create
    an error series at the first error), a finding for a total, or for a value its label is never spelt as."""
    find, note = finds
    assert metric.selector is not None
    path: Path = ("metrics", metric.name)
    rendered, lookback = metric.selector.render(), ctx.lookback
    wrong, hint = live_series.misspelt(metric, family, ctx.prometheus, _quiet_count(ctx), lookback)
    said = f"no series for {rendered} in the last {lookback}, but {family.render()} has series{hint}"
    if wrong is not None:
        find(path, metric.location, f"{said}: {wrong}")
    elif total:
        find(path, metric.location, f"{said}: the SLO counts no events; narrow it to labels the series carry")
    else:
        note(
            path,
            metric.location,
            f"{said}: none of these events since the counter started (normal for a healthy service)",
        )


def _quiet_count(ctx: Context) -> Callable[[str], int]:
    """_count, with 0 for a query Prometheus refuses (the selector it is built from is reported on its metric)."""

    def count(expr: str) -> int:
        try:
            return _count(ctx, expr)
        except QueryRejected:
            return 0

    return count


def _counted_by_inf(metric: Metric, name: str, ctx: Context) -> bool:
    """Whether `name` is a histogram's `_count` that no rule needs: its `+Inf` bucket has series, and that bucket
    is what the latency SLI and the p99 alert count requests by (OpenMetrics leaves `_count` out of a histogram
    without `_sum`); `_count` is read only for a series without it."""
    if metric.type is not MetricType.HISTOGRAM or metric.selector is None or not name.endswith("_count"):
        return False
    every = metric.selector.render(metric.selector.metric + "_bucket", (Matcher("le", "=", "+Inf"),))
    return bool(_count(ctx, f"last_over_time({every}[{ctx.lookback}])"))


def _summary(metric: Metric, ctx: Context) -> str | None:
    """Why a histogram has no `_bucket` series when it is a summary (`quantile` series): every query obsc
    writes over it reads buckets, so its p99 alert and latency SLOs read nothing and never fire."""
    assert metric.selector is not None
    quantiles = metric.selector.render(metric.selector.metric, (Matcher("quantile", "!=", ""),))
    try:
        if not _count(ctx, f"last_over_time({quantiles}[{ctx.lookback}])"):
            return None
    except QueryRejected:
        return None
    return (
        f": {metric.selector.metric} is a summary (it has `quantile` series, no buckets), and the p99 alert and "
        "latency SLOs read buckets, so they can never fire; export it as a histogram, or set "
        "alerts.latency_p99: false and use no latency SLO over it"
    )


def _why(name: str, ctx: Context) -> str:
    known = ctx.metric_names()
    if name in known:
        return f": {name} exists, but not with these label matchers"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
    return f": no metric is named {name}" + (f"; did you mean {', '.join(close)}?" if close else "")


def _bucket(histogram: Metric, threshold: Decimal, path: Path, fallback: Location, ctx: Context, find: Find) -> None:
    assert histogram.selector is not None
    bucket = histogram.selector.metric + "_bucket"
    matcher = le_matcher(threshold)
    wanted = histogram.selector.render(bucket, (matcher,))
    try:
        if _count(ctx, f"last_over_time({wanted}[{ctx.lookback}])"):
            bound = f"{decimal_text(threshold)}{histogram.unit or 's'}"
            if two := live_series.two_layouts(histogram.selector, matcher, bound, _quiet_count(ctx), ctx.lookback):
                find(path, fallback, two)
            return
        present = ctx.prometheus.query(
            f"count by (le) (last_over_time({histogram.selector.render(bucket)}[{ctx.lookback}]))"
        )
    except QueryRejected:
        return  # the same selector is reported on the metric
    bounds = sorted({s["metric"].get("le", "") for s in present}, key=_le_order)
    if not bounds:
        return  # the histogram itself has no series: reported on the metric
    find(
        path,
        fallback,
        f'{bucket} has no bucket at {decimal_text(threshold)}{histogram.unit or "s"} (le=~"{matcher.value}"); '
        f"its buckets are le={', '.join(bounds)}: "
        "pick one of them as the threshold, or add the bucket to the histogram",
    )


def _p99_lines(service: Service, path: Path, ctx: Context, find: Find) -> None:
    """A p99 line at or above the live histogram's largest finite bucket: histogram_quantile caps a quantile
    among slower requests at that bound, so the alert can never fire. `compile` refuses it for buckets a spec
    declares; most specs declare none (the client's defaults end at 10 s, a custom layout often at 1 s)."""
    histogram = service.metric("latency")
    lines = [a for a in service.key_alerts if a.kind is AlertKind.LATENCY_P99 and a.threshold is not None]
    if histogram is None or histogram.selector is None or not lines:
        return
    if (live := _live_bounds(histogram, ctx)) is None:
        return
    bucket, bounds = live
    finite = [b for b in bounds if math.isfinite(b)]  # not +Inf, nor a NaN a broken exporter wrote
    if not finite:
        return  # no series (reported on the metric), or only +Inf: no quantile to cap
    raw = Decimal(repr(max(finite)))
    top = raw * HISTOGRAM_SECONDS.get(histogram.unit, Decimal(1))
    for alert in lines:
        assert alert.threshold is not None
        if alert.threshold >= top:
            find(
                path,
                alert.location,
                f"latency_p99 ({alert.tier.value}): the line {decimal_text(alert.threshold)}s is not below the "
                f"largest bucket of {bucket} ({decimal_text(top)}s): p99 is never computed above it, so the "
                "alert can never fire; lower the line or add larger buckets to the histogram"
                + (
                    f" (or, if its buckets are seconds, write unit: s: le={decimal_text(raw)} then reads as "
                    f"{decimal_text(raw)}s)"
                    if top < raw
                    else ""
                ),
            )


def _live_bounds(histogram: Metric, ctx: Context) -> tuple[str, list[float]] | None:
    """The histogram's `_bucket` selector and the `le` bound of each live series; None without a selector or
    when the server refuses the query (the same selector is reported on the metric)."""
    if histogram.selector is None:
        return None
    bucket = histogram.selector.render(histogram.selector.metric + "_bucket")
    if bucket not in ctx.bounds:  # asked by the p99 lines and the +Inf and unit checks: once
        try:
            present = ctx.prometheus.query(f"count by (le) (last_over_time({bucket}[{ctx.lookback}]))")
        except QueryRejected:
            return None
        ctx.bounds[bucket] = [_le_order(s["metric"].get("le", "")) for s in present]
    return bucket, ctx.bounds[bucket]


def _infinite_bucket(histogram: Metric, service: Service, ctx: Context, find: Find) -> None:
    """A histogram whose live buckets have no `le="+Inf"` (an exporter that converts may write none):
    histogram_quantile() is NaN for every quantile, so its dashboard quantiles are NaN (the p99 alert's records
    read `_count` in its place, as a latency SLO does)."""
    if histogram.type is not MetricType.HISTOGRAM or (live := _live_bounds(histogram, ctx)) is None:
        return
    bucket, bounds = live
    said = live_series.unit_mismatch(histogram, bounds, _expected(histogram, service), _quiet_count(ctx), ctx.lookback)
    if said:
        find(("metrics", histogram.name), histogram.location, said)
    if not bounds or math.inf in bounds:
        return  # no series (reported on the metric), or a whole histogram
    p99 = histogram.name == "latency" and any(a.kind is AlertKind.LATENCY_P99 for a in service.key_alerts)
    find(
        ("metrics", histogram.name),
        histogram.location,
        f'{bucket} has no le="+Inf" bucket: histogram_quantile() is NaN for every quantile, so its dashboard '
        "quantiles show NaN"
        + (" (ServiceHighLatencyP99 reads the _count in its place)" if p99 else "")
        + '; have the exporter write le="+Inf" (the count of every observation)',
    )


def _expected(histogram: Metric, service: Service) -> Decimal | None:
    """The shortest latency the spec names for the histogram, in seconds: an SLO threshold over it, a p99 line."""
    said = [s.sli.threshold_seconds for s in service.slos if s.sli.latency is not None and s.sli.latency == histogram]
    if histogram.name == "latency":
        said += [a.threshold for a in service.key_alerts if a.kind is AlertKind.LATENCY_P99]
    return min((d for d in said if d is not None), default=None)


def _build_versions(service: Service, ctx: Context, find: Find) -> None:
    """Build info whose series have no `version` label: the deployment notice counts versions by that label,
    so every build is one group and a rollout never fires it (`revision`, `git_sha` instead)."""
    info = service.metric("build_info")
    if info is None or info.selector is None or not any(a.kind is AlertKind.DEPLOYMENT for a in service.key_alerts):
        return
    every = f"last_over_time({info.selector.render()}[{ctx.lookback}])"
    versioned = f"last_over_time({info.selector.render(extra=(Matcher('version', '!=', ''),))}[{ctx.lookback}])"
    try:
        if _count(ctx, versioned) or not (present := ctx.prometheus.query(f"topk(1, {every})")):
            return  # versions there, or no series (reported on the metric)
    except QueryRejected:
        return  # the same selector is reported on the metric
    labels = sorted(k for k in present[0]["metric"] if k != "__name__")
    find(
        ("metrics", "build_info"),
        info.location,
        f"{info.selector.render()} has no `version` label (its labels: {', '.join(labels) or 'none'}): the "
        "deployment notice counts running versions by `version`, so every build reads as one and it never fires; "
        "relabel the version label to `version` (metric_relabel_configs), or set alerts.deployment: false",
    )


def _le_order(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _raw(text: str, key: str, of: tuple[Service, Sli], path: Path, at: Location, ctx: Context, find: Find) -> None:
    unknown = _unknown_name(text, ctx)
    if unknown:
        find(path, at, unknown)
        return
    if key != "total":
        return
    expr = expand(text, of[0].selector, ctx.lookback)
    try:
        if not _count(ctx, f"({expr})") and not idle_now(of[1], ctx.prometheus):  # idle as SLODataMissing reads
            find(path, at, f"the total query returns no series over the last {ctx.lookback}: {expr}")
    except QueryRejected as exc:
        find(path, at, f"Prometheus rejects the query: {exc}")


def _unknown_name(text: str, ctx: Context) -> str:
    """A message for the first metric a query names that the server has never seen ('' when all exist)."""
    known = ctx.metric_names()
    for name in sorted(set(_NAME_IN_QUERY.findall(promql_text.emptied(text)))):  # `route="/cart{id}"` names none
        if name not in known and not name.startswith(conventions.RECORD_PREFIX_SLO + ":"):
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
            return f"no metric is named {name}" + (f"; did you mean {', '.join(close)}?" if close else "")
    return ""
