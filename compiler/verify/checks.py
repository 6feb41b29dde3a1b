"""What `obsc verify` asks a live Prometheus about one service, each answer a located finding.

- the service's selector matches targets on `up`;
- every selector metric has series (with the service's matchers) within the lookback, and a metric name
  that does not exist at all gets a did-you-mean from the server's metric names;
- every latency threshold is a bucket bound of its histogram (else the SLI reads a bucket that is not there);
- every raw SLI's total query returns series and names only metrics that exist;
- obsc's rule groups for the service, when loaded there, are healthy.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.model import queries
from compiler.model.promql import expand
from compiler.model.types import Metric, MetricType, Service, SliKind
from compiler.model.units import decimal_text
from compiler.spec.document import Document, Path
from compiler.verify.client import Prometheus, QueryRejected

_NAME_IN_QUERY = re.compile(r"(?<![\w:$.\"'])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)")


@dataclass
class Context:
    prometheus: Prometheus
    lookback: str  # a PromQL duration, e.g. 1h
    metric_names: Callable[[], list[str]]  # the server's metric names (fetched once, on first use)


def check_service(service: Service, doc: Document | None, ctx: Context) -> list[Diagnostic]:
    def at(path: Path, fallback: Location) -> Location:
        return doc.locate(path) if doc is not None else fallback

    findings: list[Diagnostic] = []

    def find(path: Path, fallback: Location, message: str) -> None:
        findings.append(Diagnostic(at(path, fallback), path, message))

    def platform_find(path: Path, where: Location, message: str) -> None:
        # a platform default metric: located in the platform file, once per service that inherits it
        findings.append(Diagnostic(where, ("defaults", *path), f"service {service.name!r}: {message}"))

    _targets(service, ctx, find)
    for metric in service.metrics:
        _metric(metric, ctx, find if metric.location.file == service.location.file else platform_find)
    names = (
        [s.get("name") for s in (doc.data.get("slos") or [])] if doc is not None and isinstance(doc.data, dict) else []
    )
    for slo in service.slos:
        index = names.index(slo.name) if slo.name in names else 0
        path: Path = ("slos", index, "sli")
        sli = slo.sli
        if sli.kind is SliKind.LATENCY and sli.latency is not None and sli.threshold_le is not None:
            _bucket(sli.latency, sli.threshold_le, (*path, "threshold"), slo.location, ctx, find)
        elif sli.kind is SliKind.RAW:
            for key, text in (("total", sli.raw_total or ""), ("errors", sli.raw_errors or "")):
                _raw(text, key, service, (*path, "raw", key), slo.location, ctx, find)
    _rules(service, {name: i for i, name in enumerate(names) if isinstance(name, str)}, ctx, find)
    return findings


Find = Callable[[Path, Location, str], None]


def _count(ctx: Context, expr: str) -> int:
    result = ctx.prometheus.query(f"count({expr})")
    return int(float(result[0]["value"][1])) if result else 0


def _targets(service: Service, ctx: Context, find: Find) -> None:
    up = queries.up(service)
    if _count(ctx, f"last_over_time({up}[{ctx.lookback}])"):
        return
    hints = []
    for matcher in service.selector:
        if matcher.op == "=":
            known = ctx.prometheus.label_values(matcher.label, "up")
            close = difflib.get_close_matches(matcher.value, known, n=3, cutoff=0.6)
            hints.append(
                f"{matcher.label} on up: did you mean {', '.join(repr(c) for c in close)}?"
                if close
                else f"{matcher.label} values on up: {', '.join(repr(k) for k in known[:8]) or 'none'}"
            )
    find(
        ("selector",),
        service.location,
        f"no scrape target matches {up} in the last {ctx.lookback}: the selector is not on `up`"
        + (f" ({'; '.join(hints)})" if hints else ""),
    )


def _metric(metric: Metric, ctx: Context, find: Find) -> None:
    path: Path = ("metrics", metric.name)
    if metric.selector is None:
        expr = expand(metric.expr or "", (), "5m")
        unknown = _unknown_name(expr, ctx)
        if unknown:
            find(path, metric.location, unknown)
            return
        try:
            if not _count(ctx, f"({expr})"):
                find(path, metric.location, f"the expression returns no series now: {expr}")
        except QueryRejected as exc:
            find(path, metric.location, f"Prometheus rejects the expression: {exc}")
        return
    names = [metric.selector.metric]
    if metric.type is MetricType.HISTOGRAM:
        names = [f"{metric.selector.metric}_bucket", f"{metric.selector.metric}_count"]
    for name in names:
        rendered = metric.selector.render(name)
        if _count(ctx, f"last_over_time({rendered}[{ctx.lookback}])"):
            continue
        find(path, metric.location, f"no series for {rendered} in the last {ctx.lookback}" + _why(name, ctx))
        return


def _why(name: str, ctx: Context) -> str:
    known = ctx.metric_names()
    if name in known:
        return f": {name} exists, but not with these label matchers"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
    return f": no metric is named {name}" + (f"; did you mean {', '.join(close)}?" if close else "")


def _bucket(histogram: Metric, threshold: Decimal, path: Path, fallback: Location, ctx: Context, find: Find) -> None:
    assert histogram.selector is not None
    bucket = histogram.selector.metric + "_bucket"
    matcher = queries.le_matcher(threshold)
    wanted = histogram.selector.render(bucket, (matcher,))
    if _count(ctx, f"last_over_time({wanted}[{ctx.lookback}])"):
        return
    present = ctx.prometheus.query(
        f"count by (le) (last_over_time({histogram.selector.render(bucket)}[{ctx.lookback}]))"
    )
    bounds = sorted({s["metric"].get("le", "") for s in present}, key=_le_order)
    if not bounds:
        return  # the histogram itself has no series: reported on the metric
    find(
        path,
        fallback,
        f'{bucket} has no bucket at {decimal_text(threshold)}s (le=~"{matcher.value}"); '
        f"its buckets are le={', '.join(bounds)}: "
        "pick one of them as the threshold, or add the bucket to the histogram",
    )


def _le_order(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _raw(text: str, key: str, service: Service, path: Path, fallback: Location, ctx: Context, find: Find) -> None:
    unknown = _unknown_name(text, ctx)
    if unknown:
        find(path, fallback, unknown)
        return
    if key != "total":
        return
    expr = expand(text, service.selector, ctx.lookback)
    try:
        if not _count(ctx, f"({expr})"):
            find(path, fallback, f"the total query returns no series over the last {ctx.lookback}: {expr}")
    except QueryRejected as exc:
        find(path, fallback, f"Prometheus rejects the query: {exc}")


def _unknown_name(text: str, ctx: Context) -> str:
    """A message for the first metric a query names that the server has never seen ('' when all exist)."""
    known = ctx.metric_names()
    for name in sorted(set(_NAME_IN_QUERY.findall(text))):
        if name not in known and not name.startswith(conventions.RECORD_PREFIX_SLO + ":"):
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
            return f"no metric is named {name}" + (f"; did you mean {', '.join(close)}?" if close else "")
    return ""


def _rules(service: Service, slo_index: dict[str, int], ctx: Context, find: Find) -> None:
    """obsc's groups for the service, if this server loaded them: every rule healthy, and once evaluated,
    each SLO's recorded series present (its objective always; its 5m total whenever the SLI has traffic)."""
    prefix = conventions.rule_group_name(service.name, "")
    evaluated = False
    for group in ctx.prometheus.rule_groups():
        if not str(group.get("name", "")).startswith(prefix):
            continue
        for rule in group.get("rules") or []:
            evaluated = evaluated or not str(rule.get("lastEvaluation", "0001")).startswith("0001")
            if rule.get("health") not in (None, "ok", "unknown"):
                name = rule.get("name", "?")
                error = rule.get("lastError") or rule.get("health")
                message = f"loaded rule {name} in group {group['name']} is unhealthy: {error}"
                find(("service",), service.location, message)
    if not evaluated:
        return  # not loaded here (or not evaluated yet): nothing to say about recorded series
    for slo in service.slos:
        own = f'{conventions.LABEL_SERVICE}="{service.name}",{conventions.LABEL_SLO}="{slo.name}"'
        total = conventions.sli_total_rate("5m")
        records = [conventions.SLO_OBJECTIVE]
        if _count(ctx, queries.sli_rates(service, slo.sli, "5m")[1]):
            records.append(total)
        for record in records:
            if not _count(ctx, f"{record}{{{own}}}"):
                find(
                    ("slos", slo_index.get(slo.name, 0), "name"),
                    slo.location,
                    f"obsc's rules for {service.name} are loaded but {record}{{{own}}} has no series: "
                    "another file may define the group, or the rules are out of date (obsc check)",
                )
