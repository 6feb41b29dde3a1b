"""Cross-links between artifacts, built in one place so they always resolve.

`runbook_url` points at the runbook page of an alert; `dashboard_url` at the service dashboard
(and a panel where one exists). Tests check that every link lands on an artifact in the bundle.
"""

from __future__ import annotations

from compiler import conventions
from compiler.model.alerts import AlertDef
from compiler.model.types import Platform


def runbook_url(platform: Platform, alert: AlertDef) -> str:
    return conventions.runbook_url(platform.runbook_url, alert.service, alert.name, alert.slo_name)


def dashboard_url(platform: Platform, service: str, dashboard: str = "service", panel_id: int | None = None) -> str:
    """`<grafana_url>/d/<uid>` (relative `/d/<uid>` when no grafana_url is set)."""
    url = f"{platform.grafana_url}/d/{conventions.dashboard_uid(service, dashboard)}"
    if panel_id is not None:
        url += f"?viewPanel={panel_id}"
    return url
