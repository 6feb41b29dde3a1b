"""From the panel a page opens to the panels that say what fails (round 48).

A burn-rate or budget alert opens its SLO's burn-rate or budget panel alone (`viewPanel=`): how fast, not what.
The failures-by-code panel (round 47) and a latency SLO's bucket heatmap sit further down the row, and no link led
there: round 47 left "no alert links to it". Those two panels now carry a link on the burn-rate and budget
panels, which opens the drill-down panel alone over the same time range (the page's own, `from`/`to` around the
alert) and with the same variables (the data source, the alert's group: `${__url_time_range}`,
`${__all_variables}`, Grafana's panel-link variables, as a panel link keeps neither by itself).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.drilldown import drilldown_panels
from compiler.model.panel_ids import panel_ids
from compiler.model.types import Service
from compiler.targets.grafana.panels import Link

KEPT = "${__url_time_range}&${__all_variables}"  # the time range and variables of the panel the link is on


def with_drilldown(service: Service, links: dict[int, list[Link]]) -> dict[int, list[Link]]:
    """`links` (panel id -> its links) with each SLO's drill-down links added to its burn-rate and budget panels."""
    ids = panel_ids(service)
    uid = names.dashboard_uid(service.name, names.SERVICE_DASHBOARD)
    for slo in service.slos:
        drill = [
            Link(title, f"/d/{uid}?viewPanel={ids.slo(slo.name, offset)}&{KEPT}")
            for title, offset in drilldown_panels(slo)
        ]
        for opened_by in (ids.slo(slo.name), ids.slo(slo.name, names.SLO_BUDGET_OFFSET)):
            if drill:
                links[opened_by] = [*links.get(opened_by, ()), *drill]
    return links
