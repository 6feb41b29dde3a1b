"""The queries a runbook offers, per alert kind: what the alert measured, then how to break it down.

Each query is (what it shows, PromQL). SLO pages read the recorded series the alert compares (so the
numbers match the page) and then the SLI's raw metrics; key-metric pages query the spec's own metrics.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from compiler import conventions as names
from compiler.model import queries
from compiler.model.alert_kinds import SCRAPE_GAP_SECONDS, SIGNAL_SECONDS
from compiler.model.alerts import AlertDef
from compiler.model.disk_trend import DISK_TREND_WINDOW, time_to_full
from compiler.model.key_evidence import evidence_events
from compiler.model.promql import Matcher, render_matchers
from compiler.model.saturation_twins import last_value_seconds
from compiler.model.traffic import ANOMALY_AVERAGE, anomaly_ratio, milestone_peak, milestone_record
from compiler.model.types import AlertKind, Metric, Service, SliKind, Slo
from compiler.model.units import format_duration
from compiler.targets.runbooks import down_page
from compiler.targets.runbooks.burn_text import BurnText
from compiler.targets.runbooks.groups import budget_left, burning_groups, join, raw_ratio
from compiler.targets.runbooks.slice_diagnosis import slice_breakdown

Query = tuple[str, str]  # (what it shows, PromQL)
WINDOW = "5m"


def _own(service: Service, slo: Slo | None = None) -> str:
    return _own_selector(service.name, None if slo is None else slo.name)


# Each of a service's pages selects its recorded series by the same labels: rendered once per (service, SLO).
@functools.lru_cache(maxsize=4096)
def _own_selector(service: str, slo: str | None) -> str:
    matchers = [Matcher(names.LABEL_SERVICE, "=", service)]
    if slo is not None:
        matchers.append(Matcher(names.LABEL_SLO, "=", slo))
    return "{" + render_matchers(tuple(matchers)) + "}"


def _type_labels(errors: Metric) -> str:
    """The labels that tell errors apart (those the selector matches by regex or negation), else `instance`."""
    labels = sorted({m.label for m in (errors.selector.matchers if errors.selector else ()) if m.op != "="})
    return ", ".join(labels) or "instance"


def _by(metric: Metric, labels: str, suffix: str = "") -> str:
    """The metric's rate split by `labels` (a free expression cannot be split: it is shown as written)."""
    if metric.selector is None:
        return queries.rate(metric, WINDOW)
    return f"sum by ({labels}) (rate({metric.selector.render(metric.selector.metric + suffix)}[{WINDOW}]))"


def slo_queries(
    service: Service, alerts: list[AlertDef], closing: Sequence[Query], burns: list[BurnText | None]
) -> list[Query]:
    """Every window of the page's alerts (a page serves all tiers of one name), then the SLI itself
    (`closing`: the SLO's `closing_queries`; `burns`: each alert's `BurnText`)."""
    slo = alerts[0].slo
    assert slo is not None
    own = _own(service, slo)
    budget = f"{names.SLO_ERROR_BUDGET}{own}"
    left = f"{names.SLO_BUDGET_REMAINING}{own}"
    out: list[Query] = burning_groups(own, slo, alerts)  # a grouped SLO (by:): which groups burn
    for burn in burns:
        if burn is None:
            continue
        for span in (burn.long, burn.short):
            out.append(
                (
                    f"burn rate over {span} ({burn.tier} above {burn.factor})",
                    f"{names.sli_error_ratio(span)}{own}\n/ {join(slo)}\n{budget}",
                )
            )
        out.append(
            (
                f"seconds until the budget left is spent at {burn.factor}x",
                f"clamp_min({left}, 0) * {slo.period_seconds} / {burn.factor}",
            )
        )
    out.append(budget_left(left, slo))
    out.extend(closing)
    return out


def closing_queries(slo: Slo) -> list[Query]:
    """What every page of the SLO ends its diagnosis with: the SLI from its raw metrics, then broken down."""
    return [(f"the SLI's error ratio from the raw metrics ({WINDOW})", raw_ratio(slo, WINDOW)), *_sli_breakdown(slo)]


def _sli_breakdown(slo: Slo) -> list[Query]:
    sli = slo.sli
    if sli.kind is SliKind.LATENCY and sli.latency is not None and sli.latency.selector is not None:
        # A grouped SLO's threshold holds per group: a slow route beside fast ones is not in the service's p99.
        per = f" per {', '.join(slo.by)}" if slo.by else ""
        others = [label for label in slo.by if label != "instance"]
        instance = f"p99 latency per {', '.join(others)} and instance" if others else "p99 latency per instance"
        return [
            (f"p99 latency{per}, to compare with the SLO threshold", _quantile(sli.latency, "0.99", _le(slo.by))),
            (f"{instance}: one slow instance or all?", _quantile(sli.latency, "0.99", _le([*others, "instance"]))),
        ]
    if sli.kind is SliKind.RATIO and sli.errors is not None:
        # a grouped SLO pages for one group: its own errors, not every group's summed by kind
        labels = ", ".join(dict.fromkeys((*slo.by, *_type_labels(sli.errors).split(", "))))
        per = f" by {', '.join(slo.by)} and kind" if slo.by else " by kind"
        return [(f"bad events{per}: which errors?", _by(sli.errors, labels))]
    if sli.kind in (SliKind.TIME_SLICE, SliKind.FRESHNESS):
        return slice_breakdown(sli)
    return []


def _le(labels: Sequence[str]) -> str:
    return ", ".join(("le", *labels))


def _quantile(histogram: Metric, q: str, by: str) -> str:
    """In seconds, as the alert's p99 and the SLO threshold are (a `ms` histogram's quantile read as written
    was 250 beside a 2s line)."""
    assert histogram.selector is not None
    return queries.quantile_in_seconds(histogram, f"histogram_quantile({q}, {_by(histogram, by, '_bucket')})")


def _down(service: Service, alert: AlertDef) -> list[Query]:
    up = queries.up(service)
    body = up.removeprefix("up")
    return [
        ("instances failing their scrape (up is 0)", f"{up} == 0"),
        (
            "scrape targets found at all (0: service discovery or the scrape config lost them)",
            f"count({up}) or vector(0)",
        ),
        ("restarts in the last hour (a crash loop?)", f"changes(process_start_time_seconds{body}[1h])"),
        *down_page.group_queries(service),
    ]


def _error_rate(service: Service, alert: AlertDef) -> list[Query]:
    requests, errors = service.metric("requests"), service.metric("errors")
    assert requests is not None and errors is not None
    out = [
        ("error ratio (what the alert compares)", f"{names.SERVICE_ERROR_RATIO}{_own(service)}"),
        (
            f"failed requests in the last {format_duration(SIGNAL_SECONDS)} (the alert needs at least "
            f"{evidence_events(service, alert.kind)})",
            f"{names.SERVICE_ERRORS_RATE}{_own(service)} * {SIGNAL_SECONDS}",
        ),
        ("errors by kind", _by(errors, _type_labels(errors))),
    ]
    if errors.selector is not None and requests.selector is not None:
        out.append(
            (
                "error ratio per instance: one bad instance?",
                f"{_by(errors, 'instance')}\n/\n{_by(requests, 'instance')}",
            )
        )
    return out


def _latency(service: Service, alert: AlertDef) -> list[Query]:
    latency = service.metric("latency")
    assert latency is not None
    events = evidence_events(service, alert.kind)  # recorded for selector histograms
    evidence = (
        f"latency of the {_ordinal(events)}-slowest request in the last {format_duration(SIGNAL_SECONDS)} (the alert "
        "needs it at the line or above too)",
        f"{names.SERVICE_LATENCY_EVIDENCE}{_own(service)}",
    )
    return [
        ("p99 latency (what the alert compares)", f"{names.SERVICE_LATENCY_P99}{_own(service)}"),
        *([evidence] if events is not None else []),
        ("p99 latency per instance: one slow instance or all?", _quantile(latency, "0.99", "le, instance")),
        ("p50 latency: is everything slow, or only the tail?", _quantile(latency, "0.5", "le")),
    ]


def _ordinal(n: int | None) -> str:
    suffix = "th" if n is None or 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_SIGNALS = {
    AlertKind.CPU: names.SERVICE_CPU,
    AlertKind.MEMORY: names.SERVICE_MEMORY,
    AlertKind.DISK: names.SERVICE_DISK,
}


def _saturation(service: Service, alert: AlertDef) -> list[Query]:
    kind = AlertKind.DISK if alert.kind is AlertKind.DISK_FULL else alert.kind
    assert kind is not None
    metric = service.metric(kind.value)
    assert metric is not None
    out = [(f"{kind.value} utilisation (what the alert compares)", f"{_SIGNALS[kind]}{_own(service)}")]
    if alert.kind is AlertKind.DISK_FULL:
        disk = f"{names.SERVICE_DISK}{_own(service)}"
        gap = last_value_seconds(service).get(AlertKind.DISK, SCRAPE_GAP_SECONDS)
        out = [
            (
                f"seconds until the disk is full at its {DISK_TREND_WINDOW} trend (what the alert compares)",
                time_to_full(disk, gap),
            ),
            ("disk utilisation", disk),
            (
                f"disk use growth per hour, over the last {DISK_TREND_WINDOW}",
                f"deriv({disk}[{DISK_TREND_WINDOW}]) * 3600",
            ),
        ]
    if metric.selector is not None:
        out.append((f"{kind.value} per instance", f"max by (instance) ({metric.selector.render()})"))
    else:
        out.append((f"{kind.value} as the spec defines it", queries.utilisation(metric, WINDOW)))
    return out


def _traffic(service: Service, alert: AlertDef) -> list[Query]:
    requests = service.metric("requests")
    assert requests is not None
    own = _own(service)
    out = [("request rate now", queries.rate(requests, WINDOW))]
    if alert.kind is AlertKind.TRAFFIC_ANOMALY:
        out.append(
            (
                f"request rate over the last {ANOMALY_AVERAGE} against the same {ANOMALY_AVERAGE} a week ago "
                "(what the alert compares; 1 = the same)",
                anomaly_ratio(own),
            )
        )
    else:
        # the peak, not the rate now: after a burst the rate now is below the record the alert says was beaten
        out.append(("highest 5m request rate of the last hour (what the alert compares)", milestone_peak(own)))
        out.append(("highest 5m request rate of the 7 days before", milestone_record(own)))
    if requests.selector is not None:
        out.append(("request rate per instance", _by(requests, "instance")))
    return out


def _deployment(service: Service, alert: AlertDef) -> list[Query]:
    build_info = service.metric("build_info")
    assert build_info is not None and build_info.selector is not None
    out = [("instances per running version", f"count by (version) ({build_info.selector.render()})")]
    requests, errors = service.metric("requests"), service.metric("errors")
    if requests is not None and errors is not None:
        out.append(
            ("error ratio since the rollout", f"{queries.rate(errors, WINDOW)}\n/\n{queries.rate(requests, WINDOW)}")
        )
    return out


def _new_error(service: Service, alert: AlertDef) -> list[Query]:
    errors = service.metric("errors")
    assert errors is not None and errors.selector is not None
    types = f"{names.SERVICE_ERROR_TYPES}{_own(service)}"
    return [
        ("error kinds seen now and not in the day before", f"{types}\nunless\nmax_over_time({types}[1d] offset 1h)"),
        ("errors by kind", _by(errors, _type_labels(errors))),
    ]


_BY_KIND: dict[AlertKind, Callable[[Service, AlertDef], list[Query]]] = {
    AlertKind.SERVICE_DOWN: _down,
    AlertKind.ERROR_RATE: _error_rate,
    AlertKind.LATENCY_P99: _latency,
    AlertKind.CPU: _saturation,
    AlertKind.MEMORY: _saturation,
    AlertKind.DISK: _saturation,
    AlertKind.DISK_FULL: _saturation,
    AlertKind.TRAFFIC_ANOMALY: _traffic,
    AlertKind.TRAFFIC_MILESTONE: _traffic,
    AlertKind.DEPLOYMENT: _deployment,
    AlertKind.NEW_ERROR_TYPE: _new_error,
}


def diagnosis_queries(
    service: Service, alerts: list[AlertDef], closing: Sequence[Query], burns: list[BurnText | None]
) -> list[Query]:
    """The queries of one runbook page (its alerts share a name: tiers or windows of one kind); on an SLO's page
    `closing` (the SLO's `closing_queries`) and `burns` (each alert's `BurnText`)."""
    first = alerts[0]
    if first.slo is not None:
        return slo_queries(service, alerts, closing, burns)
    assert first.kind is not None
    return _BY_KIND[first.kind](service, first)
