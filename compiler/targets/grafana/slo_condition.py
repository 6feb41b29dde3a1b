"""The panel of a slice SLO's row that shows what each slice is judged by, with the SLI's line: a freshness SLO's
age of the last success against max_age, a time-slice SLO's gauge against its `good_when` number (the burn
rate and budget show only the share of bad slices, not how far the gauge is from its line).

Both plot `slice_queries.measured`, the text the recorded bad-slice bit compares, so the panel and the SLI
cannot read the gauge differently (its aggregation, NaN samples left out). The panel takes the SLO block's
SLO_AGE_OFFSET id: an SLO is one kind or the other, and the stale alert's link opens that id.
"""

from __future__ import annotations

from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model import slice_queries
from compiler.model.panel_ids import panel_ids
from compiler.model.types import Service, SliKind, Slo
from compiler.model.units import format_duration
from compiler.targets.grafana.panels import GREEN, RED, Line, Link, Query, timeseries_panel
from compiler.targets.grafana.rate_units import share_unit
from compiler.targets.grafana.slo_figures import TIER_COLORS

# A time slice's good side, by its operator: the colour below the line (base) and from it upwards. `==` and
# `!=` have no side: a 0/1 probe (`== 1`) is red under its line, green on it; `!= 0` the other way round.
_SIDES = {
    "<": (GREEN, RED),
    "<=": (GREEN, RED),
    ">": (RED, GREEN),
    ">=": (RED, GREEN),
    "==": (RED, GREEN),
    "!=": (GREEN, RED),
}
_GOOD_WORDS = {
    "<": "below",
    "<=": "at or below",
    ">": "above",
    ">=": "at or above",
    "==": "equal to",
    "!=": "other than",
}


def condition_panel(service: Service, slo: Slo, runbooks: dict[int, list[Link]]) -> list[Builder[models.Panel]]:
    """The age panel of a freshness SLO, the gauge panel of a time-slice SLO; none for event SLOs."""
    pid = panel_ids(service).slo(slo.name, names.SLO_AGE_OFFSET)
    if slo.sli.value is None or slo.sli.gauge is None:
        return []
    if slo.sli.kind is SliKind.FRESHNESS:
        return [_age(pid, slo, runbooks)]
    if slo.sli.kind is SliKind.TIME_SLICE:
        return [_gauge(pid, slo, runbooks)]
    return []


def _age(pid: int, slo: Slo, runbooks: dict[int, list[Link]]) -> Builder[models.Panel]:
    """The age of the newest success against max_age: what the stale alert compares."""
    assert slo.sli.value is not None and slo.sli.gauge is not None
    max_age = format_duration(int(slo.sli.value))
    return timeseries_panel(
        pid,
        "Age of the last success",
        f"Seconds since the last success ({slo.sli.gauge.aggregation.value} of the gauge's series, as the SLI "
        f"reads them); above {max_age} (the line) every slice is bad"
        + (" and the stale alert fires." if slo.sli.stale_tier is not None else "."),
        "s",
        [Query("age", slice_queries.measured(slo.sli))],
        24,
        # in the stale alert's tier colour, as every alert line (red without one: every slice bad)
        lines=[Line(float(slo.sli.value), TIER_COLORS[slo.sli.stale_tier] if slo.sli.stale_tier else RED)],
        links=runbooks.get(pid, ()),
        soft_min=0.0,
    )


def _gauge(pid: int, slo: Slo, runbooks: dict[int, list[Link]]) -> Builder[models.Panel]:
    """The aggregated gauge against the `good_when` number, in the gauge's own unit (a number written with a unit
    is converted to it)."""
    gauge, value = slo.sli.gauge, slo.sli.value
    assert gauge is not None and value is not None
    base, above = _SIDES[slo.sli.op]
    name = gauge.title or gauge.name
    number = slice_queries.value_text(slo.sli)
    return timeseries_panel(
        pid,
        f"{name} against its line",
        f"What each time slice is judged by: the {gauge.aggregation.value} of {gauge.name}'s series, as the SLI "
        f"reads them (`{gauge.name} {slo.sli.op} {number}`). A slice is good while it is {_GOOD_WORDS[slo.sli.op]} "
        f"{number} (the line), bad otherwise; no series is no slice (SLODataMissing).",
        gauge.unit or share_unit(gauge) or "short",
        [Query(f"{gauge.aggregation.value} of {name}", slice_queries.measured(slo.sli))],
        24,
        lines=[Line(float(value), above)],
        base=base,
        links=runbooks.get(pid, ()),
    )
