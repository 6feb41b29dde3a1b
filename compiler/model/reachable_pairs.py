"""Burn pairs a low objective puts out of reach: page pairs lowered to a line a total outage passes within
minutes (reachable_pages), other pairs left out of their tier while another pair of it can fire.

Round 41: at 95% over 90d the 1h/5m page needed an error ratio of 2.16 (43.2x the 5% budget) and was left out; the
6h/30m pair's 0.9 paged a total outage only at minute 339 (promtool), after its ticket (221). A page pair's line
is now at most windows.yaml's `page_line.max_line` (0.75: the 1h pair fires within 45 minutes of a total outage,
plus its `for`), its factor lowered to no less than `min_factor` (2); below that (an objective of 50% or less)
the tier is still out of reach and refused.

At 90% over 30d the page tier's 1h pair needs an error ratio of 1.44 (14.4x the 10% budget): no outage reaches
it. Its 6h pair (6x: 0.6) still pages, as other SLO tools page on it. Refusing the SLO (until round 26) made
a 90% SLO give up paging altogether to compile; now the dead pair is left out with a located warning,
and everything downstream (rules, tests, runbooks, dashboards) sees only the pairs kept. A tier whose every
pair is out of reach keeps them: checks.check_slos refuses it, and its advice (drop the tier) is then right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from compiler.errors import Diagnostic, Location
from compiler.model.burnrate import Catalog, bridged, page_line
from compiler.model.types import BurnWindow, Service, Tier
from compiler.model.units import decimal_text
from compiler.spec.document import Path

ONE = Decimal(1)


def _line(window: BurnWindow, period_seconds: int, budget: Decimal) -> Decimal:
    return window.factor(period_seconds) * budget


def reachable_pages(windows: Catalog, period_seconds: int, budget: Decimal) -> Catalog:
    """`windows` with each page pair whose line is above `page_line().max_line` given the factor that puts it
    there (rounded down to 0.01), never below `min_factor` nor above its own: a total outage then fires it
    within max_line of its long window. Tickets are kept as they are (a ticket is not about an outage)."""
    limits = page_line()
    out = []
    for window in windows:
        factor = window.factor(period_seconds)
        if window.tier is not Tier.CRITICAL or factor * budget <= limits.max_line:
            out.append(window)
            continue
        lowered = (limits.max_line / budget).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        out.append(replace(window, budget_share=None, fixed_factor=max(lowered, min(factor, limits.min_factor))))
    return tuple(out)


def split_reachable(
    windows: Catalog, period_seconds: int, budget: Decimal, alerting: Sequence[Tier]
) -> tuple[Catalog, Catalog]:
    """(kept, left out): the pairs of an `alerting` tier whose error-ratio line is 1 or more, when the tier has
    a pair below 1; the kept pairs bridged again (a handover to a pair that never fires needs no keep_firing_for).
    Tiers that do not alert are kept whole (dashboards record their windows)."""
    out = [
        w
        for w in windows
        if w.tier in alerting
        and _line(w, period_seconds, budget) >= ONE
        and any(o.tier is w.tier and _line(o, period_seconds, budget) < ONE for o in windows)
    ]
    if not out:
        return windows, ()
    return bridged([w for w in windows if w not in out]), tuple(out)


def kept_pairs(
    windows: Catalog, period_seconds: int, objective: Decimal, alerts: Mapping[str, Any], where: Location, path: Path
) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """An SLO's pairs (page lines lowered by reachable_pages, then split_reachable) under its `alerts:` (a tier is
    on unless set false), and a warning at its objective (`where`, `path`) for each pair left out."""
    alerting = [tier for tier in (Tier.CRITICAL, Tier.WARNING) if alerts.get(tier.value, True)]
    budget = (Decimal(100) - objective) / 100
    kept, out = split_reachable(reachable_pages(windows, period_seconds, budget), period_seconds, budget, alerting)
    return kept, tuple(_warning(w, kept, period_seconds, budget, where, path) for w in out)


def left_out_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """Every pair left out in `services`, as compile, validate and import say them."""
    return [d for service in services for slo in service.slos for d in slo.left_out]


def _warning(
    window: BurnWindow, kept: Catalog, period_seconds: int, budget: Decimal, where: Location, path: Path
) -> Diagnostic:
    tier = window.tier.value
    still = ", ".join(
        f"{w.long}/{w.short} (error ratio {decimal_text(_line(w, period_seconds, budget))})"
        for w in kept
        if w.tier is window.tier
    )
    return Diagnostic(
        where,
        path,
        f"the {tier} burn pair over {window.long}/{window.short} is left out: it needs an error ratio of "
        f"{decimal_text(_line(window, period_seconds, budget))} ({window.factor_text(period_seconds)}x the "
        f"{decimal_text(budget * 100)}% budget), more than a total outage; the {tier} tier alerts on {still}",
    )
