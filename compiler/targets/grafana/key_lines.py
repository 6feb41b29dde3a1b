"""The lines of the key-metric alerts on the panels their links open, and how a panel's description names them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from compiler.model.types import AlertKind, Service
from compiler.model.units import decimal_text
from compiler.targets.grafana.panels import Line
from compiler.targets.grafana.slo_figures import TIER_COLORS


def key_lines(service: Service, kind: AlertKind) -> list[Line]:
    """A line per tier of the service's `kind` alert, at its threshold, in the tier's colour (most severe first)."""
    mine = [a for a in service.key_alerts if a.kind is kind]  # sort the few of the kind, not every key alert
    ranked = sorted(mine, key=lambda a: a.tier.rank)
    return [Line(float(a.threshold), TIER_COLORS[a.tier]) for a in ranked if a.threshold is not None]


def thresholds_text(lines: Sequence[Line], unit: str) -> str:
    return ", ".join(f"{_human(line.value, unit)}" for line in lines)


def _human(value: float, unit: str) -> str:
    if unit == "percentunit":
        return f"{decimal_text(Decimal(repr(value)) * 100)}%"
    if unit == "s":
        return f"{decimal_text(Decimal(repr(value)))}s"
    return decimal_text(Decimal(repr(value)))
