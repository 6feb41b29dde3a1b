"""SLO rules: per-window event rates and error ratios, metadata, burn-rate and error-budget alerts.

Two tiers, from the cost measurements in TARGETS.md:
- fast (default interval): each window up to 6h as raw bad and total rates and their ratio (no lag: not 5m sums).
- coarse (every 5m): a 5m rate of bad and total events, then each window of 1d, 3d and the period as a
  ratio of sums of those samples; a 30d window reads 8,640 samples, not 86,400.
Every ratio is bad / total over the same window (traffic-weighted, never a mean of ratios) and has no value when
there was no traffic (`total > 0`), so nothing reads NaN. Alerts live in the group of the longest window they read,
so they never see a series the other tier has not refreshed yet.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from compiler import conventions as names
from compiler.model import queries
from compiler.model.alerts import AlertDef, fired_labels, service_alerts
from compiler.model.burnrate import (
    BurnWindow,
    count_floor,
    current_window_seconds,
    recorded_windows,
    recording_tiers,
    recovery_windows,
)
from compiler.model.burst_windows import burst_ends
from compiler.model.groups import on_labels
from compiler.model.sli_kinds import SLICE_KINDS, burn_guard_text, burn_words
from compiler.model.types import Platform, Service, SliKind, Slo, Tier
from compiler.model.units import about_text, decimal_text, format_duration, percent_text, share_text
from compiler.targets import links
from compiler.targets.prometheus import counted_short, slo_groups
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.alerts_reads import owned_by
from compiler.targets.prometheus.coarse_history import (
    COARSE_BASE_WINDOW,
    coarse_ratio_expr,
    guard_rate_expr,
    since_expr,
)
from compiler.targets.prometheus.counted_short import counted_step, ended_by_counted_short, slice_counted
from compiler.targets.prometheus.raw_alerts import raw_alert_expr, raw_alert_text
from compiler.targets.prometheus.rule_model import Rule, label_selector, record
from compiler.targets.prometheus.slo_groups import grouped_annotations
from compiler.targets.prometheus.slo_kinds import UNCOUNTED_KINDS, kind_records
from compiler.targets.prometheus.unbucketed import unbucketed_record

BUDGET_ALERT_FOR_SECONDS = 900  # the remaining budget moves slowly; hold a quarter hour against flapping at the line


@dataclass(frozen=True)
class SloRules:
    fast: tuple[Rule, ...]
    coarse: tuple[Rule, ...]


def slo_rules(service: Service, platform: Platform) -> SloRules:
    fast: list[Rule] = []
    coarse: list[Rule] = []
    alerts = service_alerts(service)
    for slo in service.slos:
        mine = [a for a in alerts if a.slo is not None and a.slo.name == slo.name]
        built = _one_slo(service, platform, slo, mine)
        fast.extend(built.fast)
        coarse.extend(built.coarse)
    return SloRules(tuple(fast), tuple(coarse))


def slo_labels(service: Service, slo: Slo) -> dict[str, str]:
    return {names.LABEL_SERVICE: service.name, names.LABEL_SLO: slo.name}


def window_labels(service: Service, slo: Slo, window: str) -> dict[str, str]:
    return {**slo_labels(service, slo), names.LABEL_WINDOW: window}


def guard_windows(slo: Slo, alerts: list[AlertDef]) -> set[int]:
    """Long windows whose bad-event rate the min_bad_events guard reads."""
    if slo.min_bad_events <= 0:
        return set()
    return {a.window.long_seconds for a in alerts if a.window is not None}


def since_recorded(service: Service, slo: Slo) -> bool:
    """Whether the coarse tier records when it first saw the SLO (names.SLI_COARSE_SINCE): every SLO with a coarse
    window (the period is one), whose ratio reads the share of the window its samples cover (coarse_history.py)."""
    return bool(coarse_windows(slo))


def coarse_windows(slo: Slo) -> tuple[int, ...]:
    """The SLO's recorded windows the coarse tier sums, ascending."""
    tiers = recording_tiers()
    return tuple(seconds for seconds in recorded_windows(slo) if tiers.is_coarse(seconds))


def _ratio(slo: Slo, bad: str, total: str) -> str:
    """bad / total, absent without traffic. An absent bad-event series is 0 for counters that only appear
    once something fails; not for a latency SLI, where it means the threshold bucket is missing (read as
    0 it would say "all good": the missing-data alert reports it instead)."""
    if slo.sli.kind is SliKind.LATENCY:
        return f"{bad}\n/\n({total} > 0)"
    return f"({bad} or 0 * {total})\n/\n({total} > 0)"


@dataclass(frozen=True)
class _SloText:
    """Text every rule of one SLO repeats (its series' matchers, period, objective), made once per SLO."""

    own: dict[str, str]
    selector: str  # `{service="x",slo="y"}`: a recorded series of the SLO is its name followed by this
    period: str
    objective: str
    budget: str
    budget_percent: str
    on: str  # `and on (service, slo)`: how a burn alert joins its windows
    unless: str  # `unless on (service, slo)`: a short window with no value at all
    recorded: tuple[int, ...]  # every window the SLO's error ratio is recorded over


def _slo_text(service: Service, slo: Slo) -> _SloText:
    own = slo_labels(service, slo)
    return _SloText(
        own=own,
        selector=label_selector(own),
        period=format_duration(slo.period_seconds),
        objective=f"{decimal_text(slo.objective)}%",
        budget=decimal_text(slo.error_budget),
        budget_percent=percent_text(slo.error_budget),
        on=f"and on ({on_labels(slo.by)})",
        unless=f"unless on ({on_labels(slo.by)})",
        recorded=recorded_windows(slo),
    )


def _one_slo(service: Service, platform: Platform, slo: Slo, alerts: list[AlertDef]) -> SloRules:
    tiers = recording_tiers()
    text = _slo_text(service, slo)
    if slo.sli.kind in UNCOUNTED_KINDS:
        bursts = burst_ends(slo, [a.window for a in alerts if a.window is not None])
        counts = guard_windows(slo, alerts) | counted_short.slice_started(slo, alerts)  # bad slices counted
        fast, coarse = kind_records(service, slo, counts, slice_counted(slo, alerts), bursts)
    else:
        fast, coarse = _event_records(service, slo, text, guard_windows(slo, alerts))
        fast_ends, coarse_ends = counted_short.event_burst_records(slo, text.own, alerts)  # bursts' ends, by tier
        fast, coarse = fast + fast_ends, coarse + coarse_ends
    own = tuple(sorted(text.own.items()))
    fast.append(Rule(f"vector({decimal_text(slo.objective_ratio)})", record=names.SLO_OBJECTIVE, labels=own))
    fast.append(Rule(f"vector({text.budget})", record=names.SLO_ERROR_BUDGET, labels=own))
    fast.append(Rule(f"vector({slo.period_seconds})", record=names.SLO_PERIOD_SECONDS, labels=own))
    period_ratio = names.sli_error_ratio(text.period) + text.selector
    remaining = f"1 - (max without ({names.LABEL_WINDOW}) ({period_ratio}) / {text.budget})"
    coarse.append(Rule(remaining, record=names.SLO_BUDGET_REMAINING, labels=own))
    # the fleet overview's copy of the current window's ratio, after it in its tier's group (this evaluation's value)
    current = current_window_seconds(slo)
    ratio = names.sli_error_ratio(format_duration(current)) + text.selector
    copy = Rule(ratio, record=names.SLO_CURRENT_ERROR_RATIO, labels=own)  # labelled: promtool lint tells SLOs apart
    (coarse if tiers.is_coarse(current) else fast).append(copy)

    for alert in alerts:
        rule = _alert_rule(service, platform, slo, text, alert)
        longest = alert.window.long_seconds if alert.window else slo.period_seconds
        if alert.reads_raw_series:
            longest = 0  # reads the raw series
        (coarse if tiers.is_coarse(longest) else fast).append(rule)
    return SloRules(tuple(fast), tuple(coarse))


def _event_records(service: Service, slo: Slo, text: _SloText, guards: set[int]) -> tuple[list[Rule], list[Rule]]:
    """Event-count SLIs: raw rates and ratios of the fast windows; the coarse tier's 5m rates and windows."""
    tiers = recording_tiers()
    own, selector = text.own, text.selector
    fast: list[Rule] = []
    coarse: list[Rule] = []
    windows = [(seconds, format_duration(seconds)) for seconds in recorded_windows(slo)]
    short = [window for seconds, window in windows if not tiers.is_coarse(seconds)]
    unbucketed, recorded = unbucketed_record(slo, tuple(sorted(own.items())), selector)
    fast.extend([unbucketed] if unbucketed else [])
    for window, (bad, total) in zip(short, _rates_per_window(service, slo, short, recorded), strict=True):
        labels = tuple(sorted({**own, names.LABEL_WINDOW: window}.items()))  # the window's three rules share them
        bad_name, total_name = names.sli_errors_rate(window), names.sli_total_rate(window)
        fast.append(Rule(total, record=total_name, labels=labels))
        fast.append(Rule(bad, record=bad_name, labels=labels))
        ratio = _ratio(slo, bad_name + selector, total_name + selector)
        fast.append(Rule(ratio, record=names.sli_error_ratio(window), labels=labels))

    bad5, total5 = queries.sli_rates(service, slo.sli, COARSE_BASE_WINDOW, slo.by)  # raw reads: see unbucketed.py
    base = window_labels(service, slo, COARSE_BASE_WINDOW)
    coarse.append(record(names.SLI_TOTAL_COARSE, total5, base))
    coarse_bad = bad5 if slo.sli.kind is SliKind.LATENCY else f"{bad5}\nor\n0 * {total5}"
    coarse.append(record(names.SLI_ERRORS_COARSE, coarse_bad, base))
    bad_c, total_c = names.SLI_ERRORS_COARSE + selector, names.SLI_TOTAL_COARSE + selector
    since = names.SLI_COARSE_SINCE + selector
    coarse.append(record(names.SLI_COARSE_SINCE, since_expr(selector, max(coarse_windows(slo))), base))
    for seconds, window in windows:
        if not tiers.is_coarse(seconds):
            continue
        labels = tuple(sorted({**own, names.LABEL_WINDOW: window}.items()))
        if seconds in guards:
            bridge = min(w.short_seconds for w in slo.windows if w.long_seconds == seconds)
            rate = guard_rate_expr(selector, window, seconds, bridge)
            coarse.append(Rule(rate, record=names.sli_errors_rate(window), labels=labels))
        ratio = coarse_ratio_expr(bad_c, total_c, since, window, seconds)
        coarse.append(Rule(ratio, record=names.sli_error_ratio(window), labels=labels))
    return fast, coarse


_MARK, _OTHER_MARK = "\x00", "\x01"  # stand-ins for a window in query text (no PromQL holds them)


def _rates_per_window(service: Service, slo: Slo, windows: list[str], recorded: str) -> list[tuple[str, str]]:
    """`queries.sli_rates` over each of `windows`. The queries only insert their window into the text (see
    there), so they are made once with a mark in the window's place and each window replaces the mark. They
    are made a second time with another mark: if the two disagree, the mark came from the spec's own text,
    and each window's queries are made on their own."""
    sli, by = slo.sli, slo.by
    if sli.raw_per_window:  # each window's queries are divided by its own seconds: no mark stands for those
        return [queries.sli_rates(service, sli, window, by, recorded) for window in windows]
    bad, total = queries.sli_rates(service, sli, _MARK, by, recorded)
    other_bad, other_total = queries.sli_rates(service, sli, _OTHER_MARK, by, recorded)
    if bad.replace(_MARK, _OTHER_MARK) != other_bad or total.replace(_MARK, _OTHER_MARK) != other_total:
        return [queries.sli_rates(service, sli, window, by, recorded) for window in windows]
    return [(bad.replace(_MARK, window), total.replace(_MARK, window)) for window in windows]


def burn_threshold_expr(slo: Slo, window: BurnWindow) -> str:
    """`(14.4 * 0.001)`: factor × error budget, written so a reader sees both (Sloth writes the same)."""
    return _threshold_text(window, slo.period_seconds, slo.error_budget)


def _threshold_text(window: BurnWindow, period_seconds: int, error_budget: Decimal) -> str:
    return f"({window.factor_text(period_seconds)} * {decimal_text(error_budget)})"


def _alert_rule(service: Service, platform: Platform, slo: Slo, text: _SloText, alert: AlertDef) -> Rule:
    selector = text.selector
    numbers = None
    if alert.window is not None:
        w = alert.window
        numbers = _window_numbers(w, slo.period_seconds, slo.error_budget)
        threshold, on = numbers.threshold, text.on
        long = f"max without ({names.LABEL_WINDOW}) ({numbers.long_ratio}{selector})"
        short = numbers.short_ratio + selector
        steps = [counted_step(slo, w, s, threshold, selector) for s in recovery_windows(text.recorded, w)]
        read = owned_by(service, slo)  # its own ALERTS: the team too (alerts_reads.py)
        held = f"{on} {_own_alerts(alert, read)}"
        holds = _short_window_holds(short, threshold, long, text.unless, steps, held)
        paged = counted_short.paged_within(alert.name, read, w)
        up = counted_short.paged_now(alert.name, read)
        firing = label_selector({**read, **own_alert_labels(alert), names.LABEL_ALERTSTATE: "firing"})
        up_or_own = (up, f"{on} {names.ALERTS_SERIES}{firing}")  # a page pair firing; this one
        holds = counted_short.started_by_counted_short(
            holds, slo, w, short, threshold, selector, held, paged, up_or_own
        )
        pairs = [a.window for a in service_alerts(service) if a.window and a.slo and a.slo.name == slo.name]
        lines = [f"{long} > {threshold}", on, *ended_by_counted_short(holds, slo, w, short, threshold, selector, pairs)]
        guard = decimal_text(count_floor(slo.min_bad_events))
        if slo.min_bad_events > 0 and slo.sli.kind in SLICE_KINDS:  # bad slices, not bad events a second
            lines += [on, f"{names.sli_bad_slices(numbers.long)}{selector} >= {guard}"]
        elif slo.min_bad_events > 0:
            lines += [on, f"{names.sli_errors_rate(numbers.long)}{selector} * {w.long_seconds} >= {guard}"]
        expr, hold = "\n".join(lines), w.for_seconds
    elif alert.reads_raw_series:
        expr, hold = raw_alert_expr(service, slo, alert)
    else:
        remaining = names.SLO_BUDGET_REMAINING + selector
        if alert.budget == "low":
            expr = f"{remaining} < {decimal_text(slo.alerting.budget_left)}\nand\n{remaining} > 0"
        else:
            expr = f"{remaining} <= 0"
        hold = BUDGET_ALERT_FOR_SECONDS
    return Rule(
        expr=expr,
        alert=alert.name,
        for_seconds=hold,
        keep_firing_seconds=alert.window.keep_firing_seconds if alert.window else 0,
        labels=alert_labels(service, alert),
        annotations=_annotations(service, platform, slo, text, alert, numbers),
        source=alert,
    )


def _short_window_holds(short: str, threshold: str, long: str, unless: str, steps: list[str], held: str) -> list[str]:
    """The short window's side of a burn pair: above the line, or without a value at all while the pair's own
    alert is already pending or firing (`held`: its ALERTS series; a coarse pair's, firing only: `_own_alerts`).
    A short window that saw no events (a batch
    service between its hourly bursts, one request an hour) is no evidence of recovery: without the second
    branch the pair broke between bursts and the page resolved and fired again every hour of one outage. The
    newest events then decide: the first of the recorded windows between short and long (`steps`, ascending,
    counted: counted_short.py) that has a ratio, else the long window, over the line. Reading the long alone, an
    hourly batch that recovered was paged again in each quiet half hour after a healthy run (30m window
    empty, 6h window still over the line), every hour until the failed runs aged out of the 6h window. The
    branch holds an alert and never starts one: a service scaled to zero at night was paged at 03:00 for
    the evening's last failures, the empty short window handing the decision to a 6h window that held only
    the evening's last hour. A pair whose traffic stops during a burn fires at most its long window after
    the last event."""
    branch = long
    if steps:
        newest = " or ".join([*(f"max without ({names.LABEL_WINDOW}) ({s})" for s in steps), long])
        branch = f"({newest}) > {threshold}"
    return ["(", f"  {short} > {threshold}", "  or", f"  {branch}", f"  {unless}", f"  {short}", f"  {held}", ")"]


def _held_words(slo: Slo, alert: AlertDef, things: str) -> str:
    """When the short window holds a pair already up, as its notification says: a ticket of an event-count SLO also
    within one failure of the line (counted_short.kept_within_one), or its ratio shows under the line while up."""
    w = alert.window
    kept = w is not None and counted_short.kept_within_one(w) and counted_short.short_counted(w)
    if kept and slo.sli.kind not in SLICE_KINDS and slo.sli.kind not in UNCOUNTED_KINDS:
        return f"or, while this alert was already up, saw no {things} or was less than one failure under the line"
    return f"or saw no {things} while this alert was already up"


def _own_alerts(alert: AlertDef, own: Mapping[str, str]) -> str:
    """The pair's own ALERTS series as its group reads the previous evaluation's. A coarse-tier pair (a
    ticket) is evaluated every 5m, so that sample is exactly one lookback delta old: Prometheus 3 (whose
    lookback leaves its oldest instant out) and a `--query.lookback-delta` under 5m would not see it, and
    the hold would never hold. A range one minute longer than the interval holds that sample and never the
    one before. Keep it under two intervals: a range skips stale markers, so a longer one would still see the
    evaluation before a resolved alert's and restart it.
    The range reads the firing state only: evaluated more often than every 5m (promtool runs every group each
    minute; a server after a missed evaluation is the converse), it still holds the last firing sample for up to
    6 minutes after the alert resolved, and a pending alert it held then held itself through its `for`. One
    incident opened two tickets: 99%/30d at 0.02 req/s, a 60-minute outage, the 3d/6h ticket up 1,765-2,254 and
    2,265-2,324 (round 46, tests/test_ticket_hold_edge.py). A pending ticket is held by its start side alone."""
    if alert.window is None or not recording_tiers().is_coarse(alert.window.long_seconds):
        return names.ALERTS_SERIES + label_selector({**own, **own_alert_labels(alert)})
    firing = label_selector({**own, **own_alert_labels(alert), names.LABEL_ALERTSTATE: "firing"})
    lookback = format_duration(recording_tiers().coarse_interval_seconds + 60)
    return f"last_over_time({names.ALERTS_SERIES}{firing}[{lookback}])"


def own_alert_labels(alert: AlertDef) -> dict[str, str]:
    """What tells a burn pair's ALERTS series from every other alert's of its SLO (or group): its name and its
    window pair (the two pairs of a tier share the name; `burn_window` is in the catalog's labels)."""
    return {
        names.LABEL_ALERTNAME: alert.name,
        **{k: v for k, v in alert.labels().items() if k == names.LABEL_BURN_WINDOW},
    }


def alert_labels(service: Service, alert: AlertDef) -> tuple[tuple[str, str], ...]:
    """The catalog's labels; the spec's extra labels never override them."""
    return tuple(sorted(fired_labels(service, alert).items()))


def alert_annotations(
    service: Service, platform: Platform, alert: AlertDef, summary: str, description: str
) -> tuple[tuple[str, str], ...]:
    """A key-metric or threshold alert's annotations: its texts and its dashboard and runbook links."""
    return (
        (
            names.ANNOTATION_DASHBOARD,
            slo_groups.threshold_dashboard_url(links.alert_dashboard_url(platform, service, alert), service, alert),
        ),
        (names.ANNOTATION_DESCRIPTION, description),
        (names.ANNOTATION_RUNBOOK, links.runbook_url(platform, alert)),
        (names.ANNOTATION_SUMMARY, summary),
    )


def _human_factor(factor: Decimal) -> str:
    return about_text(factor)


class _WindowNumbers(NamedTuple):
    """What a burn window's alert states for an SLO's period and budget."""

    long: str  # the windows: `1h`, `5m`
    short: str
    long_ratio: str  # their error-ratio series
    short_ratio: str
    threshold: str  # `burn_threshold_expr`
    factor: str  # the burn factor for humans
    line: str  # the error ratio it fires above (factor × budget, as `error_ratio_threshold`)
    spent: str  # the share of the period's budget such a burn spends in the long window


# Every SLO on the same window catalog, period and objective states the same numbers: each worked out once.
@functools.lru_cache(maxsize=1024)
def _window_numbers(window: BurnWindow, period_seconds: int, error_budget: Decimal) -> _WindowNumbers:
    factor = window.factor(period_seconds)
    return _WindowNumbers(
        long=window.long,
        short=window.short,
        long_ratio=names.sli_error_ratio(window.long),
        short_ratio=names.sli_error_ratio(window.short),
        threshold=_threshold_text(window, period_seconds, error_budget),
        factor=_human_factor(factor),
        line=share_text(factor * error_budget),
        spent=share_text(window.budget_spent(period_seconds)),
    )


def _annotations(
    service: Service, platform: Platform, slo: Slo, text: _SloText, alert: AlertDef, numbers: _WindowNumbers | None
) -> tuple[tuple[str, str], ...]:
    period, objective, budget = text.period, text.objective, text.budget_percent
    if numbers is not None:
        factor, line, spent, long = numbers.factor, numbers.line, numbers.spent, numbers.long
        speed = "fast" if alert.tier == Tier.CRITICAL else "steadily"
        summary = f"{service.name}: the {slo.name} SLO is burning its error budget {speed} ({factor}x over {long})"
        words = burn_words(slo)
        description = (
            f"{tmpl.PERCENT} of {slo.name} {words.things} {words.failed} over the last {long}, and the last "
            f"{numbers.short} is above the line too ({_held_words(slo, alert, words.things)}, and "
            f"the newest {words.things} {words.did_fail}): "
            f"{line} is {factor}x the "
            f"{budget} error budget of the "
            f"{objective} objective. "
            f"At that rate {spent} of the {period} budget goes every {long}."
        )
        description += burn_guard_text(slo, long)
    elif alert.reads_raw_series:
        summary, description = raw_alert_text(service, slo, alert)
    elif alert.budget == "low":
        left = percent_text(slo.alerting.budget_left)
        summary = f"{service.name}: less than {left} of the {slo.name} SLO's error budget is left"
        description = (
            f"{tmpl.PERCENT} of the {period} error budget of the {objective} {slo.name} objective remains; "
            "spend what is left deliberately."
        )
    else:
        summary = f"{service.name}: the {slo.name} SLO's {period} error budget is spent"
        words = burn_words(slo)  # a time-slice SLO's budget is bad slices, not failed events
        description = (
            f"More than {budget} of {slo.name} {words.things} {words.failed} over the last {period}: the "
            f"{objective} objective is breached ({tmpl.PERCENT} of the budget remains). Put reliability before "
            "risky changes."
        )
    summary, description = grouped_annotations(service, slo, alert, summary, description)
    dashboard = links.alert_dashboard_url(platform, service, alert)
    own = (
        (names.ANNOTATION_DASHBOARD, slo_groups.dashboard_url(dashboard, service, slo, alert)),
        (names.ANNOTATION_DESCRIPTION, description),
        (names.ANNOTATION_RUNBOOK, links.runbook_url(platform, alert)),
        (names.ANNOTATION_SUMMARY, summary),
    )
    return tuple(sorted((*own, *slo.annotations))) if slo.annotations else own  # the model refuses obsc's names
