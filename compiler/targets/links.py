"""Cross-links between artifacts, built in one place so they always resolve.

`runbook_url` points at the runbook page of an alert; `dashboard_url` at the service dashboard
(and a panel where one exists). Tests check that every link lands on an artifact in the bundle.
"""

from __future__ import annotations

import functools

from compiler import conventions
from compiler.model.alerts import AlertDef
from compiler.model.drilldown import drilldown_panels
from compiler.model.panel_ids import panel_ids
from compiler.model.silent_groups import COUNTED_KINDS
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import Platform, Service, ThresholdAlert


def runbook_url(platform: Platform, alert: AlertDef) -> str:
    return _runbook_url(platform.runbook_url, alert.service, alert.name, alert.slo_name)


# Each alert's runbook link is asked for by its rule, its tests, its dashboard panel and its routing rows.
_runbook_url = functools.lru_cache(maxsize=1 << 14)(conventions.runbook_url)


def dashboard_url(platform: Platform, service: str, dashboard: str = "service", panel_id: int | None = None) -> str:
    """`<grafana_url>/d/<uid>` (relative `/d/<uid>` when no grafana_url is set)."""
    url = f"{platform.grafana_url}/d/{conventions.dashboard_uid(service, dashboard)}"
    if panel_id is not None:
        url += f"?viewPanel={panel_id}"
    return url


def fleet_dashboard_url(platform: Platform, service: str | None = None) -> str:
    url = f"{platform.grafana_url}/d/{conventions.FLEET_DASHBOARD_UID}"
    return f"{url}?var-service={service}" if service else url


def standard_dashboard(service: Service) -> str | None:
    """The first platform standard dashboard the service lists (each one listed is rendered), None without one."""
    return next((name for name in service.dashboards if name != conventions.SERVICE_DASHBOARD), None)


def home_dashboard_uid(service: Service) -> str:
    """The dashboard about the service: obsc's own, else its first standard one, else the fleet overview."""
    if conventions.SERVICE_DASHBOARD in service.dashboards:
        return conventions.dashboard_uid(service.name, conventions.SERVICE_DASHBOARD)
    standard = standard_dashboard(service)
    return conventions.FLEET_DASHBOARD_UID if standard is None else conventions.dashboard_uid(service.name, standard)


def service_dashboard_url(platform: Platform, service: Service) -> str:
    """The service's own dashboard; without one its first standard dashboard, else the fleet filtered to it."""
    if conventions.SERVICE_DASHBOARD in service.dashboards:
        return dashboard_url(platform, service.name, conventions.SERVICE_DASHBOARD)
    standard = standard_dashboard(service)
    return (
        fleet_dashboard_url(platform, service.name)
        if standard is None
        else dashboard_url(platform, service.name, standard)
    )


def alert_dashboard_url(platform: Platform, service: Service, alert: AlertDef) -> str:
    """The service dashboard, opened on the panel that shows what the alert measures.

    Without obsc's dashboard: an SLO alert opens the fleet overview filtered to the service (its SLO's row:
    budget and burn rate, which a platform's dashboard may not show); any other alert the service's first
    standard dashboard (its panels are the platform's: no panel to open), since the fleet shows SLOs only and
    showed a ServiceDown or threshold alert nothing at all; the fleet when the service has no dashboard."""
    if conventions.SERVICE_DASHBOARD in service.dashboards:
        return dashboard_url(platform, service.name, conventions.SERVICE_DASHBOARD, alert_panel_id(service, alert))
    standard = standard_dashboard(service)
    if alert.slo is None and standard is not None:
        return dashboard_url(platform, service.name, standard)
    return fleet_dashboard_url(platform, service.name)


def alert_panel_id(service: Service, alert: AlertDef) -> int:
    """The service dashboard panel an alert opens, and which carries its runbook link."""
    if alert.slo is not None:
        return slo_alert_panel_id(service, alert)
    if alert.threshold is not None:
        return threshold_panel_id(service, alert.threshold)
    assert alert.kind is not None
    return conventions.KEY_PANEL_IDS[alert.kind]


def slo_alert_panel_id(service: Service, alert: AlertDef) -> int:
    """An SLO alert's panel: what it compares. The burn rate for burn alerts, the budget left for the budget
    alerts (the burn-rate panel does not show it), the age for the freshness stale alert. For the alerts about the
    SLI's data stopping (SLODataMissing, SLOTrafficStopped, SLOFailuresCounterUnseen) an event SLI's events per
    group, a time-slice or freshness SLI's gauge: on the burn-rate panel they opened, a silent tenant's lines
    just ended."""
    assert alert.slo is not None
    ids = panel_ids(service)
    sli = alert.slo.sli
    if alert.stale or (alert.data_missing and sli.kind in SLICE_KINDS and sli.gauge is not None):
        return ids.slo(alert.slo.name, conventions.SLO_AGE_OFFSET)  # the gauge (or age) whose absence it reads
    if (alert.data_missing or alert.stopped or alert.failures_unseen) and sli.kind in COUNTED_KINDS:
        return ids.slo(alert.slo.name, conventions.SLO_EVENTS_OFFSET)
    if alert.budget is not None:
        return ids.slo(alert.slo.name, conventions.SLO_BUDGET_OFFSET)
    return ids.slo(alert.slo.name)


def threshold_panel_id(service: Service, alert: ThresholdAlert) -> int:
    """The service dashboard panel that plots what a threshold alert compares (its recorded signal, or the time
    left for `within`) with its line: one per compared expression, in the threshold alerts' row."""
    return panel_ids(service).threshold(alert)


def drilldown_urls(platform: Platform, service: Service, alert: AlertDef) -> list[tuple[str, str]]:
    """(title, url) of the panels that say what fails (model/drilldown.py), for an SLO alert that opens the
    burn-rate or budget panel of the service's own dashboard; none otherwise."""
    slo = alert.slo
    if slo is None or conventions.SERVICE_DASHBOARD not in service.dashboards:
        return []
    ids = panel_ids(service)
    if alert_panel_id(service, alert) not in (ids.slo(slo.name), ids.slo(slo.name, conventions.SLO_BUDGET_OFFSET)):
        return []
    return [
        (title, dashboard_url(platform, service.name, conventions.SERVICE_DASHBOARD, ids.slo(slo.name, offset)))
        for title, offset in drilldown_panels(slo)
    ]
