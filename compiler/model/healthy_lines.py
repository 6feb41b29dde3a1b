"""Inherited key-alert lines that fire while the SLO over the same requests meets its objective.

A 95% SLO lets 5% of requests fail; the built-in ServiceHighErrorRate ticket fires above 1%. A steady 3% meets
the objective and still ticketed for as long as it lasted (a 0.5 req/s admin API at 95% over 7d, promtool, round
27): an alert that fires on a healthy SLO. The same holds for the p99 page beside a latency SLO (round 34): a
report builder whose SLO counts builds within 2m as good inherits the 5s p99 page, and paged for as long as it
ran, healthy; so does a 90% latency SLO, which lets 10% of requests be slow while a p99 line pages at 1%. A line
the spec writes itself is its team's choice; an inherited one (the built-in table, the platform's defaults) is
said at the SLO, once per tier, with the line that fits.

A page has a second bound (round 39): the SLO's own lowest page line. At 95% over 30d the SLO pages from 30% errors
(its 6h pair, 6x the budget) and tickets a 2.4x burn; the inherited 10% page paged 12% errors for three hours
(promtool), and at 90% the same page is the whole budget: a 1.2x burn the SLO does not even ticket paged.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.model.alert_kinds import KINDS
from compiler.model.burnrate import error_ratio_threshold, windows_for
from compiler.model.types import (
    AlertKind,
    BurnWindow,
    Comparison,
    KeyAlert,
    MetricType,
    Service,
    SliKind,
    Slo,
    ThresholdType,
    Tier,
)
from compiler.model.units import about_text, decimal_text, format_duration, percent_text

_ALERT = conventions.KEY_ALERT_NAMES[AlertKind.ERROR_RATE.value]
_P99 = conventions.KEY_ALERT_NAMES[AlertKind.LATENCY_P99.value]
_BARE_NUMBER = re.compile(r"[0-9][0-9_,]*(\.[0-9]+)?")  # a line written with no unit: 10, 2.5, 1_000
_P99_SHARE = Decimal("0.01")  # the share of requests over its line that a p99 alert fires on


def inherited_lines_below_budget(service: Service) -> list[Diagnostic]:
    """A located warning per inherited error-rate or p99 tier that fires while its SLO meets the objective."""
    found = []
    slos = {slo.name: (index, slo) for index, slo in enumerate(service.slos)}
    for alert in service.key_alerts:
        if (
            alert.kind not in (AlertKind.ERROR_RATE, AlertKind.LATENCY_P99)
            or alert.slo is None
            or alert.slo not in slos
            or alert.threshold is None
        ):
            continue
        if service.location.file and _line_location(alert).file == service.location.file:
            continue  # the spec wrote this line itself (a `{for}` alone there keeps the inherited line)
        index, slo = slos[alert.slo]
        text = _error_rate_text(alert, slo) if alert.kind is AlertKind.ERROR_RATE else _p99_text(alert, slo)
        if text:
            found.append(Diagnostic(slo.location, ("slos", index), text))
    return found


def _error_rate_text(alert: KeyAlert, slo: Slo) -> str:
    assert alert.threshold is not None
    if alert.tier is Tier.CRITICAL and (page := _lowest_page(slo)) is not None:
        return _page_text(alert, slo, *page) if alert.threshold < page[0] else ""
    if alert.threshold >= slo.error_budget:
        return ""
    tier, source, does = _tier(alert), _source(alert), _does(alert)
    budget = percent_text(slo.error_budget)
    return (
        f"the {slo.name} SLO lets {budget} of requests fail, but {_ALERT} inherits a {tier} line of "
        f"{percent_text(alert.threshold)} ({source}): a steady error rate between the two meets the "
        f"objective and {does} for as long as it lasts; set alerts: {{error_rate: {{{tier}: {budget}}}}} "
        f"in this spec (or {tier}: false, or the line you mean)"
    )


def _lowest_page(slo: Slo) -> tuple[Decimal, BurnWindow] | None:
    """The lowest error ratio the SLO's burn-rate page fires at, and its pair; None when it has no page that can."""
    pages = [(error_ratio_threshold(slo, w), w) for w in windows_for(slo) if w.tier is Tier.CRITICAL]
    reachable = [(line, w) for line, w in pages if line < 1]
    return min(reachable, key=lambda page: page[0]) if reachable else None


def _page_text(alert: KeyAlert, slo: Slo, line: Decimal, window: BurnWindow) -> str:
    """An inherited page below the SLO's lowest page line pages a burn the SLO only tickets, or not even."""
    assert alert.threshold is not None
    burn, factor = about_text(alert.threshold / slo.error_budget), about_text(line / slo.error_budget)
    return (
        f"the {slo.name} SLO pages from an error ratio of {percent_text(line)} (its {window.long}/{window.short} "
        f"pair, {factor}x the {percent_text(slo.error_budget)} budget), but {_ALERT} inherits a critical line of "
        f"{percent_text(alert.threshold)} ({_source(alert)}): a steady error rate between the two, a burn of "
        f"{burn}x to {factor}x that the SLO tickets or lets pass, pages for as long as it lasts; set alerts: "
        f"{{error_rate: {{critical: {_percent_at_least(line)}}}}} in this spec (or critical: false, or the line you "
        "mean)"
    )


def _percent_at_least(ratio: Decimal) -> str:
    """The ratio as a percentage a spec writes, rounded up to 2 decimals (a line at or above it)."""
    return decimal_text((ratio * 100).quantize(Decimal("0.01"), rounding=ROUND_CEILING)) + "%"


def _p99_text(alert: KeyAlert, slo: Slo) -> str:
    """The p99 alert fires once 1% of requests are over its line; the SLO is met while its budget's share is over
    its threshold: both at once when the line is below the threshold, or the budget above 1%."""
    good_within = slo.sli.threshold_seconds
    if slo.sli.kind is not SliKind.LATENCY or good_within is None or alert.threshold is None:
        return ""
    line, budget = alert.threshold, slo.error_budget
    if line >= good_within and budget <= _P99_SHARE:
        return ""
    tier, source, does = _tier(alert), _source(alert), _does(alert)
    head = f"the {slo.name} SLO counts requests within {_seconds(good_within)} as good"
    if budget > _P99_SHARE:
        head += f" and lets {percent_text(budget)} be slower"
    fits = _seconds(good_within) if budget <= _P99_SHARE else "false"
    return (
        f"{head}, but {_P99} inherits a {tier} line of {_seconds(line)} ({source}), crossed once 1% of requests "
        f"are slower: a service that meets the objective {does} for as long as it lasts; set alerts: "
        f"{{latency_p99: {{{tier}: {fits}}}}} in this spec (or the line you mean)"
    )


def _tier(alert: KeyAlert) -> str:
    return Tier.CRITICAL.value if alert.demoted else alert.tier.value


def _line_location(alert: KeyAlert) -> Location:
    return alert.line_location if alert.line_location.file else alert.location


def _source(alert: KeyAlert) -> str:
    return _from(_line_location(alert))


def _does(alert: KeyAlert) -> str:
    return "pages" if alert.tier is Tier.CRITICAL else "tickets"


def _seconds(value: Decimal) -> str:
    """800ms, 5s, 2m: the spelling a spec writes."""
    if value < 1:
        return decimal_text(value * 1000) + "ms"
    return format_duration(int(value)) if value == int(value) else decimal_text(value) + "s"


def line_source_notes(service: Service) -> list[str]:
    """`-v` notes: each key alert's line and hold that this spec did not write, and where they come from (a spec
    writing `{for: 10m}` alone keeps the platform's line; `critical: 5%` alone keeps its hold)."""
    notes = []
    for alert in service.key_alerts:
        parts = []
        if alert.threshold is not None and _inherited(service, _line_location(alert)):
            parts.append(f"its line {_line_text(alert)} from {_from(_line_location(alert))}")
        hold = alert.for_location if alert.for_location.file else alert.location
        if alert.threshold is not None and _inherited(service, hold):
            parts.append(f"its hold {format_duration(alert.for_seconds)} from {_from(hold)}")
        if parts:
            tier = f"{Tier.CRITICAL.value} (demoted to a ticket)" if alert.demoted else alert.tier.value
            notes.append(f"{alert.kind.value} {tier}: {' and '.join(parts)}")
    return notes


def _inherited(service: Service, where: Location) -> bool:
    return bool(where.file) and where.file != service.location.file


def _from(where: Location) -> str:
    return "the built-in table" if where.file == "<defaults>" else f"platform defaults, {where}"


def _line_text(alert: KeyAlert) -> str:
    assert alert.threshold is not None
    if KINDS[alert.kind].threshold is ThresholdType.DURATION:
        return _seconds(alert.threshold)
    return percent_text(alert.threshold)


def counter_line_notes(service: Service) -> list[str]:
    """`-v` notes: a threshold alert on a counter whose line was written as a bare number is read per second (the
    counter's rate); round 45's newcomer wrote `below: 10` on a settlements counter meaning a few a minute, and no
    word said it was 10 a second (600 a minute)."""
    return [
        f"threshold alert {alert.name}: {alert.comparison.value} {alert.threshold_text} reads {alert.metric.name} as "
        f"events per second ({decimal_text(alert.threshold * 60)}/m); write {alert.threshold_text}/m or "
        f"{alert.threshold_text}/h for that many a minute or an hour"
        for alert in service.threshold_alerts
        if alert.metric.type is MetricType.COUNTER
        and alert.comparison is not Comparison.WITHIN
        and _BARE_NUMBER.fullmatch(alert.threshold_text)
    ]
