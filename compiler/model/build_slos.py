"""The SLOs of a service spec: objective, period, alerting options and the SLI, checked against the
service's metrics."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from compiler.model.build_context import Ctx, Layer, builtin_defaults
from compiler.model.build_thresholds import extras
from compiler.model.burnrate import (
    Catalog,
    builtin_catalogs,
    catalog_for,
    default_min_bad_events,
    parse_catalogs,
    parse_platform_catalogs,
    uncapped,
)
from compiler.model.evaluation_interval import check_evaluation_interval
from compiler.model.groups import build_by, raw_group_problem
from compiler.model.objective_range import objective_problem
from compiler.model.promql import Matcher, expand
from compiler.model.promql_check import reads_service_series
from compiler.model.promql_groups import kept_labels
from compiler.model.promql_text import SELECTOR, holds
from compiler.model.raw_rates import counts_per_window, per_second
from compiler.model.raw_windows import OPTIONS, PER_WINDOW, options_problem
from compiler.model.reachable_pairs import kept_pairs
from compiler.model.scrape_windows import declared_scrape_seconds, slice_seconds
from compiler.model.selector_cover import errors_cover_problem, good_covers_problem, outside_total_problem
from compiler.model.sli_kinds import UNCOUNTED_KINDS, build_kind, guard_refused, owns
from compiler.model.types import Metric, MetricType, Sli, SliKind, Slo, SloAlerting
from compiler.model.units import (
    HISTOGRAM_SECONDS,
    LONGEST_PERIOD_SECONDS,
    decimal_text,
    format_duration,
    histogram_units,
    parse_duration,
    parse_duration_seconds,
    parse_percent,
)
from compiler.model.window_mean import raw_query_warnings
from compiler.spec.document import Path


def build_slos(
    data: Mapping[str, Any], defaults: Layer, metrics: dict[str, Metric], ctx: Ctx, selector: tuple[Matcher, ...]
) -> list[Slo]:
    period_text = str(defaults.data.get("period", builtin_defaults()["period"]))
    slo_alerts = defaults.data.get("slo_alerts") or {}
    budget_default = slo_alerts.get("budget_left", builtin_defaults()["slo_alerts"]["budget_left"])
    catalogs = platform_catalogs(defaults)
    bad_events_default = int(slo_alerts.get("min_bad_events", default_min_bad_events()))
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
        problem = objective_problem(objective)
        if problem:
            ctx.error((*path, "objective"), problem)
            continue
        sli = build_sli(raw["sli"], metrics, ctx, (*path, "sli"), selector)
        if sli is not None and sli.kind is SliKind.LATENCY:
            sli = replace(sli, scrape_seconds=declared_scrape_seconds(slo_alerts))
        by = build_by(raw, data, defaults, ctx, path)
        alerts = raw.get("alerts") or {}
        if "min_traffic" in raw:
            ctx.error(
                (*path, "min_traffic"),
                "min_traffic silenced burn alerts below a traffic floor, so a quiet service burning its budget never "
                f"paged; it is replaced by min_bad_events (default {bad_events_default}): burn alerts need that many "
                "bad events in their long window. Remove min_traffic (or set min_bad_events)",
                key=True,
            )
            continue
        written_period = str(raw.get("period", period_text))
        try:
            period = parse_duration(written_period)
        except ValueError as exc:
            ctx.error((*path, "period") if "period" in raw else path, str(exc))
            continue
        if period > LONGEST_PERIOD_SECONDS:
            ctx.error(
                (*path, "period") if "period" in raw else path,
                f"period {written_period} is longer than {format_duration(LONGEST_PERIOD_SECONDS)}, the longest SLO "
                "period obsc accepts: its budget rules would read that far back at every evaluation (a yearly "
                "report is 365d or 366d)",
            )
            continue
        windows = catalog_for(period, catalogs)
        if windows is None:
            ctx.error(
                (*path, "period") if "period" in raw else path,
                f"period {written_period} is shorter than every burn-rate window catalog "  # as written: 1ms, not 0s
                f"({', '.join(format_duration(p) for p in sorted(catalogs))}); use at least "
                f"{format_duration(min(catalogs))} or add a catalog under slo_alerts.windows in the platform file",
            )
            continue
        gaps = uncapped(period, catalogs)
        if gaps:
            for gap in gaps:
                ctx.error((*path, "period") if "period" in raw else path, f"period {written_period}: {gap}")
            continue
        written_budget = alerts.get("budget_left", budget_default)
        problem = budget_left_problem(written_budget)
        if problem:
            if "budget_left" in alerts:  # (a platform default is reported once, at the platform file)
                ctx.error((*path, "alerts", "budget_left"), problem)
            continue
        budget_left = parse_percent(str(written_budget))
        labels, annotations = extras(raw, ctx, path)
        if sli is None or by is None or guard_refused(sli, raw, ctx, path):
            continue
        if by and sli.kind in UNCOUNTED_KINDS:
            ctx.error(
                (*path, "by"),
                "by: is for event SLIs (errors/total, good/total, latency, raw errors/total); "
                "a time-slice, freshness or error_ratio SLI is kept for the whole service",
            )
            continue
        if by and sli.kind is SliKind.RAW and _raw_loses_groups(raw["sli"]["raw"], by, ctx, (*path, "sli", "raw")):
            continue
        if by and _groups_split_by_outcome(sli, by, ctx, path):
            continue
        if not by and sli.kind is SliKind.RAW and _raw_groups_unkept(raw["sli"]["raw"], selector, ctx, path):
            continue
        # An error-ratio expression has no count to guard (refused above); time slices count bad slices
        bad_events = 0 if sli.kind is SliKind.ERROR_RATIO else int(raw.get("min_bad_events", bad_events_default))
        if (
            bad_events
            and sli.kind is SliKind.RAW
            and not sli.raw_per_window
            and counts_per_window(raw["sli"]["raw"], ctx, (*path, "sli", "raw"))
        ):
            continue
        at = (*path, "objective")
        windows, left_out = kept_pairs(windows, period, objective, alerts, ctx.loc(at), at)
        raw_at = (*path, "sli", "raw")
        means = raw_query_warnings(raw["sli"]["raw"], selector, ctx, raw_at) if sli.kind is SliKind.RAW else ()
        out.append(
            Slo(
                name=name,
                objective=objective,
                period_seconds=period,
                sli=sli,
                alerting=SloAlerting(
                    critical=bool(alerts.get("critical", True)),
                    warning=bool(alerts.get("warning", True)),
                    info=bool(alerts.get("info", True)),
                    budget_left=budget_left,
                ),
                description=str(raw.get("description", "")).strip(),
                min_bad_events=bad_events,
                slice_seconds=slice_seconds(slo_alerts),
                location=ctx.loc(path),
                windows=windows,
                left_out=left_out,
                window_means=means,
                labels=labels,
                annotations=annotations,
                by=by,
            )
        )
    return out


_SLI_FORMS = (
    "one of {errors, total}, {good, total}, {latency, threshold}, {raw: {errors, total}}, {raw: {error_ratio}}, "
    "{good_when} or {last_success, max_age}"
)


def build_sli(
    raw: Mapping[str, Any], metrics: dict[str, Metric], ctx: Ctx, path: Path, selector: tuple[Matcher, ...]
) -> Sli | None:
    keys = frozenset(raw)
    if raw.get("native") is False:  # a classic histogram, said explicitly
        return build_sli({k: v for k, v in raw.items() if k != "native"}, metrics, ctx, path, selector)
    if owns(raw):
        return build_kind(raw, metrics, ctx, path, selector, metric_ref)
    if keys == {"raw"}:
        bodies = raw["raw"]
        if set(bodies) - set(OPTIONS) != {"errors", "total"}:
            ctx.error((*path, "raw"), "raw takes {errors, total} (event rates over $window) or {error_ratio} alone")
            return None
        for key in ("errors", "total"):
            if "$window" not in bodies[key]:
                ctx.error(
                    (*path, "raw", key),
                    "raw SLI queries must contain $window (obsc evaluates them over each alert window)",
                )
                return None
        if "".join(bodies["errors"].split()) == "".join(bodies["total"].split()):
            ctx.error(
                (*path, "raw", "errors"),
                "the errors query is the total query: every event would count as failed (an error ratio of 1, a "
                "page whenever there is traffic); count the failures only, e.g. "
                'sum(rate(rpc_calls_total{$selector,outcome="fail"}[$window]))',
            )
            return None
        scoped = {key: holds(bodies[key], SELECTOR) for key in ("errors", "total")}
        key, other = ("errors", "total") if scoped["total"] else ("total", "errors")
        # A query that reads no series of its own (a constant) gets its own, clearer message from promql_check.
        if scoped[key] != scoped[other] and reads_service_series(bodies[key]):
            ctx.error(
                (*path, "raw", key),
                f"the {other} query is scoped with $selector and this one is not: it counts every matching series "
                "in Prometheus, so another service's failures (or traffic) move this SLO; add $selector, e.g. "
                'rate(rpc_calls_total{$selector,outcome="fail"}[$window])',
            )
            return None
        if options_problem(bodies, ctx, (*path, "raw"), selector):
            return None
        # $selector is filled now; $window stays for each target to fill per window. Counts per window keep their
        # increase(): divided by the window's seconds it is rate().
        per_window = bodies.get("per") == PER_WINDOW
        read = (lambda text: text) if per_window else per_second
        idle = bodies.get("idle_while")
        return Sli(
            SliKind.RAW,
            raw_errors=expand(read(bodies["errors"].strip()), selector),
            raw_total=expand(read(bodies["total"].strip()), selector),
            raw_per_window=per_window,
            raw_idle_while=None if idle is None else expand(str(idle).strip(), selector),
        )
    if keys in ({"errors", "total"}, {"good", "total"}):
        refs = {k: metric_ref(raw[k], metrics, ctx, (*path, k), MetricType.COUNTER) for k in sorted(keys)}
        if any(v is None for v in refs.values()):
            return None
        if problem := _covers_total(refs):
            ctx.error((*path, problem[0]), problem[1])
            return None
        return Sli(SliKind.RATIO, total=refs["total"], errors=refs.get("errors"), good=refs.get("good"))
    if keys == {"latency", "threshold"}:
        histogram = metric_ref(raw["latency"], metrics, ctx, (*path, "latency"), MetricType.HISTOGRAM)
        try:
            threshold = parse_duration_seconds(raw["threshold"])
        except ValueError as exc:
            ctx.error((*path, "threshold"), str(exc))
            return None
        if threshold <= 0:
            ctx.error((*path, "threshold"), "latency threshold must be greater than 0")
            return None
        if histogram is None:
            return None
        scale = HISTOGRAM_SECONDS.get(histogram.unit)
        if scale is None:
            ctx.error((*path, "latency"), _not_time(histogram))
            return None
        le = threshold if scale == 1 else (threshold / scale).normalize()
        if histogram.buckets and le not in histogram.buckets:
            ctx.error((*path, "threshold"), _off_bucket(le, histogram))
            return None
        return Sli(SliKind.LATENCY, latency=histogram, threshold_seconds=threshold, threshold_le=le)
    ctx.error(path, f"SLI has keys {', '.join(sorted(keys))}; expected {_SLI_FORMS}")
    return None


def _covers_total(refs: Mapping[str, Metric | None]) -> tuple[str, str] | None:
    """(key, message) when the errors or good selector selects every series of the total."""
    total, errors, good = refs["total"], refs.get("errors"), refs.get("good")
    if total is None or total.selector is None:
        return None
    if errors is not None and errors.selector is not None:
        message = errors_cover_problem(errors.selector, total.selector)
        message = message or outside_total_problem("errors", errors.selector, total.selector)
        return ("errors", message) if message else None
    if good is not None and good.selector is not None:
        message = good_covers_problem(good.selector, total.selector)
        message = message or outside_total_problem("good", good.selector, total.selector)
        return ("good", message) if message else None
    return None


def _raw_loses_groups(bodies: Mapping[str, str], by: tuple[str, ...], ctx: Ctx, path: Path) -> bool:
    """Report a grouped raw SLI whose query aggregates a group label away (every group would read the same)."""
    lost = False
    for key in ("errors", "total"):
        problem = raw_group_problem(bodies[key], by)
        if problem:
            ctx.error(
                (*path, key),
                f"this SLO is kept per {', '.join(by)} but {problem}, so every group would read the same ratio; "
                f"keep the labels, e.g. sum by ({', '.join(by)}) (...)",
            )
            lost = True
    return lost


def _raw_groups_unkept(bodies: Mapping[str, str], selector: tuple[Matcher, ...], ctx: Ctx, path: Path) -> bool:
    """Report a raw SLI grouped `sum by (route)` in an SLO without `by:`: obsc sums it over the service, so one
    failing route was diluted by the others with no word (an imported Sloth SLI paged per route at its source).
    Labels the selector or the query pins to one value (`sum by (job)` of `{job="api"}`) make one group."""
    for key in ("errors", "total"):
        pinned = {m.label for m in selector if m.op == "="}
        labels = [
            label
            for label in kept_labels(bodies[key]).labels
            if label not in pinned and not re.search(rf"(?<![\w]){label}\s*=\s*[\"'`]", bodies[key])
        ]
        if labels:
            shown = ", ".join(labels)
            ctx.error(
                (*path, "sli", "raw", key),
                f"this query keeps sum by ({shown}) but the SLO has no by:, so obsc sums it into one ratio for the "
                f"whole service and one failing {labels[0]} is diluted by the others; add by: [{shown}] to keep "
                "the SLO per group, or write sum(...) for one SLO",
            )
            return True
    return False


def _off_bucket(le: Decimal, histogram: Metric) -> str:
    """A threshold between two declared buckets: the bucket series it would read does not exist."""
    unit = histogram.unit or "s"
    below = [b for b in histogram.buckets if b < le]
    above = [b for b in histogram.buckets if b > le]
    nearest = ([max(below)] if below else []) + ([min(above)] if above else [])
    near = " and ".join(f"{decimal_text(b)}{unit}" for b in nearest)
    which = f"the nearest buckets are {near}" if len(nearest) == 2 else f"the nearest bucket is {near}"
    return (
        f"threshold {decimal_text(le)}{unit} is not a bucket of histogram {histogram.name!r}: its `le` series "
        f"would not exist and the SLI would read no data; {which}"
    )


def _not_time(histogram: Metric) -> str:
    return (
        f"histogram {histogram.name!r} declares unit {histogram.unit!r}: a latency SLI reads its `le` labels as "
        f"durations, so its unit must be one of {histogram_units(histogram.unit)}"
    )


def check_platform_slo_alerts(defaults: Layer) -> None:
    """The platform's `defaults.slo_alerts`, checked once (not at each SLO that takes them): every row of its
    window catalogs, its budget_left and its evaluation_interval."""
    check_evaluation_interval(defaults)
    slo_alerts = defaults.data.get("slo_alerts") or {}
    windows_path: Path = (*defaults.base, "slo_alerts", "windows")
    parse_platform_catalogs(
        slo_alerts.get("windows") or {},
        lambda path, message: defaults.ctx.error((*windows_path, *path), message, key=len(path) == 1),
    )
    problem = budget_left_problem(slo_alerts["budget_left"]) if "budget_left" in slo_alerts else None
    if problem:
        defaults.ctx.error((*defaults.base, "slo_alerts", "budget_left"), problem)


def budget_left_problem(written: Any) -> str | None:
    """Why a low-budget line cannot be meant: the alert fires below it while some budget is left. (None for
    a value that is no percentage: the schema says so.)"""
    try:
        share = parse_percent(str(written))
    except ValueError:
        return None
    if share <= 0:
        return "budget_left must be above 0%: at 0% the low-budget alert could never fire"
    if share >= 1:
        when = "at the first failed event" if share == 1 else "all the time, with no event failed"
        return (
            f"budget_left {decimal_text(share * 100)}%: no more than 100% of the budget is ever left, so the "
            f"low-budget alert would fire {when}, on a healthy SLO; write a share below 100%, e.g. 25%"
        )
    return None


def platform_catalogs(defaults: Layer) -> dict[int, Catalog]:
    """The built-in window catalogs with the platform's `slo_alerts.windows` replacing them period by period
    (build_platform reports what is wrong with those; here refused rows are just left out)."""
    raw = (defaults.data.get("slo_alerts") or {}).get("windows") or {}
    if not raw:
        return builtin_catalogs()
    return {**builtin_catalogs(), **parse_catalogs(raw, lambda path, message: None)}


def ratio_counter_names(data: Mapping[str, Any]) -> set[str]:
    """The metrics a ratio SLI counts (good, errors, total): counters whatever their name, so a histogram's
    `http_request_duration_seconds_count` there needs no `type:` (metric_ref refuses any other type)."""
    names: set[str] = set()
    for raw in data.get("slos") or []:
        sli = raw.get("sli") if isinstance(raw, Mapping) else None
        if isinstance(sli, Mapping) and set(sli) in ({"errors", "total"}, {"good", "total"}):
            names.update(v for v in sli.values() if isinstance(v, str))
    return names


_READ_BY_NAME = "the SLI reads its series by name; write it as {selector: <series>, type: ...}"


def metric_ref(name: str, metrics: dict[str, Metric], ctx: Ctx, path: Path, expected: MetricType) -> Metric | None:
    metric = metrics.get(name)
    if metric is None:
        ctx.undefined_metric(path, name, list(metrics))
        return None
    if metric.selector is None:  # the SLI reads the series by name: an expr has none
        ctx.error(path, f"metric {name!r} must be a {expected.value} series selector, not an expr: {_READ_BY_NAME}")
        return None
    if metric.type != expected:
        ctx.error(
            path,
            f"metric {name!r} must be a {expected.value} series selector (it is a {metric.type.value}): point the "
            f"SLI at a {expected.value} metric, or write `type: {expected.value}` under metrics.{name} if its series "
            "is one",
        )
        return None
    return metric


def _groups_split_by_outcome(sli: Sli, by: tuple[str, ...], ctx: Ctx, path: Path) -> bool:
    """Refuse group labels that the errors (or good) selector matches on and the total's does not: every group
    of such a label is all errors or none (by code with errors code=~"5..": one 503 is a group at 100% errors,
    a page), or all good. True when refused."""
    outcome = sli.errors or sli.good
    if sli.kind is not SliKind.RATIO or outcome is None or outcome.selector is None or sli.total is None:
        return False
    total = {m.label: m for m in sli.total.selector.matchers} if sli.total.selector else {}
    refused = False
    for i, label in enumerate(by):
        matcher = next((m for m in outcome.selector.matchers if m.label == label), None)
        if matcher is None or total.get(label) == matcher:
            continue
        kind = "errors" if sli.errors is not None else "good"
        ctx.error(
            (*path, "by", i),
            f"group label {label!r} is one the {kind} selector matches on ({matcher.render()}) and the total's "
            f"does not: every group would be all-{kind} or {kind}-free (a group of one 503 reads as 100% errors); "
            "group by a label both count alike (route, method), or leave it out",
        )
        refused = True
    return refused
