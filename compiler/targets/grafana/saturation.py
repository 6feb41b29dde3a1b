"""The service dashboard's saturation row: CPU, memory and disk in use with their alerts' lines, and the time
until the disk is full, which ServiceDiskFillingUp compares (its link opens that panel: the disk's share in
use cannot show a prediction in hours, nor the alert's line).
"""

from __future__ import annotations

from decimal import Decimal

from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.alert_kinds import SCRAPE_GAP_SECONDS
from compiler.model.disk_trend import DISK_TREND_WINDOW, time_to_full
from compiler.model.saturation_twins import SIGNAL_KIND, last_value_seconds
from compiler.model.types import AlertKind, Metric, Service
from compiler.model.units import decimal_text, format_duration
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.key_lines import key_lines, thresholds_text
from compiler.targets.grafana.panels import Link, Query, timeseries_panel
from compiler.targets.grafana.thresholds import threshold_note

SATURATION_METRICS = (
    ("cpu", AlertKind.CPU, "CPU"),
    ("memory", AlertKind.MEMORY, "Memory"),
    ("disk", AlertKind.DISK, "Disk"),
)


def saturation_panels(service: Service, runbooks: dict[int, list[Link]]) -> list[Builder[models.Panel]]:
    present = [(m, kind, title) for name, kind, title in SATURATION_METRICS if (m := service.metric(name)) is not None]
    filling = key_lines(service, AlertKind.DISK_FULL)
    width = 24 // (len(present) + (1 if filling else 0)) if present else 24
    panels: list[Builder[models.Panel]] = []
    for metric, kind, title in present:
        panels.append(_utilisation(service, metric, kind, title, width, runbooks))
        if kind is AlertKind.DISK and filling:
            panels.append(_time_to_full(service, width, runbooks))
    return panels


def _utilisation(
    service: Service, metric: Metric, kind: AlertKind, title: str, width: int, runbooks: dict[int, list[Link]]
) -> Builder[models.Panel]:
    pid = names.KEY_PANEL_IDS[kind]
    unit = metric.unit or "percentunit"
    lines = key_lines(service, kind)
    if unit == "percent":  # the alerts read the 0-1 signal; the panel plots the metric as it is, 0-100
        lines = [line._replace(value=line.value * 100) for line in lines]
    note = f" Alert thresholds: {thresholds_text(lines, unit)}." if lines else ""
    note += threshold_note(service, metric.name)
    return timeseries_panel(
        pid,
        metric.title or f"{title} utilisation",
        f"{title} in use.{note}",
        unit,
        [Query(q.per_group_legend(metric, metric.name), q.per_group_value(service, metric))],
        width,
        lines=lines,
        links=runbooks.get(pid, ()),
        soft_min=0.0,
    )


def _time_to_full(service: Service, width: int, runbooks: dict[int, list[Link]]) -> Builder[models.Panel]:
    pid = names.KEY_PANEL_IDS[AlertKind.DISK_FULL]
    lines = key_lines(service, AlertKind.DISK_FULL)
    # the disk signal as the alert reads it: its last value for as long as the alert does (saturation_twins)
    gap = last_value_seconds(service).get(SIGNAL_KIND[AlertKind.DISK_FULL], SCRAPE_GAP_SECONDS)
    disk = f"{names.SERVICE_DISK}{q.service_label_filter(service)}"
    return timeseries_panel(
        pid,
        "Disk full in",
        f"Time until the disk is full at its growth over the last {DISK_TREND_WINDOW} (the recorded disk "
        f"utilisation, as ServiceDiskFillingUp reads it); no value while the disk is not filling. "
        f"ServiceDiskFillingUp fires below {' and '.join(_duration(line.value) for line in lines)}.",
        "s",
        [Query(f"full in (trend over {DISK_TREND_WINDOW})", time_to_full(disk, gap))],
        width,
        lines=lines,
        links=runbooks.get(pid, ()),
        soft_min=0.0,
    )


def _duration(seconds: float) -> str:
    """A line's horizon as the spec writes it: 1d, 12h, 90s."""
    return format_duration(int(seconds)) if seconds == int(seconds) else f"{decimal_text(Decimal(repr(seconds)))}s"
