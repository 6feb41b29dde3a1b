"""Panels and fleet queries of grouped SLOs (`by: [route]`): the service dashboard's per-group table and
the fleet overview's worst group per SLO.

The fleet table keeps one row per SLO: for a grouped SLO it shows its worst group (least budget left,
fastest burn), and the service dashboard's table names that group. Fleets without a grouped SLO keep
their queries byte for byte.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.burnrate import current_window
from compiler.model.panel_ids import panel_ids
from compiler.model.types import Fleet, Service, Slo
from compiler.model.units import format_duration
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.groups import META_ON
from compiler.targets.grafana.panels import ORANGE, Query, table_panel

NO_DATA_TEXT = "no data now"

GROUP_TABLE_OFFSET = 4  # inside the SLO's panel-id block (model.panel_ids)


def group_table(service: Service, slo: Slo) -> table.Panel:
    """Burn rate (the SLO's current window) and budget left of every group selected, worst budget first."""
    current = current_window(slo)
    over = current.long if current else format_duration(slo.period_seconds)
    burn, budget = f"burn rate ({over}) ×", "budget left %"
    by = ", ".join(slo.by)
    panel = table_panel(
        panel_ids(service).slo(slo.name, GROUP_TABLE_OFFSET),
        f"Per {by}: burn rate and budget left",
        f"One row per {by} of the {slo.name} SLO: the burn rate over {over} (alerts fire per group) and the share "
        f"of the {format_duration(slo.period_seconds)} error budget left ('{NO_DATA_TEXT}' for a {by} whose SLI has "
        f"had no series for {q.REPORTING_LOOKBACK}). Sort by a column to find the burning group.",
        "short",
        [
            Query(burn, f"max without ({names.LABEL_WINDOW}) ({q.burn_rate(service, slo, current)})"),
            Query(budget, f"100 * {_budget_or_silent(service, slo)}"),
        ],
        24,
    )
    panel = panel.mappings([no_data_now_mapping()])
    hidden = {"Time": True, "__name__": True, names.LABEL_SERVICE: True, names.LABEL_SLO: True}
    return panel.with_transformation(models.DataTransformerConfig(id_val="merge", options={})).with_transformation(
        models.DataTransformerConfig(
            id_val="organize",
            options={"excludeByName": hidden, "renameByName": {"Value #A": burn, "Value #B": budget}},
        )
    )


def _budget_or_silent(service: Service, slo: Slo) -> str:
    """Each group's budget left while it reports, q.NO_DATA_NOW for a group whose SLI has had no series for
    q.REPORTING_LOOKBACK: the table had no row for a silent tenant at all (one row per tenant, it said), so the
    fleet's "Groups without data" pointed at a table that did not name them."""
    unreported = q.budget_unreported(service, slo)
    reported = q.budget_remaining(service, slo)
    return reported if unreported is None else f"({reported} or ({unreported}) * {q.NO_DATA_NOW})"


def no_data_now_mapping() -> models.ValueMapping:
    """A table's q.NO_DATA_NOW (NaN: never a recorded budget) as orange "no data now"."""
    stopped = models.DashboardSpecialValueMapOptions(
        match=models.SpecialValueMatch.NA_N, result=models.ValueMappingResult(text=NO_DATA_TEXT, color=ORANGE)
    )
    return models.SpecialValueMap(options=stopped)


def fleet_is_grouped(fleet: Fleet) -> bool:
    return any(slo.by for service in fleet.services for slo in service.slos)


def _worst(aggregation: str, record: str, reporting: str | None = None) -> str:
    """Each SLO's worst group of `record`; of the groups that still report when `reporting` is given."""
    series = q.fleet_series(record)
    if reporting is not None:
        series = q.while_reporting(series, reporting)
    return f"{aggregation} by ({names.LABEL_SERVICE}, {names.LABEL_SLO}) ({series})"


def fleet_budget_remaining(reporting: str) -> str:
    """Budget left of each SLO's worst group that still reports (an ungrouped SLO is its own only group), in
    percent; q.NO_DATA_NOW for an SLO none of whose groups report."""
    reported = _worst("min", names.SLO_BUDGET_REMAINING, reporting)
    stopped = q.stopped_budget(reported, _worst("min", names.SLO_BUDGET_REMAINING))
    return f"100 * {q.with_dashboard_label(f'{reported} or {stopped}')}"


def fleet_burn_rate(reporting: str) -> str:
    ratio = _worst("max", names.SLO_CURRENT_ERROR_RATIO, reporting)
    return q.with_dashboard_label(f"{ratio} / {META_ON} {q.fleet_series(names.SLO_ERROR_BUDGET)}")


def fleet_exhausted_count(reporting: str) -> str:
    return f"count({_worst('min', names.SLO_BUDGET_REMAINING, reporting)} <= 0) or vector(0)"


def fleet_burning_count(factor: str, reporting: str) -> str:
    ratio = _worst("max", names.SLO_CURRENT_ERROR_RATIO, reporting)
    return f"count(({ratio} / {META_ON} {q.fleet_series(names.SLO_ERROR_BUDGET)}) > {factor}) or vector(0)"


def fleet_lowest_budgets(count: int, reporting: str) -> str:
    return f"bottomk({count}, {_worst('min', names.SLO_BUDGET_REMAINING, reporting)})"


def fleet_silent_groups(reporting: str, group_labels: list[str]) -> str:
    """In percent, for each grouped SLO: the share of its groups with a recorded budget whose SLI has had no series
    for q.REPORTING_LOOKBACK, 0 where every group reports; none for an ungrouped SLO. The row's budget and burn are
    its worst group that still reports, so a silent tenant left no trace on it (round 41): this column says so."""
    budget = q.fleet_series(names.SLO_BUDGET_REMAINING)[:-1]
    grouped = " or ".join(f'{budget},{label}!=""}}' for label in group_labels)
    slo = f"{names.LABEL_SERVICE}, {names.LABEL_SLO}"
    silent = f"count by ({slo}) (({grouped}) unless {q.IGNORING_WINDOW} {reporting})"
    every = f"count by ({slo}) ({grouped})"
    return f"100 * {q.with_dashboard_label(f'({silent} or 0 * {every}) / {every}')}"
