"""The alert catalog: every alert a service emits, derived from the model alone.

This is the one source of truth for "which alerts exist": the Prometheus target turns each entry
into a rule, runbooks get one page per (service, SLO, name), routing tests one case per entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions as names
from compiler.model import queries
from compiler.model.burnrate import BurnWindow, windows_for
from compiler.model.relays import relay_label
from compiler.model.stopped_traffic import pages_when_stopped
from compiler.model.types import AlertKind, KeyAlert, Service, Slo, ThresholdAlert, Tier


@dataclass(frozen=True)
class AlertDef:
    name: str
    tier: Tier
    service: str
    team: str
    slo: Slo | None = None
    window: BurnWindow | None = None  # burn-rate alerts
    key_alert: KeyAlert | None = None  # key-metric alerts
    budget: str | None = None  # "low" / "exhausted" for budget alerts
    data_missing: bool = False  # the SLI's series are absent while the service's targets are up
    failures_unseen: bool = False  # the failures counter of its own name had no series in the last day
    stale: bool = False  # freshness SLI: the last success is older than max_age
    stopped: bool = False  # a busy SLO's events stopped, where ServiceDown cannot see the service die
    threshold: ThresholdAlert | None = None  # the spec's own threshold alerts (threshold_alerts:)

    # ~40 per service, built once per process. The generated frozen `__init__` sets each field through
    # `object.__setattr__`; this one fills the instance dict in one call (the dataclass keeps an `__init__`
    # the class defines; `replace` calls it).
    def __init__(
        self,
        name: str,
        tier: Tier,
        service: str,
        team: str,
        slo: Slo | None = None,
        window: BurnWindow | None = None,
        key_alert: KeyAlert | None = None,
        budget: str | None = None,
        data_missing: bool = False,
        failures_unseen: bool = False,
        stale: bool = False,
        threshold: ThresholdAlert | None = None,
        stopped: bool = False,
    ) -> None:
        self.__dict__.update(
            name=name,
            tier=tier,
            service=service,
            team=team,
            slo=slo,
            window=window,
            key_alert=key_alert,
            budget=budget,
            data_missing=data_missing,
            failures_unseen=failures_unseen,
            stale=stale,
            threshold=threshold,
            stopped=stopped,
        )

    @property
    def slo_name(self) -> str | None:
        return self.slo.name if self.slo else None

    @property
    def kind(self) -> AlertKind | None:
        return self.key_alert.kind if self.key_alert else None

    def labels(self) -> dict[str, str]:
        """The labels the alert fires with (what Alertmanager routes and inhibits on)."""
        labels = {
            names.LABEL_SEVERITY: self.tier.value,
            names.LABEL_SERVICE: self.service,
            names.LABEL_TEAM: self.team,
        }
        if self.slo is not None:
            labels[names.LABEL_SLO] = self.slo.name
        elif self.key_alert is not None and self.key_alert.slo is not None:
            labels[names.LABEL_SLO] = self.key_alert.slo  # the SLO measuring the same symptom inhibits it
        elif self.threshold is not None and self.threshold.slo is not None:
            labels[names.LABEL_SLO] = self.threshold.slo  # over the SLO's errors: the SLO's groups, as a key alert
        source = self.key_alert or self.threshold
        incident = self.slo.incident if self.slo is not None else source and source.incident
        if incident:
            labels[names.LABEL_INCIDENT] = incident  # one notification group with the SLOs of the same failures
        if self.window is not None:
            labels[names.LABEL_BURN_WINDOW] = self.window.name
        if self.data_missing:
            # as the threshold and saturation alerts' no-series twins: one vanished exporter is one ticket, and the
            # routes group every data="missing" ticket of a service together (routes.MISSING_GROUP_BY)
            labels[names.LABEL_DATA] = "missing"
        return labels

    @property
    def reads_raw_series(self) -> bool:
        """SLODataMissing, SLOFailuresCounterUnseen, SLOFreshnessStale, SLOTrafficStopped: they read the SLI's own
        series (targets/prometheus/raw_alerts.py), not the burn records."""
        return self.data_missing or self.failures_unseen or self.stale or self.stopped

    @property
    def runbook_path(self) -> str:
        return names.runbook_path(self.service, self.name, self.slo_name)


# Every target asks for a service's alerts (rules, tests, dashboards, runbooks, routing: ~6 times per
# service): remembered per Service object. Keyed by identity, with the object kept so its id is never
# reused while the entry lives; the model is frozen, so the answer cannot go stale.
_ALERTS: dict[int, tuple[Service, tuple[AlertDef, ...]]] = {}
_ALERTS_KEPT = 4096


def service_alerts(service: Service) -> tuple[AlertDef, ...]:
    """Every alert of the service, in a stable order: SLOs in spec order, then key metrics."""
    known = _ALERTS.get(id(service))
    if known is not None and known[0] is service:
        return known[1]
    alerts = _service_alerts(service)
    if len(_ALERTS) >= _ALERTS_KEPT:
        _ALERTS.clear()
    _ALERTS[id(service)] = (service, alerts)
    return alerts


def _service_alerts(service: Service) -> tuple[AlertDef, ...]:
    out: list[AlertDef] = []
    for slo in service.slos:
        out.extend(_slo_alerts(service, slo))
    for alert in service.key_alerts:
        if _has_series(service, alert):
            out.append(
                AlertDef(names.KEY_ALERT_NAMES[alert.kind], alert.tier, service.name, service.team, key_alert=alert)
            )
    for threshold in service.threshold_alerts:
        out.append(AlertDef(threshold.name, threshold.tier, service.name, service.team, threshold=threshold))
    return tuple(out)


def fired_labels(service: Service, alert: AlertDef) -> dict[str, str]:
    """Every label the rule writes: the spec's extras, most specific last (service, tier, SLO, the threshold
    alert's own), under the catalog's labels, which nothing overrides (the model refuses reserved names)."""
    slo, threshold = alert.slo, alert.threshold
    relay = relay_label(service) if alert.kind is AlertKind.SERVICE_DOWN else None
    if relay is not None:  # whose outage a relayed service's ServiceDown is: its relay's page holds it back
        return {**_extras(service, alert), **alert.labels(), names.LABEL_RELAY: relay}
    if not (service.labels or service.tier_labels or (slo and slo.labels) or (threshold and threshold.labels)):
        return alert.labels()  # no extras (most alerts): the catalog's labels alone
    return {**_extras(service, alert), **alert.labels()}


def _extras(service: Service, alert: AlertDef) -> dict[str, str]:
    """The spec's extra labels of an alert, most specific last."""
    slo, threshold = alert.slo, alert.threshold
    labels = dict(service.labels)
    labels.update(next((dict(extra) for tier, extra in service.tier_labels if tier is alert.tier), {}))
    if slo is not None:
        labels.update(slo.labels)
    if threshold is not None:
        labels.update(threshold.labels)
    return labels


# Kinds that read a metric's series labels (a histogram's `le`, build info's `version`, an error's type):
# a free PromQL expression in place of a series selector cannot feed them, so they are not emitted.
NEEDS_SELECTOR: dict[AlertKind, str] = {
    AlertKind.LATENCY_P99: "latency",
    AlertKind.DEPLOYMENT: "build_info",
    AlertKind.NEW_ERROR_TYPE: "errors",
}


def _has_series(service: Service, alert: KeyAlert) -> bool:
    needed = NEEDS_SELECTOR.get(alert.kind)
    if needed is None:
        return True
    metric = service.metric(needed)
    return metric is not None and metric.selector is not None


def _slo_alerts(service: Service, slo: Slo) -> list[AlertDef]:
    out = []
    for window in windows_for(slo):
        name = names.SLO_BURN_FAST if window.tier == Tier.CRITICAL else names.SLO_BURN_SLOW
        out.append(AlertDef(name, window.tier, service.name, service.team, slo=slo, window=window))
    if slo.alerting.critical or slo.alerting.warning:
        # Without its series an SLO's burn alerts are silent: say so instead (a ticket, not a page).
        missing = AlertDef(names.SLO_DATA_MISSING, Tier.WARNING, service.name, service.team, slo=slo, data_missing=True)
        out.append(missing)
        if slo.alerting.info and queries.errors_family(slo.sli, service.selector) is not None:
            # its failures counter never seen: no failure yet, or a typo (a notice, not a ticket: slo_missing.py)
            name, team = names.SLO_FAILURES_UNSEEN, service.team
            out.append(AlertDef(name, Tier.INFO, service.name, team, slo=slo, failures_unseen=True))
    if pages_when_stopped(service, slo):
        # a total outage no `up` shows: the SLO's events stopping is the page (model/stopped_traffic.py)
        out.append(
            AlertDef(names.SLO_TRAFFIC_STOPPED, Tier.CRITICAL, service.name, service.team, slo=slo, stopped=True)
        )
    if slo.sli.stale_tier is not None:
        tier = slo.sli.stale_tier
        out.append(AlertDef(names.SLO_FRESHNESS_STALE, tier, service.name, service.team, slo=slo, stale=True))
    if slo.alerting.info:
        out.append(AlertDef(names.SLO_BUDGET_LOW, Tier.INFO, service.name, service.team, slo=slo, budget="low"))
        out.append(
            AlertDef(names.SLO_BUDGET_EXHAUSTED, Tier.INFO, service.name, service.team, slo=slo, budget="exhausted")
        )
    return out
