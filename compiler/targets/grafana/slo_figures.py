"""What an SLO row's panels write from the SLO's numbers alone: period and objective text, burn-rate
description, legends and threshold lines, budget lines.

It depends on no name, so SLOs with the same numbers (objective, period, alerting, burn windows) share one
`SloFigures`: it is made once per distinct set of numbers, and each service pays a lookup.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from compiler.model.burnrate import BurnWindow, error_ratio_threshold, windows_for
from compiler.model.types import Slo, Tier
from compiler.model.units import about_text, decimal_text, format_duration, share_text
from compiler.targets.grafana.panels import BLUE, GREEN, ORANGE, RED, Line

TIER_COLORS = {Tier.CRITICAL: RED, Tier.WARNING: ORANGE, Tier.INFO: BLUE}


class SloFigures(NamedTuple):
    period: str  # the period as a duration: 30d
    objective: str  # in percent: 99.9
    places: int  # the objective's decimals
    current: BurnWindow | None  # the window that says "now" (queries.current_window)
    budget_note: str  # what the budget panel's description adds about the info alert
    budget_lines: tuple[Line, ...]
    burn_description: str
    burn_legends: tuple[tuple[BurnWindow | None, str], ...]  # per line of the burn panel; None: the whole period
    burn_lines: tuple[Line, ...]


def slo_figures(slo: Slo) -> SloFigures:
    windows = windows_for(slo)
    # Every input of `_figures`; decimals by their text (-0 and 0 are equal numbers but not the same text).
    key = (str(slo.objective), slo.period_seconds, windows, slo.alerting.info, str(slo.alerting.budget_left))
    found = _FIGURES.get(key)
    if found is None:
        if len(_FIGURES) >= _FIGURES_KEPT:
            _FIGURES.clear()
        found = _FIGURES[key] = _figures(slo, windows)
    return found


_FIGURES: dict[tuple[object, ...], SloFigures] = {}
_FIGURES_KEPT = 1024


def _figures(slo: Slo, windows: tuple[BurnWindow, ...]) -> SloFigures:
    period = format_duration(slo.period_seconds)
    budget_lines = [Line(0.0, ORANGE)]
    budget_note = ""
    if slo.alerting.info:
        budget_lines.append(Line(float(slo.alerting.budget_left), GREEN))
        budget_note = f" Info alert below {decimal_text(slo.alerting.budget_left * 100)}%."
    return SloFigures(
        period=period,
        objective=decimal_text(slo.objective),
        places=max(0, -int(slo.objective.normalize().as_tuple().exponent)),
        current=min(windows, key=lambda w: w.long_seconds) if windows else None,
        budget_note=budget_note,
        budget_lines=tuple(budget_lines),
        burn_description=_burn_description(slo, windows),
        burn_legends=_burn_legends(slo, windows, period),
        burn_lines=_burn_lines(slo, windows),
    )


def _burn_legends(slo: Slo, windows: tuple[BurnWindow, ...], period: str) -> tuple[tuple[BurnWindow | None, str], ...]:
    if not windows:
        return ((None, f"over {period}"),)
    ordered = sorted(windows, key=lambda w: w.long_seconds)
    return tuple((w, f"{w.long} ({w.tier.value} at {_short(w.factor(slo.period_seconds))}×)") for w in ordered)


def _short(value: Decimal) -> str:
    """A factor for a legend: two decimals are enough to tell 13.44 from 14.4 (lines are exact)."""
    return decimal_text(round(value, 2))


def _burn_lines(slo: Slo, windows: tuple[BurnWindow, ...]) -> tuple[Line, ...]:
    if not windows:
        return (Line(1.0, ORANGE),)
    ranked = sorted(windows, key=lambda w: w.tier.rank)  # most severe first, so it wins on equal factors
    return tuple(Line(float(round(w.factor(slo.period_seconds), 10)), TIER_COLORS[w.tier]) for w in ranked)


def _burn_description(slo: Slo, windows: tuple[BurnWindow, ...]) -> str:
    parts = ["Error ratio divided by the error budget (1× spends the budget exactly over the period)."]
    for w in windows:
        threshold = share_text(error_ratio_threshold(slo, w))  # a percentage, as the alert's own text says it
        parts.append(
            f"{w.tier.value.capitalize()} when both the {w.long} and {w.short} burn rates exceed "
            f"{about_text(w.factor(slo.period_seconds))}× (error ratio {threshold})."
        )
    if windows:
        parts.append("A short window with no events at all is no recovery: the long window decides alone.")
    else:
        parts.append("This SLO alerts on no burn window; shown is the burn rate over the whole period.")
    return " ".join(parts)
