"""The numbers of one burn-rate alert as its page writes them. Meaning, Impact and Diagnosis all quote them,
so they are worked out once per alert."""

from __future__ import annotations

from typing import NamedTuple

from compiler.model.alerts import AlertDef
from compiler.model.burnrate import error_ratio_threshold
from compiler.model.types import Slo
from compiler.model.units import decimal_text


class BurnText(NamedTuple):
    tier: str
    window: str  # the window's name: fast, slow...
    long: str
    short: str
    factor: str  # the burn rate that fires, as the rules write it
    ratio: str  # the error ratio that fires, in percent
    spent: str  # the share of the budget such a burn spends within the long window, in percent


def burn_texts(slo: Slo, alerts: list[AlertDef]) -> list[BurnText | None]:
    """One per alert of the page (None for an alert without a burn window)."""
    return [_burn_text(slo, alert) for alert in alerts]


def _burn_text(slo: Slo, alert: AlertDef) -> BurnText | None:
    w = alert.window
    if w is None:
        return None
    return BurnText(
        alert.tier.value,
        w.name,
        w.long,
        w.short,
        w.factor_text(slo.period_seconds),
        decimal_text(error_ratio_threshold(slo, w) * 100),
        decimal_text(w.budget_spent(slo.period_seconds) * 100),
    )
