"""The SLOs of a service spec: objective, period, alerting options and the SLI, checked against the
service's metrics."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from compiler.model.build_context import Ctx, Layer, builtin_defaults, did_you_mean
from compiler.model.promql import Matcher, expand
from compiler.model.types import Metric, MetricType, Sli, SliKind, Slo, SloAlerting
from compiler.model.units import parse_duration, parse_duration_seconds, parse_percent, parse_rate
from compiler.spec.document import Path


def build_slos(
    data: Mapping[str, Any], defaults: Layer, metrics: dict[str, Metric], ctx: Ctx, selector: tuple[Matcher, ...]
) -> list[Slo]:
    period_text = str(defaults.data.get("period", builtin_defaults()["period"]))
    budget_default = (defaults.data.get("slo_alerts") or {}).get(
        "budget_left", builtin_defaults()["slo_alerts"]["budget_left"]
    )
    out: list[Slo] = []
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(data.get("slos") or []):
        path: Path = ("slos", i)
        name = raw["name"]
        if name in first_seen:
            line = ctx.loc(("slos", first_seen[name], "name")).line
            ctx.error((*path, "name"), f"duplicate SLO name {name!r} (first defined on line {line})")
            continue
        first_seen[name] = i
        objective = Decimal(repr(raw["objective"]))
        if objective >= 100:
            ctx.error(
                (*path, "objective"),
                "an objective of 100% leaves no error budget: every failure would breach it; use e.g. 99.99",
            )
            continue
        sli = build_sli(raw["sli"], metrics, ctx, (*path, "sli"), selector)
        alerts = raw.get("alerts") or {}
        try:
            min_traffic = parse_rate(raw.get("min_traffic", 0))
        except ValueError as exc:
            ctx.error((*path, "min_traffic"), str(exc))
            continue
        budget_left = parse_percent(str(alerts.get("budget_left", budget_default)))
        if not 0 < budget_left < 1:
            ctx.error(
                (*path, "alerts", "budget_left"),
                "budget_left must be between 0% and 100% (exclusive): at 0% the low-budget alert could never fire",
            )
            continue
        if sli is None:
            continue
        out.append(
            Slo(
                name=name,
                objective=objective,
                period_seconds=parse_duration(str(raw.get("period", period_text))),
                sli=sli,
                alerting=SloAlerting(
                    critical=bool(alerts.get("critical", True)),
                    warning=bool(alerts.get("warning", True)),
                    info=bool(alerts.get("info", True)),
                    budget_left=budget_left,
                ),
                description=str(raw.get("description", "")).strip(),
                min_traffic=min_traffic,
                location=ctx.loc(path),
            )
        )
    return out


_SLI_FORMS = "one of {errors, total}, {good, total}, {latency, threshold} or {raw: {errors, total}}"


def build_sli(
    raw: Mapping[str, Any], metrics: dict[str, Metric], ctx: Ctx, path: Path, selector: tuple[Matcher, ...]
) -> Sli | None:
    keys = frozenset(raw)
    if keys == {"raw"}:
        bodies = raw["raw"]
        for key in ("errors", "total"):
            if "$window" not in bodies[key]:
                ctx.error(
                    (*path, "raw", key),
                    "raw SLI queries must contain $window (obsc evaluates them over each alert window)",
                )
                return None
        # $selector is filled now; $window stays for each target to fill per window.
        return Sli(
            SliKind.RAW,
            raw_errors=expand(bodies["errors"].strip(), selector),
            raw_total=expand(bodies["total"].strip(), selector),
        )
    if keys in ({"errors", "total"}, {"good", "total"}):
        refs = {k: metric_ref(raw[k], metrics, ctx, (*path, k), MetricType.COUNTER) for k in sorted(keys)}
        if any(v is None for v in refs.values()):
            return None
        return Sli(SliKind.RATIO, total=refs["total"], errors=refs.get("errors"), good=refs.get("good"))
    if keys == {"latency", "threshold"}:
        histogram = metric_ref(raw["latency"], metrics, ctx, (*path, "latency"), MetricType.HISTOGRAM)
        threshold = parse_duration_seconds(raw["threshold"])
        if threshold <= 0:
            ctx.error((*path, "threshold"), "latency threshold must be greater than 0")
            return None
        return None if histogram is None else Sli(SliKind.LATENCY, latency=histogram, threshold_seconds=threshold)
    ctx.error(path, f"SLI has keys {', '.join(sorted(keys))}; expected {_SLI_FORMS}")
    return None


def metric_ref(name: str, metrics: dict[str, Metric], ctx: Ctx, path: Path, expected: MetricType) -> Metric | None:
    metric = metrics.get(name)
    if metric is None:
        ctx.error(path, f"metric {name!r} is not defined under metrics:" + did_you_mean(name, list(metrics)))
        return None
    if metric.type != expected or metric.selector is None:
        ctx.error(path, f"metric {name!r} must be a {expected.value} series selector (it is a {metric.type.value})")
        return None
    return metric
