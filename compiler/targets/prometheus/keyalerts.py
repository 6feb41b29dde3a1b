"""Key-metric alerts: service-level signals recorded once, and one alert rule per (kind, tier).

Alerts read recorded signals (`service:requests:rate5m`, `service:cpu_utilisation:ratio`, ...), not the
raw metrics: the week-over-week and 7-day comparisons read one cheap series, dashboards can reuse them,
and a generated test can feed a signal even when the spec wrote it as free PromQL. Alerts that look back
a day or more sit in the coarse group, evaluated every few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from compiler import conventions as names
from compiler.model import queries
from compiler.model.alert_kinds import EVENT_KINDS, KEEP_FIRING_SECONDS, SCRAPE_GAP_SECONDS, SIGNAL_SECONDS
from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.burnrate import count_floor, default_min_bad_events
from compiler.model.disk_trend import DISK_TREND_WINDOW, time_to_full
from compiler.model.down_groups import down_groups
from compiler.model.drop_pages import stop_pages
from compiler.model.fading_rates import recorded_while_live
from compiler.model.key_evidence import evidence_events
from compiler.model.promql import Matcher
from compiler.model.relays import crash_loop_hold, held_by_relay_text
from compiler.model.saturation_twins import SIGNAL_KIND, last_value_seconds
from compiler.model.traffic import ANOMALY_AVERAGE, TRAFFIC_FLOOR, anomaly_ratio, milestone_peak, milestone_record
from compiler.model.types import AlertKind, Metric, Platform, Service, Slo
from compiler.model.units import decimal_text, format_duration, parse_duration
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.down_handover import handover_text, held_while_burning
from compiler.targets.prometheus.key_missing import missing_rules
from compiler.targets.prometheus.relay_quiet import quiet_while_relay_pages
from compiler.targets.prometheus.rule_model import Rule, label_selector, record
from compiler.targets.prometheus.service_down import crash_loop_text, group_down_expr, service_down_expr
from compiler.targets.prometheus.slo import alert_annotations, alert_labels

SIGNAL_WINDOW = format_duration(SIGNAL_SECONDS)
DEPLOY_LOOKBACK = "1h"  # "another version ran within" this range: a rollout that ended in it is reported
NEW_ERROR_LOOKBACK = "1d"  # an error type is new when it did not occur in this range...
NEW_ERROR_GRACE = "1h"  # ...ending this long ago (so the alert lasts about this long)
UTILISATION_SIGNALS = {AlertKind.CPU: names.SERVICE_CPU, AlertKind.MEMORY: names.SERVICE_MEMORY}
COARSE_KINDS = (AlertKind.NEW_ERROR_TYPE, AlertKind.TRAFFIC_MILESTONE)


@dataclass(frozen=True)
class KeyRules:
    fast: tuple[Rule, ...]
    coarse: tuple[Rule, ...]


# A recorded error type carries obsc's own `service` label: grouped by a `service` the errors selector matches
# (`service=~"cart|cart-canary"`, a Kubernetes Service label), two types became one labelset and the rule failed.
_SET_BY_THE_RECORD = frozenset({names.LABEL_SERVICE})


def error_type_labels(errors: Metric) -> tuple[str, ...]:
    """What tells one kind of error from another: the labels the errors selector matches by regex or negation."""
    assert errors.selector is not None
    return tuple(sorted({m.label for m in errors.selector.matchers if m.op != "="} - _SET_BY_THE_RECORD))


def key_rules(service: Service, platform: Platform) -> KeyRules:
    alerts = [a for a in service_alerts(service) if a.key_alert is not None]
    kinds = {a.kind for a in alerts}
    own = {names.LABEL_SERVICE: service.name}
    selector = label_selector(own)  # a recorded signal of the service is its name followed by this
    fast: list[Rule] = []
    coarse: list[Rule] = []
    requests, errors = service.metric("requests"), service.metric("errors")
    if requests is not None and kinds & {AlertKind.ERROR_RATE, AlertKind.TRAFFIC_ANOMALY, AlertKind.TRAFFIC_MILESTONE}:
        fast.append(record(names.SERVICE_REQUESTS_RATE, queries.rate(requests, SIGNAL_WINDOW), own))
    if requests is not None and errors is not None and AlertKind.ERROR_RATE in kinds:
        fast.append(record(names.SERVICE_ERRORS_RATE, queries.rate(errors, SIGNAL_WINDOW), own))
        bad, total = names.SERVICE_ERRORS_RATE + selector, names.SERVICE_REQUESTS_RATE + selector
        fast.append(record(names.SERVICE_ERROR_RATIO, queries.failed_share(bad, total, "\n"), own))
    latency = service.metric("latency")
    if latency is not None and AlertKind.LATENCY_P99 in kinds:
        # `>= 0` drops the NaN histogram_quantile returns when there was no traffic.
        fast.append(record(names.SERVICE_LATENCY_P99, f"{_alert_quantile(latency, '0.99')} >= 0", own))
        if latency.selector is not None:
            fast.append(record(names.SERVICE_LATENCY_EVIDENCE, latency_evidence(latency), own))
    for kind, name in (*UTILISATION_SIGNALS.items(), (AlertKind.DISK, names.SERVICE_DISK)):
        metric = service.metric(kind.value)
        wanted = {kind} | ({AlertKind.DISK_FULL} if kind is AlertKind.DISK else set())
        if metric is not None and kinds & wanted:
            signal = recorded_while_live(queries.utilisation(metric, SIGNAL_WINDOW))
            fast.append(record(name, signal, own))
    build_info = service.metric("build_info")
    if build_info is not None and build_info.selector is not None and AlertKind.DEPLOYMENT in kinds:
        fast.append(record(names.SERVICE_VERSIONS, f"count by (version) ({build_info.selector.render()})", own))
    if errors is not None and errors.selector is not None and AlertKind.NEW_ERROR_TYPE in kinds:
        by = ", ".join(error_type_labels(errors))
        # `> 0`: a type counts once it has occurred. Libraries such as go-grpc-prometheus create every code's
        # series at 0 on start: read by existence, every type was always there and none was ever new.
        coarse.append(record(names.SERVICE_ERROR_TYPES, f"group by ({by}) ({errors.selector.render()} > 0)", own))
    held = last_value_seconds(service)
    for alert in alerts:
        rule = _alert_rule(service, platform, alert, selector, held)
        (coarse if alert.kind in COARSE_KINDS else fast).append(rule)
    fast += missing_rules(service, platform)
    return KeyRules(tuple(fast), tuple(coarse))


def _threshold(alert: AlertDef) -> str:
    assert alert.key_alert is not None and alert.key_alert.threshold is not None
    return decimal_text(alert.key_alert.threshold)


def _percent(alert: AlertDef) -> str:
    assert alert.key_alert is not None and alert.key_alert.threshold is not None
    return decimal_text(alert.key_alert.threshold * 100) + "%"


def _seconds_text(alert: AlertDef) -> str:
    """A duration threshold for humans: 800ms, 2s, 1d."""
    assert alert.key_alert is not None and alert.key_alert.threshold is not None
    value = alert.key_alert.threshold
    if value < 1:
        return decimal_text(value * 1000) + "ms"
    if value == int(value):
        return format_duration(int(value))
    return decimal_text(value) + "s"


def stop_clause(page: tuple[Matcher, ...]) -> str:
    """The drop branch held back while `page` (model/drop_pages.py) fired within the hour the anomaly averages. An
    inhibit rule mutes only while the page fires: a 40-minute stop's drop fires after the page has ended, and a
    long stop's after the traffic came back (round 48: an ingress stopped 3h ticketed until 30 minutes past)."""
    selector = ",".join(m.render() for m in page)
    return f"\nunless on ()\nmax_over_time({names.ALERTS_SERIES}{{{selector}}}[{ANOMALY_AVERAGE}])"


def _expr(service: Service, alert: AlertDef, selector: str, held: dict[AlertKind, int]) -> str:
    kind = alert.kind
    # a saturation signal with a missing-data twin is read until the twin takes over (saturation_twins)
    gap = held.get(SIGNAL_KIND[kind], SCRAPE_GAP_SECONDS) if kind in SIGNAL_KIND else SCRAPE_GAP_SECONDS
    if kind is AlertKind.ERROR_RATE:
        # A ratio needs evidence: one failed call in a quiet 5 minutes is 100% and must not page.
        events = evidence_events(service, kind)
        # Each read as its last value of SCRAPE_GAP: a 5m rate between two samples 4m apart (a target scraped
        # every 2m that failed a scrape) is empty, and that evaluation restarted the hold: a 50% error rate
        # never paged with one scrape in three failing.
        floor = decimal_text(count_floor(events or 0))  # read off a rate, a few ulps off: burnrate.py
        bad = f"{last_value(names.SERVICE_ERRORS_RATE + selector)} * {parse_duration(SIGNAL_WINDOW)} >= {floor}"
        ratio = last_value(names.SERVICE_ERROR_RATIO + selector)
        return f"{ratio} > {_threshold(alert)}\nand on ({names.LABEL_SERVICE})\n{bad}"
    if kind is AlertKind.LATENCY_P99:
        line = f"{last_value(names.SERVICE_LATENCY_P99 + selector)} > {_threshold(alert)}"
        if evidence_events(service, kind) is None:
            return line
        # As for the error rate: a p99 needs evidence. Two slow calls in a quiet 5 minutes are the p99 (it is
        # the slowest requests' latency below 100 requests) and paged; now the min_events-th slowest request
        # must be at or above the line too, i.e. at least that many requests took that long.
        evidence = f"{last_value(names.SERVICE_LATENCY_EVIDENCE + selector)} >= {_threshold(alert)}"
        expr = f"{line}\nand on ({names.LABEL_SERVICE})\n{evidence}"
        blind_to = _blind_slo(service, alert)
        if blind_to is not None:
            expr += f"\nand on ()\ncount({queries.unbucketed_series(blind_to.sli, SIGNAL_WINDOW)}) > 0"
        return expr
    if kind is AlertKind.SERVICE_DOWN:
        # No series at all (nothing scraped) counts as down, like every instance reporting up == 0, unless the
        # service scales to zero (`missing: ignore`).
        hold = crash_loop_hold(service, alert.key_alert.for_seconds if alert.key_alert else 0)
        absent_is_down = alert.key_alert.missing_fires if alert.key_alert else True
        whole = service_down_expr(queries.up(service), hold, absent_is_down)
        burning = held_while_burning(service, alert.tier)
        if burning is not None:  # the outage goes on once the targets return: its burn page takes over
            whole = f"{whole}\nor on ()\n{burning}"
        down = "\nor\n".join(
            (whole, *(_group_down(service, split, hold, absent_is_down) for split in down_groups(service)))
        )
        return quiet_while_relay_pages(service, down)  # its relay's page is the one page (relay:)
    if kind in UTILISATION_SIGNALS or kind is AlertKind.DISK:
        signal = UTILISATION_SIGNALS.get(kind, names.SERVICE_DISK)
        return f"{last_value(signal + selector, gap)} > {_threshold(alert)}"
    if kind is AlertKind.DISK_FULL:
        return time_to_full(names.SERVICE_DISK + selector, gap, "\n") + f"\n< {_threshold(alert)}"
    if kind is AlertKind.TRAFFIC_ANOMALY:
        assert alert.key_alert is not None and alert.key_alert.threshold is not None
        share = alert.key_alert.threshold
        ratio = anomaly_ratio(selector)
        expr = f"{ratio} > {decimal_text(1 + share)}"
        if share < 1:
            expr += f"\nor\n{ratio} < {decimal_text(1 - share)}"
            for page in stop_pages(service, alert.tier):  # `or` binds last: the drop branch only
                expr += stop_clause(page)
        return expr
    if kind is AlertKind.DEPLOYMENT:
        versions = names.SERVICE_VERSIONS + selector
        return (
            f"count({last_value(versions)}) == 1\nand on ()\n"
            f"count(count by (version) (max_over_time({versions}[{DEPLOY_LOOKBACK}]))) > 1"
        )
    if kind is AlertKind.NEW_ERROR_TYPE:
        types = names.SERVICE_ERROR_TYPES + selector
        old = f"max_over_time({types}[{NEW_ERROR_LOOKBACK}] offset {NEW_ERROR_GRACE})"
        return f"count(\n  {last_value(types)}\n  unless\n  {old}\n) > 0"
    assert kind is AlertKind.TRAFFIC_MILESTONE
    rate = names.SERVICE_REQUESTS_RATE + selector
    recent = milestone_peak(selector)
    return (
        f"{recent} > {milestone_record(selector)}\n"
        f"and {recent} >= {decimal_text(TRAFFIC_FLOOR)}\n"
        # Seven days of history, or every rate of a new service or a fresh Prometheus is a "record".
        f"and present_over_time({rate}[1h] offset 6d)"
    )


def _group_down(service: Service, split: tuple[str, ...], hold_seconds: int, absent_is_down: bool) -> str:
    """ServiceDown of each group of `split` whose targets all report 0 while others may report: the whole
    service's sum stays above 0 then. Targets without the label are no group (they are the whole's only).
    Marked with `down_group`, so that it silences nothing of the groups still up (alertmanager/routes.py)."""
    by = ", ".join(split)
    down = group_down_expr(queries.up_in_groups(service, split), split, hold_seconds, absent_is_down)
    marks = f'"{names.LABEL_DOWN_GROUP}", "{by}", "", ""'
    if "\n" not in down:
        return f"label_replace({down}, {marks})"
    inner = down.replace("\n", "\n  ")
    return f"label_replace(\n  {inner},\n  {marks}\n)"


def last_value(signal: str, seconds: int = SCRAPE_GAP_SECONDS) -> str:
    """A signal as its alert reads it: the last value within SCRAPE_GAP (or longer: a saturation signal with a
    missing-data twin). Gauges (memory, the limits a utilisation divides by, build info) and a counter's series
    read by value go stale at once when a scrape fails: that restarted the alert's hold, and ended a deployment
    or new-error notice, which fired again a scrape later (a second notice for one event)."""
    return f"last_over_time({signal}[{format_duration(seconds)}])"


def latency_evidence(latency: Metric) -> str:
    """The latency of the request `error_rate_min_events()` from the slowest in the window: the quantile at rank
    1 - N/count (`-Inf` below N requests, none without traffic), interpolated in its bucket like the p99. For a
    line that is a bucket bound it is at or above the line when at least N requests are above it (more than N
    when the bucket just below the line is empty); from 100 N requests in the window it is at least the p99, so
    the guard only matters where the p99 is the slowest few requests."""
    assert latency.selector is not None
    events = Decimal(error_rate_min_events()) / parse_duration(SIGNAL_WINDOW)  # per second, as the rates
    # Requests counted by the `+Inf` bucket, not `_count`: the p99 itself reads only buckets, and a histogram
    # fed or exported without `_count` (a hand-written test, some bridges) must not lose its p99 page.
    every = latency.selector.render(latency.selector.metric + "_bucket", (Matcher("le", "=", "+Inf"),))
    count = f"{latency.aggregation.value}(rate({every}[{SIGNAL_WINDOW}]))"
    count = f"({count} or {queries.rate(latency, SIGNAL_WINDOW, '_count')})"  # no `+Inf` bucket: see below
    return _alert_quantile(latency, f"scalar(1 - {decimal_text(events)} / {count})")


def _alert_quantile(latency: Metric, q: str) -> str:
    """The quantile `q` a latency alert reads, over buckets whose `+Inf` is the `_count` where no `+Inf` bucket
    exists (queries.quantile): without it a p99 page was blind to any latency (round 28: every request at 5s,
    no page). The latency panel the page opens plots the same text over Grafana's rate interval."""
    return queries.quantile(latency, q, SIGNAL_WINDOW)


def _blind_slo(service: Service, alert: AlertDef) -> Slo | None:
    """The latency SLO a p99 page was handed to, when this is the page kept for the series it cannot see."""
    key = alert.key_alert
    if key is None or not key.while_blind:
        return None
    return next((s for s in service.slos if s.name == key.slo), None)


def error_rate_min_events() -> int:
    """Failed requests the error-rate alert needs within its window (the SLO alerts' default min_bad_events)."""
    return default_min_bad_events()


def _texts(service: Service, alert: AlertDef, selector: str) -> tuple[str, str]:
    """(summary, description) of a key-metric alert."""
    s, kind = service.name, alert.kind
    assert alert.key_alert is not None
    hold = format_duration(alert.key_alert.for_seconds)
    if kind is AlertKind.ERROR_RATE:
        return (
            f"{s}: more than {_percent(alert)} of requests fail",
            f"{tmpl.PERCENT} of {s} requests failed over the last {SIGNAL_WINDOW} "
            f"(alert above {_percent(alert)} for {hold}, with at least {error_rate_min_events()} failures).",
        )
    if kind is AlertKind.LATENCY_P99:
        blind_to = _blind_slo(service, alert)
        blind = (
            f" The {blind_to.name} SLO, which pages for this otherwise, cannot see some series: they have no bucket "
            "at its threshold (other buckets, say mid-deploy; see SLODataMissing)."
            if blind_to is not None
            else ""
        )
        return (
            f"{s}: p99 latency above {_seconds_text(alert)}",
            f"99% of {s} requests finished within {tmpl.DURATION} over the last {SIGNAL_WINDOW}; "
            f"the line is {_seconds_text(alert)} (for {hold}, with at least {error_rate_min_events()} requests "
            f"that slow).{blind}",
        )
    if kind is AlertKind.SERVICE_DOWN:
        where = "".join(
            f"{{{{ with $labels.{label} }}}} with {label} {{{{ . }}}}{{{{ end }}}}"
            for label in sorted({label for split in down_groups(service) for label in split})
        )
        return (  # a group's alert names its group in the summary too: a notification shows that line first
            f"{s}{where} is down",
            f"No instance of {s}{where} has been up for {hold}: every {queries.up(service)} series{where} is 0"
            + (
                ", or none is scraped."
                if alert.key_alert.missing_fires
                else " (none scraped is idle: it scales to zero)."
            )
            + crash_loop_text(
                crash_loop_hold(service, alert.key_alert.for_seconds), alert.key_alert.missing_fires, where
            )
            + handover_text(service, alert.tier)
            + held_by_relay_text(service),
        )
    if kind in UTILISATION_SIGNALS or kind is AlertKind.DISK:
        what = {AlertKind.CPU: "CPU", AlertKind.MEMORY: "memory", AlertKind.DISK: "disk"}[kind]
        return (
            f"{s}: {what} utilisation above {_percent(alert)}",
            f"{what} utilisation of {s} is {tmpl.PERCENT} (alert above {_percent(alert)} for {hold}).",
        )
    if kind is AlertKind.DISK_FULL:
        return (
            f"{s}: disk predicted to fill within {_seconds_text(alert)}",
            f"At the trend of the last {DISK_TREND_WINDOW}, the disk of {s} is full in {tmpl.DURATION}.",
        )
    if kind is AlertKind.TRAFFIC_ANOMALY:
        return (
            f"{s}: request rate is more than {_percent(alert)} off last week's",
            f"{s} serves {tmpl.PERCENT} of the requests it served a week ago ({ANOMALY_AVERAGE} averages; "
            f"alert beyond {_percent(alert)} either way for {hold}).",
        )
    if kind is AlertKind.DEPLOYMENT:
        version = tmpl.first_label_of_query(names.SERVICE_VERSIONS + selector, "version")
        return (
            f"{s}: a new version is rolled out",
            f"Every instance of {s} now runs version {version}; another version ran within the last {DEPLOY_LOOKBACK}.",
        )
    if kind is AlertKind.NEW_ERROR_TYPE:
        errors = service.metric("errors")
        by = ", ".join(error_type_labels(errors)) if errors is not None else ""
        kind_text = f"by {by}" if by else "of any kind"
        return (
            f"{s}: a new kind of error appeared",
            f"{tmpl.NUMBER} error type(s) ({kind_text}) occurred that did not in the {NEW_ERROR_LOOKBACK} before.",
        )
    return (
        f"{s}: request rate reached a new 7-day high",
        f"{s} peaked at {tmpl.NUMBER} requests/s in the last hour, above every 5m rate of the 7 days before.",
    )


def _keep_firing(alert: AlertDef) -> int:
    """Events hold themselves an hour. ServiceDown with a hold has its crash-loop branch (service_down.py), which
    holds through a loop and a blip on its own: with `keep_firing_for` too, a single instance back from an outage
    whose scrape failed one time in five made `sum(up) == 0` true at each failure, and the bridge to the next kept
    the page up for good."""
    if alert.kind in EVENT_KINDS:
        return 0
    if alert.kind is AlertKind.SERVICE_DOWN and alert.key_alert is not None and alert.key_alert.for_seconds > 0:
        return 0
    return KEEP_FIRING_SECONDS


def _alert_rule(
    service: Service, platform: Platform, alert: AlertDef, selector: str, held: dict[AlertKind, int]
) -> Rule:
    assert alert.key_alert is not None
    summary, description = _texts(service, alert, selector)
    return Rule(
        expr=_expr(service, alert, selector, held),
        alert=alert.name,
        for_seconds=alert.key_alert.for_seconds,
        keep_firing_seconds=_keep_firing(alert),
        labels=alert_labels(service, alert),
        annotations=alert_annotations(service, platform, alert, summary, description),
        source=alert,
    )
