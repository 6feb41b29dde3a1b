"""Threshold alerts on any named metric (`threshold_alerts:`), and the extra labels and annotations a spec
may put on obsc's alerts (per SLO, per tier). Raw dicts in, model out, every problem located.

Extra labels never replace obsc's own: routing, inhibition and the generated tests key on severity, service,
team, slo and burn_window, so a spec that writes one of them is refused rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from compiler import conventions as names
from compiler.model.alert_kinds import MAX_FOR, long_hold
from compiler.model.build_context import Ctx, Layer
from compiler.model.groups import (
    dashboard_variable_problem,
    filled_by_platform,
    label_setters,
    raw_group_problem,
    set_elsewhere,
)
from compiler.model.latency_lines import bare_latency_problem
from compiler.model.metric_seconds import seconds_by_name
from compiler.model.share_range import bare_line_problem, share_line_problem
from compiler.model.signal_names import refuse_shared_signal_names
from compiler.model.targets_text import unexpanded_variable, value_problem
from compiler.model.timestamp_lines import timestamp_line_problem
from compiler.model.timestamps import timestamp_problem
from compiler.model.types import Aggregation, Comparison, Metric, MetricType, ThresholdAlert, Tier
from compiler.model.units import (
    LARGEST_FLOAT,
    parse_duration,
    parse_percent,
    parse_rate,
    parse_threshold_seconds,
    pointed_duration,
)
from compiler.spec.document import Path
from compiler.spec.hint_values import decimal_point, decimal_point_advice

DEFAULT_FOR = "5m"
DEFAULT_TIER = Tier.WARNING
RESERVED_LABELS = names.ALERT_LABELS_OWNED
RESERVED_ANNOTATIONS = names.ANNOTATIONS_OWNED
_BYTES = {
    "B": 1,
    "kB": 10**3,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
}
_BYTE_UNITS = ("bytes", "decbytes")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_WITH_BYTES = re.compile(r"([0-9]+(?:\.[0-9]+)?)(" + "|".join(_BYTES) + ")")


def builtin_alert_names() -> tuple[str, ...]:
    """obsc's own alert names: a threshold alert may not take one (runbook pages, inhibition, routing tests)."""
    return (
        names.SLO_BURN_FAST,
        names.SLO_BURN_SLOW,
        names.SLO_BUDGET_LOW,
        names.SLO_BUDGET_EXHAUSTED,
        names.SLO_DATA_MISSING,
        names.SLO_FAILURES_UNSEEN,
        names.SLO_FRESHNESS_STALE,
        names.SLO_TRAFFIC_STOPPED,
        *names.KEY_ALERT_NAMES.values(),
    )


def selector_value_problems(selector: Mapping[str, Any], key_name: str = "selector") -> list[tuple[str, str]]:
    """(label, message) for selector values a PromQL string cannot hold raw (a line break, a control character),
    and for a pattern or a matcher's syntax where only exact values go (`job: "cart-.*"`, `job: "=~cart"` matched
    the text: no series, nothing paged; under `targets:` no `up` series, a ServiceDown paging for good)."""
    found = [
        (str(key), f"label value {str(value)!r} holds a line break or control character")
        for key, value in selector.items()
        if any(ord(c) < 32 or ord(c) == 127 for c in str(value))
    ]
    return (
        found
        + [
            (str(key), said)
            for key, value in selector.items()
            if (said := value_problem(str(key), str(value), key_name))
        ]
        + [(str(key), said) for key, value in selector.items() if (said := unexpanded_variable(str(key), str(value)))]
    )


def label_problems(labels: Mapping[str, Any], what: str = "label") -> list[tuple[str, str]]:
    """(key, message) for each extra label that would replace one obsc sets."""
    out = []
    for key in labels:
        if key in RESERVED_LABELS or str(key).startswith("__"):
            out.append(
                (
                    key,
                    f"{what} {key!r} is obsc's own (routing and inhibition read it); reserved: "
                    f"{', '.join(RESERVED_LABELS)} and every name starting with __; pick another name",
                )
            )
    return out


def extras(
    raw: Mapping[str, Any], ctx: Ctx, path: Path
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """An SLO's (labels, annotations), sorted; reserved names reported."""
    labels = raw.get("labels") or {}
    annotations = raw.get("annotations") or {}
    for key, message in label_problems(labels):
        ctx.error((*path, "labels", key), message, key=True)
    for key in annotations:
        if key in RESERVED_ANNOTATIONS:
            ctx.error(
                (*path, "annotations", key),
                f"annotation {key!r} is written by obsc on every alert ({', '.join(RESERVED_ANNOTATIONS)}); "
                "put extra text under another name, or in the SLO's description",
                key=True,
            )
    return (
        tuple(sorted((str(k), str(v)) for k, v in labels.items())),
        tuple(sorted((str(k), str(v)) for k, v in annotations.items())),
    )


def build_tier_labels(
    data: Mapping[str, Any], defaults: Layer, ctx: Ctx
) -> tuple[tuple[Tier, tuple[tuple[str, str], ...]], ...]:
    """Platform defaults.tier_labels, then the spec's, merged label by label within each tier."""
    merged: dict[Tier, dict[str, str]] = {}
    layers = ((defaults.data.get("tier_labels") or {}, defaults.ctx, (*defaults.base, "tier_labels")),)
    for layer, where, base in (*layers, (data.get("tier_labels") or {}, ctx, ("tier_labels",))):
        for tier in Tier:
            labels = layer.get(tier.value) or {}
            for key, message in label_problems(labels):
                where.error((*base, tier.value, key), message, key=True)
            merged.setdefault(tier, {}).update({str(k): str(v) for k, v in labels.items()})
    return tuple((tier, tuple(sorted(labels.items()))) for tier, labels in merged.items() if labels)


def build_threshold_alerts(
    data: Mapping[str, Any], metrics: dict[str, Metric], ctx: Ctx, defaults: Layer
) -> tuple[ThresholdAlert, ...]:
    out: list[tuple[int, ThresholdAlert]] = []
    seen: dict[str, int] = {}
    # Keyed ignoring case, like the threshold names below: Servicedown.md and ServiceDown.md are one file on a
    # case-insensitive checkout (macOS, Windows)
    builtin = {b.casefold(): b for b in builtin_alert_names()}
    for i, raw in enumerate(data.get("threshold_alerts") or []):
        path: Path = ("threshold_alerts", i)
        name = str(raw["name"])
        taken = builtin.get(name.casefold())
        if taken is not None:
            why = (
                f"{name!r} is one of obsc's built-in alert names (its runbook page, routing tests and inhibition are "
                "obsc's)"
                if taken == name
                else f"{name!r} differs from obsc's built-in alert name {taken!r} only in letter case (their runbook "
                "files would be one file on a case-insensitive checkout: macOS, Windows)"
            )
            ctx.error((*path, "name"), f"{why}; name the alert after what it measures, e.g. ConsumerLagHigh")
            continue
        if re.fullmatch(names.WINDOWS_RESERVED, name.lower()):
            ctx.error(
                (*path, "name"),
                f"{name!r} is a device name Windows reserves (its runbook {name}.md could not be checked out "
                "there); name the alert after what it measures, e.g. ConsumerLagHigh",
            )
            continue
        # Keyed ignoring case: LagHigh.md and LAGHigh.md are one file on macOS and Windows checkouts.
        if name.casefold() in seen:
            first = seen[name.casefold()]
            line = ctx.loc(("threshold_alerts", first, "name")).line
            other = str(data["threshold_alerts"][first]["name"])
            message = f"duplicate threshold alert name {name!r} (first defined on line {line})"
            if other != name:
                message = (
                    f"threshold alert name {name!r} differs from {other!r} (line {line}) only in letter case; their "
                    "runbook files would be one file on a case-insensitive checkout (macOS, Windows)"
                )
            ctx.error((*path, "name"), message)
            continue
        seen[name.casefold()] = i
        alert = _one(raw, name, metrics, ctx, path)
        filled = [
            (j, p) for j, label in enumerate(raw.get("by") or ()) if (p := filled_by_platform(label, data, defaults))
        ]
        for j, problem in filled:  # the label's dashboard variable would change a platform metric's panel query
            ctx.error((*path, "by", j), problem)
        clash = _by_set_elsewhere(raw, data, defaults) or _by_lost(raw, metrics)
        if clash:
            ctx.error((*path, "by"), clash)
        elif alert is not None and not filled:
            out.append((i, alert))
    refuse_shared_signal_names(out, ctx)
    return tuple(alert for _, alert in out)


def _by_lost(raw: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
    """A `by:` label the metric's own expression aggregates away: one series for the whole service, without
    the label (three queues at 40 compared as one 120)."""
    metric = metrics.get(str(raw.get("metric")))
    by = [str(label) for label in raw.get("by") or ()]
    if metric is None or not metric.expr or not by:
        return None
    problem = raw_group_problem(metric.expr, by)
    if not problem:
        return None
    return f"the alert is split by {', '.join(by)}, but metric {metric.name!r}'s expression: {problem}; keep them"


def _by_set_elsewhere(raw: Mapping[str, Any], data: Mapping[str, Any], defaults: Layer) -> str | None:
    """A `by:` label that an alert's other labels also set (see groups.label_setters)."""
    setters = label_setters(raw, data, defaults, "the alert's labels")
    return next((problem for label in raw.get("by") or () if (problem := set_elsewhere(str(label), setters))), None)


def _one(raw: Mapping[str, Any], name: str, metrics: dict[str, Metric], ctx: Ctx, path: Path) -> ThresholdAlert | None:
    before = len(ctx.diagnostics)
    metric = metrics.get(str(raw["metric"]))
    if metric is None:
        ctx.undefined_metric((*path, "metric"), str(raw["metric"]), list(metrics))
    elif metric is not None and metric.type is MetricType.HISTOGRAM:
        ctx.error(
            (*path, "metric"),
            f"metric {metric.name!r} is a histogram: it has no single value to compare; use a latency SLO, or a "
            "metric with expr: histogram_quantile(...)",
        )
    given = [c for c in Comparison if c.value in raw]
    if len(given) != 1:
        ctx.error(
            path,
            "say exactly one of above: (fire while the value is above it), below: or within: (a timestamp less "
            f"than this far ahead); found {', '.join(c.value for c in given) or 'none'}",
        )
    for key, message in label_problems(raw.get("labels") or {}):
        ctx.error((*path, "labels", key), message, key=True)
    for _, message in label_problems({k: "" for k in raw.get("by") or ()}, "label"):
        ctx.error((*path, "by"), f"by: {message}")
    for i, label in enumerate(raw.get("by") or ()):
        if taken := dashboard_variable_problem(str(label), "by: label"):
            ctx.error((*path, "by", i), taken)
    if len(ctx.diagnostics) > before or metric is None:
        return None
    comparison = given[0]
    value = raw[comparison.value]
    try:
        if problem := timestamp_line_problem(value, comparison, metric):
            raise ValueError(problem)
        threshold = _threshold(value, comparison, metric)
        if not threshold.is_finite():
            raise ValueError("the threshold must be a finite number")
        # Compared as Prometheus reads the rule's number, a float64: `< 0.000…01` past 16 digits is `< 0`.
        read = Decimal(float(threshold))
        if metric.type is MetricType.COUNTER and comparison is Comparison.BELOW and read <= 0:
            rounded = " (Prometheus reads the line as 0, the float64 nearest it)" if threshold > 0 else ""
            raise ValueError(f"a counter's rate is never below 0{rounded}, so this alert could never fire")
        if metric.type is MetricType.COUNTER and comparison is Comparison.ABOVE and threshold < 0:
            raise ValueError("a counter's rate is never below 0, so this alert would always fire")
        if problem := share_line_problem(threshold, read, comparison, metric):
            raise ValueError(problem)
    except ValueError as exc:
        # A message that already quotes the value (a percentage's spelling advice) says it once.
        message = str(exc)
        ctx.error((*path, comparison.value), message if message.startswith(repr(value)) else f"{value!r}: {message}")
        return None
    try:
        hold = parse_duration(str(raw.get("for", DEFAULT_FOR)))
    except ValueError as exc:
        ctx.error((*path, "for"), str(exc))
        return None
    if hold > MAX_FOR:
        # Its generated test feeds samples across the hold: a year-long hold would be a year of samples.
        ctx.error((*path, "for"), long_hold(raw["for"], "a threshold alert"))
        return None
    if problem := combined_gauge_problem(metric, comparison):
        ctx.error((*path, "metric"), problem)
        return None
    return ThresholdAlert(
        name=name,
        metric=metric,
        comparison=comparison,
        threshold=threshold,
        threshold_text=str(value),
        for_seconds=hold,
        tier=Tier(raw.get("tier", DEFAULT_TIER.value)),
        by=tuple(str(b) for b in raw.get("by") or ()),
        summary=str(raw.get("summary", "")).strip(),
        description=str(raw.get("description", "")).strip(),
        missing_fires=raw.get("missing", "alert") == "alert",
        labels=tuple(sorted((str(k), str(v)) for k, v in (raw.get("labels") or {}).items())),
        location=ctx.loc(path),
    )


def combined_gauge_problem(metric: Metric, comparison: Comparison) -> str | None:
    """A plain gauge (not a share, ratio or timestamp) with no `aggregation` was summed: right for a total (a
    lag), wrong per instance: three disks at 40 C read 120 above a line of 80 (a page on a healthy service), and
    summed free bytes stay above a `below:` line while one disk is full (never fires). No default fits both."""
    if metric.type is not MetricType.GAUGE or metric.selector is None or metric.aggregation_declared:
        return None
    if comparison is Comparison.WITHIN or metric.aggregation is not Aggregation.SUM:
        return None
    if comparison is Comparison.ABOVE:
        wrong, per_series = "three disks at 40 degrees read 120, over a line of 80", "max (fires when any one is over)"
    else:
        wrong, per_series = "free bytes summed stay over the line while one disk is full", "min (any one under)"
    return (
        f"metric {metric.name!r} is a gauge without aggregation, so its series would be summed: right for a "
        f"total (a lag), wrong per instance ({wrong}); say which on the metric: aggregation: sum (the total) or "
        f"{per_series}"
    )


def _threshold(value: Any, comparison: Comparison, metric: Metric) -> Decimal:
    """The threshold in the metric's base unit, or ValueError saying which forms fit this metric."""
    number = _threshold_spelled(value, comparison, metric)
    if abs(number) > LARGEST_FLOAT:  # `above: "1000…0"` as a string: exact here, out of range for Go's ParseFloat
        raise ValueError(
            f"a line at {number:.3e} is past the largest number Prometheus reads ({LARGEST_FLOAT:.3e}): promtool and "
            "Prometheus would refuse the rule; write the line the metric can really cross"
        )
    return number


def line_in_unit(text: str, metric: Metric) -> Decimal:
    """A line written with a unit (`0.25s`, `80%`, `2GiB`) in the metric's own unit, as a threshold alert reads it
    (250 on a `unit: ms` gauge); ValueError names the units that fit the metric."""
    return _threshold(text, Comparison.ABOVE, metric)


def _threshold_spelled(value: Any, comparison: Comparison, metric: Metric) -> Decimal:
    try:
        return _threshold_as_written(value, comparison, metric)
    except ValueError as exc:
        text = value.strip() if isinstance(value, str) else ""
        if pointed := pointed_duration(text):  # `1,5s`: a line takes decimals (1.5s), a Prometheus duration none
            _threshold_as_written(pointed, comparison, metric)  # a unit that does not fit is said first
            raise ValueError(f"{value!r}: write {pointed} (a decimal point)") from None
        # `below: 0,5s` (a decimal comma), `above: 1.5 GiB` (a space) were told "not a threshold: write a
        # number...", which they look like: the spelling obsc reads, where it fits this metric
        advice = decimal_point_advice(text) if decimal_point(text) else None
        if advice is None and (joined := re.sub(r"\s+", "", text)) != text:
            advice = f"{joined} (no space before the unit)"
        if advice is None or _GROUPED.fullmatch(text) or advice.split()[0] in str(exc):  # said already (20,000)
            raise
    _threshold_as_written(advice.split()[0], comparison, metric)  # a unit that does not fit is said first
    raise ValueError(f"{value!r}: write {advice}")


# `1/d`, `2/w`, `3 per day`: a count over a span longer than the longest rate window (a day)
_LONG_SPAN = re.compile(r"[0-9.]+\s*(/|per\s*)(d|day|days|w|wk|week|weeks|y|yr|year|month|mo)", re.IGNORECASE)


# `10/min`, `10 per minute`, `5/sec`, `100 per hour`: a rate obsc reads, spelled in words (round 45, a newcomer)
_SPELLED_RATE = re.compile(
    r"([0-9]+(?:\.[0-9]+)?)\s*(?:/|per\s*)(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)", re.IGNORECASE
)


def _counter_line_advice(value: Any, metric: Metric) -> str:
    """Why a counter's line is not read, and the forms that are. A rate per day or week (a batch job's runs
    counted once a day) is not one of them: the rate window stops at a day, where such a counter reads 0 or one
    run, so a late run is told by the timestamp of its last success, not by a rate line."""
    if isinstance(value, str) and (spelled := _SPELLED_RATE.fullmatch(value.strip())):  # `10/min`, `5 per second`
        unit = spelled[2][0].lower()
        rate = f"{spelled[1]} (a bare number is per second)" if unit == "s" else f"{spelled[1]}/{unit}"
        return f"{metric.name!r} is a counter, compared as a rate: write {rate}"
    text = (
        f"{metric.name!r} is a counter: its per-second rate is compared (over 5m, or for a line under 1/m the "
        "shortest window up to a day that holds 5 events at the line); write e.g. 2.5, 10/m or 100/h"
    )
    if isinstance(value, str) and _LONG_SPAN.fullmatch(value.strip()):
        text += (
            "; a rate per day or week is not read: the longest window is a day, over which a counter that moves once a "
            "day reads 0 or 1 (a line there sits on a healthy job's own reading), so watch a job that runs daily or "
            "less often by the timestamp of its last success: an SLO with sli: {last_success: <gauge>, max_age: 26h}"
        )
    return text


def _threshold_as_written(value: Any, comparison: Comparison, metric: Metric) -> Decimal:
    if comparison is Comparison.WITHIN:
        if metric.type is MetricType.COUNTER:
            raise ValueError(f"within: reads a Unix timestamp gauge; {metric.name!r} is a counter")
        if problem := timestamp_problem(metric):
            raise ValueError(problem)
        return Decimal(parse_duration(str(value)))
    if isinstance(value, bool):
        raise ValueError("expected a number or a number with a unit")
    if metric.type is MetricType.COUNTER:
        # A counter only grows: compare its per-second rate (5m), written as 2.5, 10/m or 100/h.
        if isinstance(value, str) and _NUMBER.fullmatch(value):
            return Decimal(value)
        try:
            # 100/h is 0.02777...: 12 significant digits keep PromQL readable, far below any real difference.
            return Decimal(format(parse_rate(value), ".12g"))
        except ValueError:
            raise ValueError(_counter_line_advice(value, metric)) from None
    text = repr(value) if isinstance(value, int | float) else str(value)
    if _NUMBER.fullmatch(text) or isinstance(value, int | float):
        number = Decimal(text)
        if problem := bare_line_problem(metric, number) or bare_latency_problem(metric, number):
            raise ValueError(problem)
        return number
    unit = metric.unit
    if text.endswith("%"):
        ratio = parse_percent(text)
        if unit == "percentunit":
            return ratio
        if unit == "percent":
            return ratio * 100
        raise ValueError(
            f"a percentage needs metric {metric.name!r} to declare unit: percentunit (0-1) or percent (0-100); "
            f"it has {unit or 'no unit'}"
        )
    if match := _WITH_BYTES.fullmatch(text):
        if unit not in _BYTE_UNITS:
            raise ValueError(f"a size needs metric {metric.name!r} to declare unit: bytes; it has {unit or 'no unit'}")
        return Decimal(match.group(1)) * _BYTES[match.group(2)]
    if _GROUPED.fullmatch(text):  # `above: 20,000` (a string in YAML): the number is meant, not its grouping
        raise ValueError(f"write {text.replace(',', '')} (no thousands separator)")
    try:
        seconds = parse_threshold_seconds(text)
    except ValueError:
        raise ValueError("not a threshold: write a number, or one with the metric's unit (500ms, 80%, 2GiB)") from None
    if unit == "s" or seconds_by_name(metric):
        return seconds
    if unit == "ms":
        return seconds * 1000
    raise ValueError(f"a duration needs metric {metric.name!r} to declare unit: s (or ms); it has {unit or 'no unit'}")
