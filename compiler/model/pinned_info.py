"""A threshold alert on an info metric pinned to one state, whose missing-data twin fires while all is well
(round 54, Argo CD).

Argo CD's application controller writes one series per application, `argocd_app_info`, always 1, its health and
sync state in labels (`health_status`, `sync_status`). Pinned to a state (`health_status="Degraded"`), the metric
has a series only while some application is in that state, so "no application degraded" is no series at all, and
a threshold alert fires too when its metric has none (`missing: alert`, the default): round 54's newcomer fleet's
`ArgoAppDegraded` and `ArgoAppOutOfSync`, replayed with promtool, ticketed `data="missing"` from minute 15 and 30 of
a healthy fleet and to the end (110 min), and once an application recovered, a twin of its own name too. A located
warning at the alert until it says `missing: ignore` (the exporter's reach is ServiceDown's: its `up`).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.types import Service

# Each info metric (value 1, state in labels) and its state labels
_INFO_STATES: dict[str, tuple[str, ...]] = {
    "argocd_app_info": ("health_status", "sync_status"),
}


def pinned_info_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each threshold alert with missing data firing whose metric is an info metric pinned to
    a state."""
    found = []
    for service in services:
        for index, alert in enumerate(service.threshold_alerts):
            selector = alert.metric.selector
            if not alert.missing_fires or selector is None or selector.metric not in _INFO_STATES:
                continue
            labels = _INFO_STATES[selector.metric]
            pinned = sorted({m.label for m in selector.matchers if m.label in labels})
            if pinned:
                path = ("threshold_alerts", index)
                found.append(Diagnostic(alert.location, path, _message(alert.name, selector.metric, pinned)))
    return found


def _message(alert: str, series: str, pinned: Sequence[str]) -> str:
    states = " and ".join(pinned)
    return (
        f"{alert} reads {series} pinned by {states}: the series exists only while some application is in that "
        "state, so a healthy fleet has none, and the alert fires too when its metric has no series (replayed: "
        f'{alert}{{data="missing"}} ticketed a healthy Argo CD from its 15th minute on, and again for each '
        "application once it recovered); say `missing: ignore` on this alert (ServiceDown watches the "
        "controller's scrape)"
    )
