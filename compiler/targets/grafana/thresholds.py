"""Threshold alerts on the service dashboard: a dashed line at each alert's value on the panel that plots
its metric, and a sentence in the panel description (time-left alerts draw no line: the panel plots the
timestamp itself, not the time left)."""

from __future__ import annotations

from compiler.model.types import Comparison, Service, Tier
from compiler.targets.grafana.panels import BLUE, ORANGE, RED, Line

_COLORS = {Tier.CRITICAL: RED, Tier.WARNING: ORANGE, Tier.INFO: BLUE}


def threshold_lines(service: Service, metric: str) -> list[Line]:
    mine = [a for a in service.threshold_alerts if a.metric.name == metric and a.comparison is not Comparison.WITHIN]
    return [Line(float(a.threshold), _COLORS[a.tier]) for a in sorted(mine, key=lambda a: (a.tier.rank, a.name))]


def threshold_note(service: Service, metric: str) -> str:
    """` Alerts: ConsumerLagHigh (warning) above 1000 for 10m.` or ""."""
    mine = [a for a in service.threshold_alerts if a.metric.name == metric]
    if not mine:
        return ""
    parts = [f"{a.name} ({a.tier.value}) {a.comparison.value} {a.threshold_text}" for a in mine]
    return " Threshold alerts: " + "; ".join(parts) + "."
