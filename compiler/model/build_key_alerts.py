"""The key-metric alerts of a service: the built-in table, the platform's defaults and the spec merged tier
by tier, each alert's threshold parsed for its kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from compiler.errors import Location
from compiler.model.alert_kinds import EVENT_KINDS, EVENT_MAX_FOR, KINDS, MAX_FOR, long_hold
from compiler.model.build_context import Ctx, Layer, builtin_defaults
from compiler.model.ratio_groups import error_groups_problem
from compiler.model.relays import held_behind_relay
from compiler.model.saturation_missing import apply_missing
from compiler.model.selector_cover import errors_cover_requests
from compiler.model.types import AlertKind, KeyAlert, Metric, ThresholdType, Tier
from compiler.model.units import (
    HISTOGRAM_SECONDS,
    decimal_text,
    float64_problem,
    format_duration,
    histogram_units,
    parse_duration,
    parse_percent,
    parse_threshold_seconds,
    unitless_latency_line,
)
from compiler.spec.document import Path


def build_key_alerts(
    data: Mapping[str, Any], defaults: Layer, metrics: dict[str, Metric], ctx: Ctx, has_targets: bool = True
) -> list[KeyAlert]:
    layers: list[tuple[Mapping[str, Any], Ctx, Path]] = [
        (builtin_defaults()["alerts"], Ctx(None), ("alerts",)),
        (defaults.data.get("alerts") or {}, defaults.ctx, (*defaults.base, "alerts")),
        (data.get("alerts") or {}, ctx, ("alerts",)),
    ]
    if covered := errors_cover_requests(metrics) or error_groups_problem(metrics):
        own = "errors" in (data.get("metrics") or {})
        (ctx if own else defaults.ctx).error(
            ("metrics", "errors") if own else (*defaults.base, "metrics", "errors"), covered
        )
    out: list[KeyAlert] = []
    for kind, key, info in _KINDS:
        tiers: dict[Tier, tuple[Any, Ctx, Path]] = {}
        sources: dict[Tier, _Sources] = {}  # which layer wrote each tier's line and its hold
        switched_on: tuple[Ctx, Path] | None = None  # `true` after an inherited `false`: on, with no tiers
        for layer, where, base in layers:
            if key not in layer:
                continue
            value = layer[key]
            if value is False:
                tiers = {}
                continue
            if value is True:
                switched_on = None if tiers else (where, (*base, key))
                continue  # "on": keep inherited tiers
            for tier, name in _TIERS:
                if name in value:
                    inherited = tiers[tier][0] if tier in tiers else None
                    tiers[tier] = (_over(inherited, value[name]), where, (*base, key, name))
                    sources[tier] = _written(sources.get(tier), value[name], where, (*base, key, name))
        if switched_on is not None and not tiers:
            where, path = switched_on
            where.error(
                path,
                f"{key}: true keeps the tiers it inherits, and it inherits none (the platform turned it off, or it "
                "has no default): give its tiers, e.g. {warning: ...}",
            )
        if tiers and not all(m in metrics for m in info.requires):
            _asked_without_metrics(data, ctx, key, [m for m in info.requires if m not in metrics])
            continue  # inherited: explained by explain_skipped(); the service simply lacks the metric
        if kind is AlertKind.SERVICE_DOWN and not has_targets:
            _no_targets(data, ctx)
            continue  # nothing is scraped: `up` does not exist, the alert would page forever
        if kind is AlertKind.LATENCY_P99 and tiers and metrics["latency"].unit not in HISTOGRAM_SECONDS:
            latency = metrics["latency"]
            units = histogram_units(latency.unit)
            ctx.error(
                ("metrics", "latency"),
                f"histogram 'latency' declares unit {latency.unit!r}: the p99 latency alert reads its quantiles as "
                f"durations, so its unit must be one of {units}; or set alerts.latency_p99: false",
            )
            continue
        built: dict[Tier, KeyAlert] = {}
        for tier, _ in _TIERS:  # by rank: the order Tier lists them
            if tier not in tiers:
                continue
            value, where, path = tiers[tier]
            alert = build_key_alert(kind, tier, value, info.threshold, info.default_for[tier], where, path)
            built_in = None if where.doc else tier
            beyond = _beyond_buckets(alert, metrics.get("latency"), built_in) if kind is AlertKind.LATENCY_P99 else None
            if beyond and where.doc:
                where.error(path, beyond)
            elif beyond:  # a built-in line is the spec's to change: said at its histogram, with the key that sets it
                ctx.error(("metrics", "latency"), beyond)
            elif alert is not None:
                line, hold = sources[tier]
                built[tier] = replace(alert, line_location=line[0].loc(line[1]), for_location=_hold_location(hold))
        if _tiers_in_order(kind, built, tiers, layers):
            out += built.values()
    # relay: two intervals more
    return held_behind_relay(data, defaults, apply_missing(layers, out, has_targets, ctx, metrics))


def _asked_without_metrics(data: Mapping[str, Any], ctx: Ctx, key: str, missing: list[str]) -> None:
    """The spec itself tunes an alert whose metrics it does not name as obsc reads them (`requests`, `errors`,
    `latency`...): the alert would be dropped without a word (metrics named `calls` and `failed`)."""
    own = (data.get("alerts") or {}).get(key)
    if own is None or own is False:
        return
    # A metric the spec writes but that was not built (a selector that does not parse) is reported at its own
    # line; "which this service does not define" beside it was a second, wrong error (round 43).
    missing = [m for m in missing if not (ctx.defines_metric(m) or m in ctx.unbuilt or ctx.left_out(m))]
    if not missing:
        return
    names = ", ".join(f"metrics.{m}" for m in missing)
    if missing[0] in ctx.unapplied:  # a platform default would read the prober's own series
        ctx.error(
            ("alerts", key),
            f"{key} reads {names}, which this spec does not define, and a platform default is not applied here: "
            f"every metric read through the selector is a prober's (probe_*), so it would watch the prober, not "
            f"the service; declare "
            f"metrics.{missing[0]} in this spec with the service's own labels, or remove alerts.{key}",
        )
        return
    ctx.error(
        ("alerts", key),
        f"{key} reads {names}, which this service does not define, so it would produce no alert: name the "
        f"metrics so (e.g. {missing[0]}: <selector>, as well as your own names) or remove alerts.{key}",
    )


def _over(inherited: Any, value: Any) -> Any:
    """A tier's setting over the one it inherits: a bare line keeps the inherited `for`, a `{for}` alone keeps
    the inherited line (a platform's `{threshold: 5%, for: 10m}` under a spec's `8%` had lost its 10m)."""
    if not isinstance(inherited, dict):
        inherited = {} if inherited is None or isinstance(inherited, bool) else {"threshold": inherited}
    if isinstance(value, dict):
        return {**inherited, **value}
    if value is False or value is True or "for" not in inherited:
        return value
    return {"threshold": value, "for": inherited["for"]}


_Sources = tuple[tuple[Ctx, Path], tuple[Ctx, Path] | None]  # (line, hold) as (layer, path); hold None: built in


def _written(known: _Sources | None, value: Any, where: Ctx, path: Path) -> _Sources:
    """Where a tier's line and hold come from once this layer's `value` is over the inherited ones: a bare line
    keeps the inherited hold, `{for}` alone the inherited line (`-v` and the inherited-line warnings say which)."""
    line, hold = known if known is not None else ((where, path), None)
    if not isinstance(value, dict):
        return (where, path), hold
    if "threshold" in value:
        line = (where, (*path, "threshold"))
    return line, (where, (*path, "for")) if "for" in value else hold


def _hold_location(hold: tuple[Ctx, Path] | None) -> Location:
    return hold[0].loc(hold[1]) if hold is not None else Ctx(None).loc(())


# Kinds whose alert fires above its line (a page on a higher line than the ticket), and the one whose line is
# a horizon (a page on a shorter one).
_RISING = (AlertKind.ERROR_RATE, AlertKind.LATENCY_P99, AlertKind.CPU, AlertKind.MEMORY, AlertKind.DISK)


def _tiers_in_order(
    kind: AlertKind,
    built: Mapping[Tier, KeyAlert],
    tiers: Mapping[Tier, tuple[Any, Ctx, Path]],
    layers: list[tuple[Mapping[str, Any], Ctx, Path]],
) -> bool:
    """False after reporting a ticket line beyond the page's: the page would always come first, the ticket
    only with it (p99 warning at 10s under an inherited 2s page)."""
    page, ticket = built.get(Tier.CRITICAL), built.get(Tier.WARNING)
    if page is None or ticket is None or page.threshold is None or ticket.threshold is None:
        return True
    if kind in _RISING:
        wrong = ticket.threshold >= page.threshold
    elif kind is AlertKind.DISK_FULL:
        wrong = ticket.threshold <= page.threshold
    else:
        return True
    if not wrong:
        return True
    depth = [
        next(i for i, layer in enumerate(layers) if layer[1] is tiers[t][1]) for t in (Tier.CRITICAL, Tier.WARNING)
    ]
    blamed = Tier.WARNING if depth[1] >= depth[0] else Tier.CRITICAL  # the later layer changed the order
    _, where, path = tiers[blamed]
    lines = f"warning {_line(tiers[Tier.WARNING][0])}, critical {_line(tiers[Tier.CRITICAL][0])}"
    where.error(
        path,
        f"{kind.value}: the warning line is not before the critical one ({lines}): the page would always come "
        "first and the ticket only with it; put the warning line before the critical line",
    )
    return False


def _line(value: Any) -> str:
    return str(value.get("threshold") if isinstance(value, dict) else value)


# Each kind and tier with its spec key: an enum's `.value` is a descriptor call, asked ~150 times per service.
_KINDS = tuple((kind, kind.value, info) for kind, info in KINDS.items())
_TIERS = tuple((tier, tier.value) for tier in Tier)


def build_key_alert(
    kind: AlertKind, tier: Tier, value: Any, ttype: ThresholdType, default_for: int, ctx: Ctx, path: Path
) -> KeyAlert | None:
    for_seconds, raw = default_for, value
    if isinstance(value, dict):
        if "for" in value:
            try:
                for_seconds = parse_duration(value["for"])
            except ValueError as exc:
                ctx.error((*path, "for"), str(exc))
                return None
            if for_seconds > MAX_FOR:  # its generated test feeds samples across the hold (a year: 17,521)
                ctx.error((*path, "for"), long_hold(value["for"], "an alert"))
                return None
            if kind in EVENT_KINDS and for_seconds > EVENT_MAX_FOR and value.get("threshold", True) is not False:
                ctx.error((*path, "for"), _event_for_message(kind, value["for"]))
                return None
        value = value.get("threshold", True)
    if value is False:
        return None
    try:
        threshold = parse_threshold(value, ttype)
        if kind in _SHARES and threshold is not None and threshold >= 1:
            raise ValueError(f"threshold {value} could never be exceeded: the {_SHARES[kind]} is at most 100%")
    except ValueError as exc:
        ctx.error(path, f"{kind.value}: {exc}")
        return None
    if kind is AlertKind.DISK_FULL and threshold is not None and for_seconds * 2 > threshold:
        # A steadily filling disk is predicted full within the horizon from `horizon` ahead of full, so the
        # alert fires `horizon - for` ahead: past half the horizon the warning comes too late to act on
        # (and at `for` >= horizon, once the disk is full).
        given = isinstance(raw, dict) and "for" in raw
        ctx.error((*path, "for") if given else path, _disk_for_message(threshold, for_seconds, given))
        return None
    return KeyAlert(kind, tier, threshold, for_seconds, ctx.loc(path))


def _beyond_buckets(alert: KeyAlert | None, latency: Metric | None, built_in: Tier | None = None) -> str | None:
    """Why a p99 line at or above the histogram's largest declared bucket can never be crossed: a quantile
    among requests slower than every bucket is that bucket's bound (histogram_quantile caps it there).
    `built_in`: the line is the built-in table's at that tier, which the spec never wrote: the message names the
    key that sets it (a newcomer's 1.6s buckets were told "lower the line" of a 5s line written nowhere)."""
    if alert is None or alert.threshold is None or latency is None or not latency.buckets:
        return None
    scale = HISTOGRAM_SECONDS.get(latency.unit, Decimal(1))
    top = max(latency.buckets)
    if alert.threshold / scale <= min(latency.buckets) * P99:
        return _under_buckets(alert.threshold, min(latency.buckets), latency.unit or "s", built_in)
    if alert.threshold / scale < top:
        return None
    unit = latency.unit or "s"
    lower = "lower the line"
    if built_in is not None:
        below = [b for b in latency.buckets if b < top]
        under = f"{decimal_text(max(below))}{unit}" if below else "..."
        lower = f"lower the built-in {built_in.value} line (alerts: {{latency_p99: {{{built_in.value}: {under}}}}})"
    return (
        f"latency_p99: the line {decimal_text(alert.threshold)}s is not below the histogram's largest bucket "
        f"({decimal_text(top)}{unit}): p99 is never computed above it, so the alert could never fire; {lower} "
        "or declare a larger bucket"
    )


P99 = Decimal("0.99")


def _under_buckets(line: Decimal, smallest: Decimal, unit: str, built_in: Tier | None) -> str:
    """A p99 line at or under 0.99 of the smallest bucket: histogram_quantile reads a quantile in the lowest bucket
    between 0 and its bound, so the p99 is 0.99 of the bound with every request in it, and above that with one
    request slower: the line is crossed while there is any traffic at all (round 40, promtool)."""
    floor = f"{decimal_text(smallest * P99)}{unit}"
    fix = (
        f"set the built-in {built_in.value} line (alerts: {{latency_p99: {{{built_in.value}: ...}}}}) above it"
        if built_in is not None
        else "raise the line above that"
    )
    return (
        f"latency_p99: the line {decimal_text(line)}s is not above 0.99 of the histogram's smallest bucket "
        f"({decimal_text(smallest)}{unit}): p99 is never computed below 0.99 of it ({floor}), and above that as soon "
        f"as one request is slower than the bucket, so the alert fires while there is traffic, on a healthy "
        f"service; {fix}, or declare a smaller bucket"
    )


# Kinds whose value is a share that cannot pass 100% (the alerts compare with `>`). Not CPU (usage over a
# limit can pass it between throttling periods) nor the traffic change (a rise can be any size).
SMALLEST_RATIO_LINE = Decimal("1e-12")  # its generated cases feed 10^12 requests a window to cross it
_SHARES = {AlertKind.ERROR_RATE: "share of requests that fail", AlertKind.DISK: "share of the disk in use"}


def _disk_for_message(horizon: Decimal, hold: int, given: bool) -> str:
    lead = int(horizon) - hold
    when = f"only {format_duration(lead)} before it is full" if lead > 0 else "only once it is full"
    default = "" if given else " (the default `for`; set a shorter one)"
    return (
        f"disk_full: a for of {format_duration(hold)}{default} is more than half the "
        f"{format_duration(int(horizon))} horizon: a disk filling steadily would be reported {when}"
    )


def _event_for_message(kind: AlertKind, hold: str) -> str:
    return (
        f"{kind.value} reports an event: its condition holds for the hour after it whatever follows, so a `for` "
        f"only delays the alert and one of an hour or more silences it; at most "
        f"{format_duration(EVENT_MAX_FOR)} is allowed (for: {hold})"
    )


def parse_threshold(value: Any, ttype: ThresholdType) -> Decimal | None:
    if ttype == ThresholdType.FLAG:
        if value is not True:
            raise ValueError(f"expected true or false, got {value!r}")
        return None
    if value is True:
        raise ValueError(f"needs a threshold ({'e.g. 5%' if ttype == ThresholdType.RATIO else 'e.g. 5s'})")
    if ttype == ThresholdType.RATIO:
        if not isinstance(value, str):
            raise ValueError(_percent_without_sign(value))
        ratio = parse_percent(value)
        if ratio <= 0:
            raise ValueError("threshold must be greater than 0%")
        if ratio < SMALLEST_RATIO_LINE:  # round 38: 0.0000000000001% crashed the generated error-rate cases
            raise ValueError(
                f"{value} is under 0.0000000001% (1e-12), the smallest share line obsc compiles (its generated "
                "tests cannot feed a smaller one)"
            )
        if past := float64_problem(ratio, value):  # a saturation share may pass 100%, but not this far
            raise ValueError(past)
        return ratio
    if ttype == ThresholdType.DURATION:
        if unitless := unitless_latency_line(str(value)):
            raise ValueError(unitless)
        seconds = parse_threshold_seconds(str(value))
        if seconds <= 0:
            raise ValueError("threshold must be longer than 0s")
        return seconds
    return Decimal(repr(value))


def _percent_without_sign(value: Any) -> str:
    """`warning: 0.02` is most likely the fraction 2%: "write '0.02%'" led to a line 100 times lower."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        number = Decimal(repr(value))
        percent = decimal_text(number * 100)
        return (
            f"{decimal_text(number)} needs its % sign; if it is a fraction, the percentage is {percent}% "
            f"(write {percent}%, or {decimal_text(number)}% if you meant that)"
        )
    return f"write the threshold as a percentage with its sign, e.g. {value}%"


def _no_targets(data: Mapping[str, Any], ctx: Ctx) -> None:
    """A spec that asks for ServiceDown while declaring nothing scraped contradicts itself."""
    value = (data.get("alerts") or {}).get(AlertKind.SERVICE_DOWN.value)
    if value is None or value is False or (isinstance(value, dict) and not any(v is not False for v in value.values())):
        return
    ctx.error(
        ("alerts", AlertKind.SERVICE_DOWN.value),
        "service_down reads the `up` series of the scrape targets, and this service declares targets: false "
        "(nothing scrapes it); remove service_down here, or declare targets: {job: ...}",
    )
