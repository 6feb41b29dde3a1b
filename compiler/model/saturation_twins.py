"""Which key alerts carry a missing-data twin (targets/prometheus/key_missing.py writes it): CPU, memory and disk
(their saturation signal), and since round 54 the p99 latency and error-rate alerts (the histogram's and the
requests counter's own series, see request_twins).

One twin per saturation signal: the disk signal read by both disk alerts, or a kind with a page and a ticket
line, is one missing series, reported once at the most urgent tier reading it. None for a service nobody
scrapes (`targets: false`): without `up`, "not running" cannot be told from "not measured"; none for a signal
whose alerts say `missing: ignore` (containers that come and go while the targets stay up). The rules and the
routing tests ask here, so both name the same alerts.
"""

from __future__ import annotations

from compiler.model.alert_kinds import KEEP_FIRING_SECONDS, SCRAPE_GAP_SECONDS
from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.thresholds import MISSING_FOR_SECONDS
from compiler.model.types import AlertKind, Service, Tier

# The saturation signal each alert reads (the disk's fill prediction reads the disk's utilisation).
SIGNAL_KIND = {
    AlertKind.CPU: AlertKind.CPU,
    AlertKind.MEMORY: AlertKind.MEMORY,
    AlertKind.DISK: AlertKind.DISK,
    AlertKind.DISK_FULL: AlertKind.DISK,
}
# The metric whose series each request alert reads, asked for by existence: not its record (`histogram_quantile(...)
# >= 0` drops an idle service's NaN, so `absent()` of the p99 record would ticket every idle night).
REQUEST_KIND = {AlertKind.LATENCY_P99: "latency", AlertKind.ERROR_RATE: "requests"}
TWINNED_KINDS = (*SIGNAL_KIND, *REQUEST_KIND)  # the kinds `missing:` switches a twin of, in the order they are said
_RANK = {tier: n for n, tier in enumerate(Tier)}
_ORDER = {kind: n for n, kind in enumerate(SIGNAL_KIND)}


def saturation_twins(service: Service) -> list[tuple[AlertDef, AlertKind, list[AlertDef]]]:
    """(the alert each twin stands for, its signal's kind, every alert reading that signal), per signal read."""
    if not service.targets:
        return []
    readers: dict[AlertKind, list[tuple[int, int, AlertDef]]] = {}
    for alert in service_alerts(service):
        if alert.kind is not None and alert.kind in SIGNAL_KIND:
            rank = (_RANK[alert.tier], _ORDER[alert.kind], alert)
            readers.setdefault(SIGNAL_KIND[alert.kind], []).append(rank)
    return [
        (min(mine, key=lambda r: r[:2])[2], kind, [r[2] for r in mine])
        for kind, mine in readers.items()
        if all(r[2].key_alert is not None and r[2].key_alert.missing_fires for r in mine)
    ]


def request_twins(service: Service) -> list[tuple[AlertDef, AlertKind, list[AlertDef]]]:
    """As saturation_twins, for the p99 latency and error-rate alerts: one twin per kind, at the most urgent tier
    of its alerts. None for a service nobody scrapes, for a metric written as free PromQL (no series of its own
    to ask for), under `missing: ignore`, and where an SLO measuring the same series (the alerts' `slo`, from
    model/symptoms.py) has its own SLODataMissing: that SLO's ticket already says so (one incident, one
    notification)."""
    if not service.targets:
        return []
    readers: dict[AlertKind, list[AlertDef]] = {}
    for alert in service_alerts(service):
        if alert.kind in REQUEST_KIND:
            readers.setdefault(alert.kind, []).append(alert)
    out = []
    for kind, mine in readers.items():
        metric = service.metric(REQUEST_KIND[kind])
        if metric is None or metric.selector is None:
            continue
        keys = [a.key_alert for a in mine if a.key_alert is not None]
        if not all(key.missing_fires for key in keys) or any(_told_by_slo(service, key.slo) for key in keys):
            continue
        out.append((min(mine, key=lambda a: _RANK[a.tier]), kind, mine))
    return out


def twin_tier(service: Service, alert: AlertDef, kind: AlertKind) -> Tier:
    """The tier a twin fires at: its alert's, except that a request alert's twin tickets where its alert pages
    (when the service routes tickets). No labelled request series while the targets are up is a renamed or dropped
    metric, or a service restarted that has served no request since (client libraries create a labelled series on
    its first request): the second is healthy and common at night, so "this alert is blind" is reviewed soon, as
    SLODataMissing is, not paged."""
    if kind in REQUEST_KIND and alert.tier is Tier.CRITICAL and service.route(Tier.WARNING) is not None:
        return Tier.WARNING
    return alert.tier


def _told_by_slo(service: Service, name: str | None) -> bool:
    """The SLO `name` (measuring the same series) has SLODataMissing: it alerts at some tier (model/alerts.py)."""
    slo = next((s for s in service.slos if s.name == name), None) if name is not None else None
    return slo is not None and bool(slo.alerting.critical or slo.alerting.warning)


def key_twins(service: Service) -> list[tuple[AlertDef, AlertKind, list[AlertDef]]]:
    """Every missing-data twin of the service's key alerts: the saturation signals', then the request alerts'."""
    return saturation_twins(service) + request_twins(service)


def hold_seconds(alert: AlertDef) -> int:
    """How long a twin standing for `alert` waits without series: max(for, 10m), as a threshold alert's twin."""
    assert alert.key_alert is not None
    return max(alert.key_alert.for_seconds, MISSING_FOR_SECONDS)


def last_value_seconds(service: Service) -> dict[AlertKind, int]:
    """How long the alerts reading each saturation signal read its last value after it vanished, by signal.
    At least SCRAPE_GAP (a failed scrape empties the signal at once, which restarted the hold). With a twin,
    until the twin takes over: kept firing KEEP_FIRING_SECONDS more, a page whose signal vanished resolved 10
    minutes later and its twin fired only at its hold (15m by default): 5 minutes with nothing up, a resolve
    for a saturation problem nobody had seen end. A signal without a twin stays at SCRAPE_GAP: its going is
    a recovery (or nothing could report it)."""
    return {
        kind: max(SCRAPE_GAP_SECONDS, hold_seconds(twin) - KEEP_FIRING_SECONDS)
        for twin, kind, _ in saturation_twins(service)
    }
