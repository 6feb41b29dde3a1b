"""An event SLI's events per group: what the alerts about its events stopping read.

SLODataMissing (no series for the SLI, or a group of a label only its own series carry silent for 30m while it was
busy around this time yesterday and a week ago), SLOTrafficStopped (no events at all for 10m where no `up` shows the
service die) and SLOFailuresCounterUnseen (the failures counter never seen while events are counted) opened the
burn-rate panel, where a silent group's lines only ended. This panel plots the events and failures the SLI counts
per group (the recorded 5m rates every window and the budget read) beside the same time a day and a week ago, so
the group that stopped is the line that ends while the baselines go on. Round 40: those 5m rates are not what the
alerts compare, so the panel also plots each alert's own reading: the events per silent-split group over
SILENT_WINDOW (the silent-group branch fires on none or 0 there), all events over STOPPED_WINDOW (SLOTrafficStopped
pages on none or 0), each with a dashed line at the busy rate the baselines need, and for a latency SLI the
requests of the series without the threshold bucket (the bucket branch: the SLI counts them neither way, so its 5m
lines read no events while the service is busy). Time-slice, freshness and error-ratio SLIs count no events: their
alerts keep the burn-rate or condition panel.
"""

from __future__ import annotations

from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model import silent_groups, stopped_traffic
from compiler.model.panel_ids import panel_ids
from compiler.model.queries import errors_family
from compiler.model.silent_groups import COUNTED_KINDS, SILENT_WINDOW, silent_split
from compiler.model.stopped_traffic import STOPPED_WINDOW, pages_when_stopped
from compiler.model.types import Service, SliKind, Slo
from compiler.model.units import decimal_text
from compiler.targets.grafana import groups
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.panels import GREEN, ORANGE, Line, Link, Query, timeseries_panel

A_DAY_AGO, A_WEEK_AGO = "1d", "7d"


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
                Query(groups.legend(slo, "events/s a week ago"), q.sli_events(service, slo, total, A_WEEK_AGO)),
                *alert_readings(service, slo),
            ],
            24,
            lines=(busy := busy_lines(service, slo)),
            links=runbooks.get(pid, ()),
            soft_min=0.0,
            base=ORANGE if busy else GREEN,
        )
    ]


def alert_readings(service: Service, slo: Slo) -> list[Query]:
    """What the alerts about the events stopping compare, over their own windows: the panel's 5m lines end 5m after
    a stop while the silent-group branch waits for 30m of none, so the page came with nothing on the panel at 0.
    Read as the mean of the recorded 5m rates over the window (a dashboard reads no fixed-window rate of raw
    series): it ends 5m after the alert's raw rate does, and reads 0 where that reads 0."""
    found = []
    split = silent_split(service, slo)
    if split and (slo.alerting.critical or slo.alerting.warning):
        legend = " ".join([*(f"{{{{{label}}}}}" for label in split), f"events/s over {SILENT_WINDOW}"])
        found.append(Query(legend, q.sli_events_over(service, slo, SILENT_WINDOW, split)))
    if pages_when_stopped(service, slo):
        found.append(Query(f"all events/s over {STOPPED_WINDOW}", q.sli_events_over(service, slo, STOPPED_WINDOW, ())))
    if slo.sli.kind is SliKind.LATENCY:
        legend = groups.legend(slo, f"requests/s without the le={_le(slo)} bucket (not counted)")
        found.append(Query(legend, q.unbucketed_requests(service, slo)))
    return found


def _le(slo: Slo) -> str:
    return "" if slo.sli.threshold_le is None else decimal_text(slo.sli.threshold_le)


def busy_lines(service: Service, slo: Slo) -> list[Line]:
    """The busy rates the silent-group and stopped-traffic baselines need in all 15m slots but one, a day and a week
    ago (green from there: below it a silence fires nothing)."""
    rates = set()
    if silent_split(service, slo):
        rates.add(float(silent_groups.MIN_RATE))
    if pages_when_stopped(service, slo):
        rates.add(float(stopped_traffic.MIN_RATE))
    return [Line(rate, GREEN) for rate in sorted(rates)]


def _description(service: Service, slo: Slo) -> str:
    per = f" per {', '.join(slo.by)}" if slo.by else ""
    parts = [
        f"Events the SLI counts a second{per} (5m rates, as recorded for its windows and budget), the failed ones, "
        "and the same time a day and a week ago. A line that ends has no series: its budget and burn rate end with it."
    ]
    split = silent_split(service, slo)
    if split and (slo.alerting.critical or slo.alerting.warning):
        parts.append(
            f' "events/s over {SILENT_WINDOW}" per {", ".join(split)} is what SLODataMissing\'s silent-group branch '
            f"reads now (it fires on none or 0); the dashed line at {silent_groups.MIN_RATE}/s is the busy rate a "
            "group needs in the 15m slots around this time both yesterday and a week ago."
        )
    if pages_when_stopped(service, slo):
        parts.append(
            f' "all events/s over {STOPPED_WINDOW}" is what SLOTrafficStopped reads now (it pages on none or 0); '
            f"the dashed line at {stopped_traffic.MIN_RATE}/s is the busy rate it needs yesterday and a week ago."
        )
    if slo.sli.kind is SliKind.LATENCY:
        parts.append(
            f' "requests/s without the le={_le(slo)} bucket": requests of histogram series that have no '
            "threshold bucket, which the SLI counts neither as good nor as bad (its events/s leave them out); "
            "SLODataMissing fires while there are any."
        )
    if slo.alerting.critical or slo.alerting.warning:
        parts.append(
            " SLODataMissing fires when the SLI has no series"
            + (" while the service's targets are up" if service.targets else "")
        )
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
