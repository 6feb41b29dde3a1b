"""SLI kinds that are not event counts: time slices over a gauge (`good_when`), freshness of a last-success
timestamp (`last_success`, `max_age`), one error-ratio expression (`raw: {error_ratio}`), and the refusal
of native-histogram latency SLIs (Prometheus 2.42's promtool cannot feed native histograms to a test).

Math and trade-offs: docs/slo-kinds.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from compiler.model.build_context import Ctx
from compiler.model.build_thresholds import line_in_unit
from compiler.model.latency_lines import bare_latency_problem
from compiler.model.promql import Matcher, expand
from compiler.model.promql_text import WINDOW, holds, size_problems
from compiler.model.share_range import share_condition_problem
from compiler.model.timestamps import timestamp_problem
from compiler.model.types import Aggregation, Metric, MetricType, Service, Sli, SliKind, Slo, Tier
from compiler.model.units import float64_problem, format_duration, parse_duration
from compiler.spec.document import Path

Ref = Callable[[str, dict[str, Metric], Ctx, Path, MetricType], Metric | None]

SLICE_KINDS = (SliKind.TIME_SLICE, SliKind.FRESHNESS)
# Kinds whose "bad events" are not countable events (their totals are derived); min_bad_events counts bad
# slices of the SLICE_KINDS and cannot apply to an error ratio (see guard_refused).
UNCOUNTED_KINDS = (*SLICE_KINDS, SliKind.ERROR_RATIO)
DEFAULT_STALE_TIER = Tier.WARNING  # a late batch run is worth a ticket; the burn alerts page if it stays late

_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$")


def gauge_names(data: Mapping[str, Any]) -> set[str]:
    """The metrics a freshness SLI (`last_success`) or a time-slice SLI (`good_when`) reads: gauges whatever their
    name, so `backup_last_success_timestamp_seconds` there needs no `type:` (read as a counter by default, it
    was told "not named like a counter" and then "must be a gauge (it is a counter)")."""
    names: set[str] = set()
    for raw in data.get("slos") or []:
        sli = raw.get("sli") if isinstance(raw, Mapping) else None
        if not isinstance(sli, Mapping):
            continue
        if isinstance(sli.get("last_success"), str):
            names.add(sli["last_success"])
        if isinstance(sli.get("good_when"), str) and (match := _CONDITION.match(sli["good_when"])):
            names.add(match.group(1))
    return names


def histogram_names(data: Mapping[str, Any]) -> set[str]:
    """The metrics a classic latency SLI reads (`latency:`): histograms whatever their name, so `query_latency:
    pg_query_duration_milliseconds` there needs no `type:` (read as a counter by default, it was told "not named
    like a counter", "buckets are for histograms" and "must be a histogram": three errors for one word)."""
    names: set[str] = set()
    for raw in data.get("slos") or []:
        sli = raw.get("sli") if isinstance(raw, Mapping) else None
        if isinstance(sli, Mapping) and isinstance(sli.get("latency"), str) and not sli.get("native"):
            names.add(sli["latency"])
    return names


def owns(raw: Mapping[str, Any]) -> bool:
    """Whether the SLI is one of this module's kinds (or a native-histogram latency SLI)."""
    keys = set(raw)
    if keys & {"good_when", "last_success", "max_age", "stale_alert", "native"}:
        return True
    return keys == {"raw"} and "error_ratio" in (raw["raw"] or {})


def build_kind(
    raw: Mapping[str, Any], metrics: dict[str, Metric], ctx: Ctx, path: Path, selector: tuple[Matcher, ...], ref: Ref
) -> Sli | None:
    """The Sli, or None after a located error (`native: false` is the caller's: a classic histogram)."""
    keys = set(raw)
    if "native" in keys:
        ctx.error(
            (*path, "native"),
            "native-histogram latency SLIs are not supported on Prometheus 2.42: histogram_fraction parses there "
            "(behind --enable-feature=native-histograms), but promtool 2.42 cannot write a native histogram as "
            "unit-test input (the {{schema:...}} series notation came in a later promtool), so obsc could not "
            "test the alerts it would generate; use the classic histogram's buckets (remove native: true)",
            key=True,
        )
        return None
    if "raw" in keys:
        return _error_ratio(raw["raw"], ctx, (*path, "raw"), selector)
    if "good_when" in keys:
        return _time_slice(raw, metrics, ctx, path, ref)
    return _freshness(raw, metrics, ctx, path, ref)


def _error_ratio(body: Mapping[str, Any], ctx: Ctx, path: Path, selector: tuple[Matcher, ...]) -> Sli | None:
    if extra := sorted(set(body) & {"per", "idle_while"}):
        ctx.error(
            (*path, extra[0]),
            f"{extra[0]} goes with raw {{errors, total}} (events it divides or whose total may be idle), not with "
            "error_ratio: one ratio has no events to count per window, and its SLODataMissing reads the ratio itself",
            key=True,
        )
        return None
    if set(body) != {"error_ratio"}:
        ctx.error(path, "raw takes either {errors, total} (event rates) or {error_ratio} alone, not both")
        return None
    text = str(body["error_ratio"]).strip()
    if not holds(text, WINDOW):
        ctx.error((*path, "error_ratio"), "raw SLI queries must contain $window (obsc evaluates them over each window)")
        return None
    for _, message in size_problems(text):  # bounded before anything parses it (rules, tests, validation)
        ctx.error((*path, "error_ratio"), message)
        return None
    return Sli(SliKind.ERROR_RATIO, error_ratio=expand(text, selector))


def _time_slice(raw: Mapping[str, Any], metrics: dict[str, Metric], ctx: Ctx, path: Path, ref: Ref) -> Sli | None:
    if set(raw) != {"good_when"}:
        others = ", ".join(sorted(set(raw) - {"good_when"}))
        ctx.error(path, f"a time-slice SLI is good_when alone; remove {others}")
        return None
    where = (*path, "good_when")
    match = _CONDITION.match(str(raw["good_when"]))
    if match is None:
        ctx.error(
            where,
            "good_when must be `<gauge> <op> <number>` with a gauge named under metrics: and op one of "
            "== != >= <= > <, e.g. 'probe_ok == 1': obsc must know the series to tell a false condition "
            "(a bad slice) from missing data (SLODataMissing)",
        )
        return None
    name, op, number = match.groups()
    gauge = ref(name, metrics, ctx, where, MetricType.GAUGE)
    if gauge is None:
        return None
    value = _number(number)
    bare = value is not None
    if value is None:  # written with a unit (`rtt < 0.25s`): in the gauge's unit, as a threshold alert's line
        try:
            value = line_in_unit(number, gauge)
        except ValueError as exc:
            ctx.error(
                where, f"good_when {name} {op} {number}: {exc}; or compare with a plain number, e.g. 'probe_ok == 1'"
            )
            return None
    latency = bare_latency_problem(gauge, value) if bare else None
    if past := float64_problem(value, number) or share_condition_problem(gauge, op, value) or latency:
        ctx.error(where, past)
        return None
    if not gauge.aggregation_declared:
        # The series are combined before the comparison, and no default is right for every gauge: summed,
        # two probe locations that both succeed read `sum(probe_success) == 1` as false, a bad slice in every
        # evaluation and a page on a healthy service.
        series = gauge.selector.metric if gauge.selector else name
        ctx.error(
            where,
            f"metric {name!r} declares no aggregation, and good_when compares its series combined: by default "
            f"{gauge.aggregation.value}({series}) {op} {number}, which two series that each hold can make false (a "
            "bad slice in every evaluation: a page on a healthy service); set aggregation on it: min (every series "
            "must hold), max (any one), avg (on average) or sum (the series add up, e.g. ready replicas)",
        )
        return None
    return Sli(SliKind.TIME_SLICE, gauge=gauge, op=op, value=value)


def _freshness(raw: Mapping[str, Any], metrics: dict[str, Metric], ctx: Ctx, path: Path, ref: Ref) -> Sli | None:
    missing = [k for k in ("last_success", "max_age") if k not in raw]
    if missing or not set(raw) <= {"last_success", "max_age", "stale_alert"}:
        ctx.error(path, "a freshness SLI is {last_success: <gauge>, max_age: <duration>[, stale_alert: <tier>|false]}")
        return None
    gauge = ref(str(raw["last_success"]), metrics, ctx, (*path, "last_success"), MetricType.GAUGE)
    if gauge is None:
        return None
    if problem := timestamp_problem(gauge):
        ctx.error((*path, "last_success"), problem)
        return None
    if gauge.aggregation in (Aggregation.SUM, Aggregation.AVG):
        ctx.error(
            (*path, "last_success"),
            f"metric {gauge.name!r} is combined with {gauge.aggregation.value}(), which means nothing for timestamps; "
            "set aggregation: max (the newest success of any instance) or min (every instance) on it",
        )
        return None
    try:
        max_age = parse_duration(str(raw["max_age"]))
    except ValueError as exc:
        ctx.error((*path, "max_age"), str(exc))
        return None
    if max_age < 60:
        ctx.error((*path, "max_age"), "max_age must be at least 1m: a timestamp is read once per evaluation")
        return None
    stale = raw.get("stale_alert", DEFAULT_STALE_TIER.value)
    tier = None if stale is False else Tier(stale)
    return Sli(SliKind.FRESHNESS, gauge=gauge, op="<=", value=Decimal(max_age), stale_tier=tier)


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def guard_refused(sli: Sli, raw_slo: Mapping[str, Any], ctx: Ctx, path: Path) -> bool:
    """min_bad_events written on an SLI kind it cannot apply to (one error-ratio expression): a located error
    (True). On time slices and freshness it counts bad slices (see slo_kinds.py)."""
    if sli.kind is not SliKind.ERROR_RATIO or "min_bad_events" not in raw_slo:
        return False
    ctx.error(
        (*path, "min_bad_events"),
        "min_bad_events cannot apply to an error_ratio SLI: its error ratio is one expression, with no event "
        "count to guard; use raw: {errors, total} for the guard",
        key=True,
    )
    return True


def kind_notes(service: Service) -> list[str]:
    """`-v` notes: the SLOs to which the platform's min_bad_events default does not apply, or applies to slices;
    the bucket a latency SLI reads (a threshold in ms over a seconds histogram shows here as le="300")."""
    out = []
    for slo in service.slos:
        sli = slo.sli
        if sli.kind is SliKind.LATENCY and sli.latency and sli.latency.selector and sli.threshold_le is not None:
            unit = sli.latency.unit or "s"
            out.append(
                f'slo {slo.name}: good requests are those in bucket le="{sli.threshold_le.normalize():f}" of '
                f"{sli.latency.selector.metric} (its buckets counted in {unit})"
            )
        if slo.sli.kind is SliKind.ERROR_RATIO:
            out.append(f"slo {slo.name}: no min_bad_events guard: an error_ratio SLI counts no events")
        elif slo.sli.kind in SLICE_KINDS and slo.min_bad_events:
            out.append(
                f"slo {slo.name}: min_bad_events {slo.min_bad_events} counts bad {format_duration(slo.slice_seconds)} "
                "slices (the scrape interval, at least 1m): a burn alert needs that many in its long window"
            )
    return out


def burn_guard_text(slo: Slo, long: str) -> str:
    """The sentence naming a burn alert's min_bad_events guard over its `long` window ('' without one), as its
    notification and its runbook page say it: a ratio far above the line with fewer pages nothing."""
    if slo.min_bad_events <= 0:
        return ""
    what = f"bad {format_duration(slo.slice_seconds)} slices" if slo.sli.kind in SLICE_KINDS else "failed events"
    return f" Needs at least {slo.min_bad_events} {what} over {long} (min_bad_events)."


@dataclass(frozen=True)
class BurnWords:
    """How a burn alert's notification and page speak of what its SLO counts: a time-slice or freshness SLO
    counts rule evaluations, and "1.4% of events failed" misreads its page."""

    things: str  # "events" / "time slices"
    failed: str  # "failed" / "were bad"
    did_fail: str  # "did fail" / "were bad"


def burn_words(slo: Slo) -> BurnWords:
    if slo.sli.kind in SLICE_KINDS:
        return BurnWords("time slices", "were bad", "were bad")
    return BurnWords("events", "failed", "did fail")
