"""The numbers of one burn-rate alert as its page writes them, and the Meaning and Impact lines that quote
them. They depend on the alert's tier and window and the SLO's period and budget only, so alerts with the same
numbers (in any service) share one `BurnText`: made once per distinct set, each page pays a lookup."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from compiler.model.alerts import AlertDef
from compiler.model.burnrate import BurnWindow, error_ratio_threshold, hours_to_exhaustion
from compiler.model.sli_kinds import burn_guard_text, burn_words
from compiler.model.types import Slo, Tier
from compiler.model.units import format_duration, share_text


class BurnText(NamedTuple):
    tier: str
    window: str  # the window's name: fast, slow...
    long: str
    short: str
    factor: str  # the burn rate that fires, as the rules write it
    ratio: str  # the error ratio that fires, as a percentage ("1.44%")
    spent: str  # the share of the budget such a burn spends within the long window, as a percentage
    meaning: str  # the alert's line under Meaning
    impact: str  # the alert's line under Impact


def burn_texts(slo: Slo, alerts: list[AlertDef]) -> list[BurnText | None]:
    """One per alert of the page (None for an alert without a burn window)."""
    period, budget = slo.period_seconds, str(slo.error_budget)  # the budget by its text: -0 and 0 print apart
    out: list[BurnText | None] = []
    for alert in alerts:
        w = alert.window
        if w is None:
            out.append(None)
            continue
        key = (w, alert.tier, period, budget, burn_guard_text(slo, w.long))  # every input of `_burn_text`
        found = _TEXTS.get(key)
        if found is None:
            if len(_TEXTS) >= _TEXTS_KEPT:
                _TEXTS.clear()
            found = _TEXTS[key] = _burn_text(slo, w, alert.tier)
        out.append(found)
    return out


_TEXTS: dict[tuple[BurnWindow, Tier, int, str, str], BurnText] = {}
_TEXTS_KEPT = 1024


def _burn_text(slo: Slo, w: BurnWindow, tier: Tier) -> BurnText:
    factor = w.factor_text(slo.period_seconds)
    ratio = share_text(error_ratio_threshold(slo, w))
    spent = share_text(w.budget_spent(slo.period_seconds))
    long, short = w.long, w.short
    gone = lasts(slo, Decimal(1), w.factor(slo.period_seconds))
    words = burn_words(slo)
    return BurnText(
        tier.value,
        w.name,
        long,
        short,
        factor,
        ratio,
        spent,
        f"- **{tier.value}** ({w.name}): error ratio above {ratio} over both {long} and "
        f"{short}, or over {long} with no {words.things} in {short} while the alert is already up, unless the "
        f"newest {words.things} since were healthy "
        f"({factor}x burn rate, {spent} of the budget in {long}).{burn_guard_text(slo, long)}",
        f"- **{tier.value}** ({w.name}): a burn rate of {factor}x (error ratio {ratio}) spends "
        f"{spent} of the budget in {long}; at that burn a full budget is gone in {gone}, "
        "and what is left now in proportionally less (query below).",
    )


def span(seconds: Decimal) -> str:
    """A duration for humans: to the minute (2d2h, 43m), to the second under 10 minutes (1m26s), where a cut
    to the minute is off by up to half (a 1d SLO at 99.9% has 86.4 s of budget: "1m" told of 60)."""
    whole = int(seconds)
    return format_duration(whole if whole < 600 else whole // 60 * 60)


def lasts(slo: Slo, share: Decimal, factor: Decimal) -> str:
    """How long `share` of the budget lasts at `factor`x burn."""
    hours = hours_to_exhaustion(share, factor, slo.period_seconds)
    assert hours is not None
    return span(hours * 3600)
