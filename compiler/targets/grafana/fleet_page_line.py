"""The fleet table's burn column that reads the same in every row: each SLO's current burn rate as a percentage of
the rate at which its own fastest window pages (100 = the page's long-window condition holds).

A raw burn rate is not comparable across a fleet: a 90d SLO pages at 43.2×, a 7d one at 3.36×, and Grafana colours
a column with one scale, not a row. Each SLO's page factor is known when compiling, not recorded, so the query
divides by it in PromQL: the SLOs sharing a period and a current window share a factor (the catalog is per
period), and one term per (period, window) selects them by the recorded `window` label and `slo:period:seconds`.
Where SLOs of one (period, window) differ (one pages, another only opens tickets or lost its fast pair), that
term names its paging SLOs one by one. An SLO whose fastest window does not page has no value here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from compiler import conventions as names
from compiler.model.burnrate import current_window, current_window_seconds
from compiler.model.promql import Matcher, render_matchers
from compiler.model.types import Fleet, Slo, Tier
from compiler.model.units import format_duration
from compiler.targets.grafana import queries as q

_ON = f"on({names.LABEL_SERVICE}, {names.LABEL_SLO})"


@dataclass(frozen=True)
class PageLine:
    """The SLOs of one period and current window that page at `factor`, picked by `matchers` (besides window)."""

    period_seconds: int
    window: str
    factor: str
    matchers: str = ""  # `,service="a",slo="x"` when the (period, window) is not all paging at one factor


def page_factor(slo: Slo) -> str | None:
    """The factor at which the SLO's current (fastest) window pages; None when that window only opens tickets."""
    window = current_window(slo)
    return window.factor_text(slo.period_seconds) if window is not None and window.tier is Tier.CRITICAL else None


def page_lines(fleet: Fleet) -> list[PageLine]:
    keyed: dict[tuple[int, int], list[tuple[str, str, str | None]]] = defaultdict(list)
    for service in fleet.services:
        for slo in service.slos:
            keyed[(slo.period_seconds, current_window_seconds(slo))].append((service.name, slo.name, page_factor(slo)))
    lines: list[PageLine] = []
    for (period, seconds), members in sorted(keyed.items()):
        factors = {factor for *_, factor in members}
        window = format_duration(seconds)
        if len(factors) == 1 and None not in factors:
            lines.append(PageLine(period, window, str(factors.pop())))
            continue
        for service_name, slo_name, factor in members:
            if factor is not None:
                picked = (Matcher(names.LABEL_SERVICE, "=", service_name), Matcher(names.LABEL_SLO, "=", slo_name))
                lines.append(PageLine(period, window, factor, "," + render_matchers(picked)))
    return lines


def common_factor(fleet: Fleet) -> str | None:
    """The one page factor of every paging SLO (the raw burn column may then turn red at it); None if they differ."""
    factors = {page_factor(slo) for s in fleet.services for slo in s.slos} - {None}
    return factors.pop() if len(factors) == 1 else None


def fleet_page_share(fleet: Fleet, grouped: bool, reporting: str) -> str | None:
    """100 × burn rate / page factor per SLO (its worst group in a grouped fleet, of the groups that still report:
    q.fleet_reporting); None when nothing pages."""
    terms = []
    for line in page_lines(fleet):
        selector = f'{q.fleet_series(names.SLO_CURRENT_ERROR_RATIO)[:-1]},{names.LABEL_WINDOW}="{line.window}"'
        ratio = q.while_reporting(f"{selector}{line.matchers}}}", reporting)
        if grouped:
            ratio = f"max by ({names.LABEL_SERVICE}, {names.LABEL_SLO}) ({ratio})"
        burn = f"{ratio} / {_ON} {q.fleet_series(names.SLO_ERROR_BUDGET)}"
        period = f"{q.fleet_series(names.SLO_PERIOD_SECONDS)} == {line.period_seconds}"
        terms.append(f"({burn} and {_ON} {period}) / {line.factor}")
    if not terms:
        return None
    return f"100 * {q.with_dashboard_label(' or '.join(terms))}"


def factors_text(fleet: Fleet) -> str:
    """`43.2× over 1h for 90d, 3.36× over 1h for 7d`: the page lines the column divides by, slowest period first."""
    seen = {(line.period_seconds, line.window, line.factor) for line in page_lines(fleet)}
    ordered = sorted(seen, key=lambda line: (-line[0], line[1], float(line[2])))
    return ", ".join(f"{factor}× over {window} for {format_duration(period)}" for period, window, factor in ordered)
