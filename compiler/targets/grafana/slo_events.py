"""An event SLI's events per group: what the alerts about its events stopping read.

SLODataMissing (no series for the SLI, or a group of a label only its own series carry silent for 30m while it was
busy around this time yesterday and a week ago), SLOTrafficStopped (no events at all for 10m where no `up` shows the
service die) and SLOFailuresCounterUnseen (the failures counter never seen while events are counted) opened the
burn-rate panel, where a silent group's lines only ended. This panel plots the events and failures the SLI counts
per group (the recorded 5m rates every window and the budget read) beside the same time a day ago, so the group
that stopped is the line that ends while yesterday's goes on. Time-slice, freshness and error-ratio SLIs count no
events: their alerts keep the burn-rate or condition panel.
"""

from __future__ import annotations

from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.panel_ids import panel_ids
from compiler.model.queries import errors_family
from compiler.model.silent_groups import COUNTED_KINDS, SILENT_WINDOW, silent_split
from compiler.model.stopped_traffic import STOPPED_WINDOW, pages_when_stopped
from compiler.model.types import Service, Slo
from compiler.targets.grafana import groups
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.panels import Link, Query, timeseries_panel

A_DAY_AGO = "1d"


def events_panel(service: Service, slo: Slo, runbooks: dict[int, list[Link]]) -> list[Builder[models.Panel]]:
    """The SLO's events panel; none for an SLI that counts no events."""
    if slo.sli.kind not in COUNTED_KINDS:
        return []
    pid = panel_ids(service).slo(slo.name, names.SLO_EVENTS_OFFSET)
    total, failed = names.SLI_TOTAL_COARSE, names.SLI_ERRORS_COARSE
    return [
        timeseries_panel(
            pid,
            "SLI events",
            _description(service, slo),
            "cps",
            [
                Query(groups.legend(slo, "events/s"), q.sli_events(service, slo, total)),
                Query(groups.legend(slo, "failed/s"), q.sli_events(service, slo, failed)),
                Query(groups.legend(slo, "events/s a day ago"), q.sli_events(service, slo, total, A_DAY_AGO)),
            ],
            24,
            links=runbooks.get(pid, ()),
            soft_min=0.0,
        )
    ]


def _description(service: Service, slo: Slo) -> str:
    per = f" per {', '.join(slo.by)}" if slo.by else ""
    parts = [
        f"Events the SLI counts a second{per} (5m rates, as recorded for its windows and budget), the failed ones, "
        "and the same time a day ago. A line that ends has no series: its budget and burn rate end with it."
    ]
    if slo.alerting.critical or slo.alerting.warning:
        parts.append(
            " SLODataMissing fires when the SLI has no series"
            + (" while the service's targets are up" if service.targets else "")
        )
        split = silent_split(service, slo)
        if split:
            parts.append(
                f", and for a {', '.join(split)} with no events for {SILENT_WINDOW} while others have, that was "
                "busy around this time both yesterday and a week ago"
            )
        parts.append(".")
        if slo.alerting.info and errors_family(slo.sli, service.selector) is not None:
            parts.append(
                " SLOFailuresCounterUnseen: the failures counter has had no series for a day while events are "
                "counted (no failure yet, or a name the service does not write); failed/s reads 0 either way."
            )
    if pages_when_stopped(service, slo):
        parts.append(
            f" SLOTrafficStopped pages when no event at all was counted for {STOPPED_WINDOW} while the SLO was busy "
            "around this time both yesterday and a week ago."
        )
    return "".join(parts)
