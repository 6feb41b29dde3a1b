"""Cross-links between artifacts, built in one place so they always resolve.

`runbook_url` points at the runbook page of an alert; `dashboard_url` at the service dashboard
(and a panel where one exists). Tests check that every link lands on an artifact in the bundle.
"""

from __future__ import annotations

import functools

from compiler import conventions
from compiler.model.alerts import AlertDef
from compiler.model.types import Platform, Service


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


def service_dashboard_url(platform: Platform, service: Service) -> str:
    """The service's own dashboard, or the fleet overview filtered to it when it opted out of one."""
    if conventions.SERVICE_DASHBOARD not in service.dashboards:
        return fleet_dashboard_url(platform, service.name)
    return dashboard_url(platform, service.name, conventions.SERVICE_DASHBOARD)


def alert_dashboard_url(platform: Platform, service: Service, alert: AlertDef) -> str:
    """The service dashboard, opened on the panel that shows what the alert measures (if one does)."""
    if conventions.SERVICE_DASHBOARD not in service.dashboards:
        return fleet_dashboard_url(platform, service.name)
    panel: int | None
    if alert.slo is not None:
        index = [s.name for s in service.slos].index(alert.slo.name)
        panel = conventions.slo_panel_id(index)
    elif alert.threshold is not None:
        panel = metric_panel_id(service, alert.threshold.metric.name)
    else:
        assert alert.kind is not None
        panel = conventions.KEY_PANEL_IDS[alert.kind]
    return dashboard_url(platform, service.name, conventions.SERVICE_DASHBOARD, panel)


# Well-known metrics' panels on the service dashboard (the business row holds every other metric).
_METRIC_PANELS = {"requests": "traffic_anomaly", "errors": "error_rate", "build_info": "deployment"}


def metric_panel_id(service: Service, metric: str) -> int | None:
    """The service dashboard panel that plots `metric` (where a threshold alert on it draws its line); None
    where no panel plots it: the instances panel (build_info) needs scraped targets or a build_info series."""
    business = [m.name for m in service.metrics if m.is_business]
    if metric in business:
        return conventions.business_panel_id(business.index(metric), len(service.slos))
    build_info = service.metric("build_info")
    if metric == "build_info" and not service.targets and (build_info is None or build_info.selector is None):
        return None
    return conventions.KEY_PANEL_IDS[_METRIC_PANELS.get(metric, metric)]
