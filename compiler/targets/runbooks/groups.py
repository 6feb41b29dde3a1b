"""Runbook text of a grouped SLO (`by: [route]`): which group is burning, and how to find it.

Each group has its own ratios, alerts and budget; an alert names its group in its labels and summary.
The page adds a note saying so and, before the usual queries, one that ranks the groups by burn rate.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model import queries
from compiler.model.alerts import AlertDef
from compiler.model.types import Slo


def group_note(slo: Slo) -> list[str]:
    """Lines for the page's Meaning section; [] when the SLO is not grouped."""
    if not slo.by:
        return []
    labels = ", ".join(f"`{label}`" for label in slo.by)
    return [
        "",
        f"This SLO is kept **per {labels}**: every group has its own error ratio, burn alerts and budget. The alert's "
        f"{labels} label (also in its summary) names the burning group; other groups may be healthy. Diagnosis "
        "lists every group: a burn page's first query ranks them by burn rate, and each page gives their budget "
        "left, lowest first.",
    ]


def join(slo: Slo) -> str:
    """How a (grouped) error ratio is divided by the SLO's budget: many groups to one budget."""
    return "on(service, slo) group_left" if slo.by else "on(service, slo)"


def burning_groups(own: str, slo: Slo, alerts: list[AlertDef]) -> list[tuple[str, str]]:
    """The groups ranked by burn rate over the shortest long window of the page's alerts."""
    windows = [a.window for a in alerts if a.window is not None]
    if not slo.by or not windows:
        return []
    span = min(windows, key=lambda w: w.long_seconds).long
    budget = f"{names.SLO_ERROR_BUDGET}{own}"
    by = ", ".join(slo.by)
    return [
        (
            f"the burning groups: burn rate per {by} over {span}, highest first",
            f"sort_desc(\n  {names.sli_error_ratio(span)}{own}\n  / {join(slo)}\n  {budget}\n)",
        )
    ]


def budget_left(left: str, slo: Slo) -> tuple[str, str]:
    """The budget-left query; a grouped SLO's ranked lowest first (its groups spend their budgets apart)."""
    if not slo.by:
        return ("share of the period's error budget left", left)
    return (f"share of the period's error budget left per {', '.join(slo.by)}, lowest first", f"sort({left})")


def raw_ratio(slo: Slo, window: str) -> str:
    """The SLI's error ratio from the raw metrics, per group when grouped."""
    if not slo.by:
        return queries.sli_error_ratio(slo.sli, window)
    return f"{queries.sli_errors(slo.sli, window, slo.by)} / {queries.sli_total(slo.sli, window, slo.by)}"
