"""The fleet overview: every recorded SLO with its budget left and current burn, in one sortable table.

Rows come from the recorded SLO series, so the table shows every SLO Prometheus evaluates; the
`service` variable narrows it. Grafana cannot compute a dashboard UID from a service name, so the
table's Dashboard column maps each service to its UID (a value mapping) and links to `/d/<uid>`;
a dashboard link lists every service dashboard by tag as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.burnrate import current_window_seconds
from compiler.model.types import Fleet, Slo
from compiler.model.units import format_duration
from compiler.targets import links
from compiler.targets.grafana import group_panels
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.fleet_page_line import common_factor, factors_text, fleet_page_share
from compiler.targets.grafana.fleet_services import key_services_table, services_variable_query, without_slos
from compiler.targets.grafana.group_panels import NO_DATA_TEXT
from compiler.targets.grafana.panels import (
    GREEN,
    ORANGE,
    RED,
    Line,
    Query,
    datasource_variable,
    stat_panel,
    table_panel,
    thresholds,
    timeseries_panel,
)
from compiler.targets.grafana.service import BUDGET_DECIMALS, GENERATED_NOTE
from compiler.targets.grafana.slo_figures import slo_figures

SLOS_ID, EXHAUSTED_ID, BURNING_ID, WITHOUT_DATA_ID = 1, 2, 3, 4  # stable ids; 4 came later
SUMMARY_IDS = (SLOS_ID, WITHOUT_DATA_ID, EXHAUSTED_ID, BURNING_ID)  # left to right
TABLE_ID, LOWEST_BUDGETS_ID = 10, 11
OBJECTIVE, BUDGET, BURN = "Objective", "Budget left", "Burn rate"
MIXED_WINDOWS = "fastest window"  # the burn column's window when the SLOs' fastest windows differ


def build(fleet: Fleet) -> models.Dashboard:
    slos = [(s, slo) for s in fleet.services for slo in s.slos]
    # "Current" burn: each SLO over its own fastest alert window (slo:sli_error:ratio_current), as its own
    # dashboard shows it; catalogs differ per period and platform, so no one window is recorded for all.
    window = _window_text(slo for _, slo in slos)
    burn_title = f"{BURN} ({window})"
    # A grouped SLO (by:) counts and shows its worst group: same function names, queries that aggregate the groups.
    fq = group_panels if group_panels.fleet_is_grouped(fleet) else q
    # Red only where it means the same in every row: one page factor for the whole fleet. With several (a 90d
    # SLO pages at 43.2x, a 7d one at 3.36x), the page-line column says which SLO burns at its own page line.
    common = common_factor(fleet)
    burn_steps = [Line(1.0, ORANGE)] + ([Line(float(common), RED)] if common is not None else [])
    dashboard = (
        builders.Dashboard("SLO fleet overview")
        .uid(names.FLEET_DASHBOARD_UID)
        .description(
            f"Error budget and burn rate of every SLO ({len(fleet.services)} services, {len(slos)} SLOs compiled)"
            + (f", key signals of the {bare} services without one. " if (bare := len(without_slos(fleet))) else ". ")
            + GENERATED_NOTE.replace("the service spec", "the service specs")
        )
        .tags([names.GRAFANA_TAG])
        .readonly()
        .time("now-24h", "now")
        .refresh("1m")
        .timezone("browser")
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .with_variable(datasource_variable())
        .with_variable(_service_variable(fleet))
        .link(
            builders.DashboardLink("Service dashboards")
            .type(models.DashboardLinkType.DASHBOARDS)
            .tags([names.GRAFANA_SERVICE_TAG])
            .as_dropdown(True)
            .keep_time(True)
            .include_vars(False)
            .tooltip("Every service dashboard obsc generates")
        )
    )
    by_labels = _group_labels(fleet)
    summaries = [
        # not "reporting": it counts every SLO whose rules Prometheus evaluates, a stopped one too (round 41)
        ("SLOs evaluated", "SLOs with a recorded objective, with data or without.", q.fleet_slo_count(), [], GREEN),
        (
            "SLOs without data",
            "SLOs that counted no event (or time slice) over their whole period (their budget and burn rate are "
            f"blank, not good), or whose SLI has had no series for {q.REPORTING_LOOKBACK} (data that stopped today: "
            f'the table reads "{NO_DATA_TEXT}" for their budget; not an error-ratio SLI, which has no series while '
            "idle)"
            + (f", or one of whose groups is silent (the table's {SILENT_GROUPS} says how many)" if by_labels else "")
            + ". SLODataMissing says why.",
            q.fleet_without_data_count(
                q.idle_unseen((s, slo) for s in fleet.services for slo in s.slos),
                by_labels,
                [s for s in fleet.services if s.slos],
            ),
            [Line(1.0, ORANGE)],
            GREEN,
        ),
        (
            "Budgets exhausted",
            "SLOs that spent their whole error budget this period, of those whose SLI has had series in the last "
            f'{q.REPORTING_LOOKBACK} (a stopped SLO\'s last budget is not its state now: "SLOs without data" '
            "counts it; SLOErrorBudgetExhausted may still fire on it).",
            fq.fleet_exhausted_count(q.fleet_reporting(fleet)),
            [Line(1.0, RED)],
            GREEN,
        ),
        (
            f"Burning over 1× ({window})",
            f"SLOs spending budget faster than it accrues, each over its {_over(window)}.",
            fq.fleet_burning_count("1", q.fleet_reporting(fleet)),
            [Line(1.0, ORANGE)],
            GREEN,
        ),
    ]
    for pid, (title, desc, expr, steps, base) in zip(SUMMARY_IDS, summaries, strict=True):
        width = 24 // len(SUMMARY_IDS)
        dashboard.with_panel(stat_panel(pid, title, desc, "short", [Query(title, expr)], width, steps, base, "0"))
    dashboard.with_panel(_table(fleet, burn_title, burn_steps, fq))
    dashboard.with_panel(
        timeseries_panel(
            LOWEST_BUDGETS_ID,
            "Lowest error budgets left",
            "The ten SLOs with the least error budget left over their period, of those whose SLI has had series in "
            f'the last {q.REPORTING_LOOKBACK} (a line ends where its data stopped: "SLOs without data" counts it).',
            "percentunit",
            [Query("{{service}} / {{slo}}", fq.fleet_lowest_budgets(10, q.fleet_reporting(fleet)))],
            24,
            decimals=BUDGET_DECIMALS,
            lines=[Line(0.0, ORANGE)],
            base=RED,
        )
    )
    key_services = key_services_table(fleet, _mappings(fleet), _link(_data_link()))
    if key_services is not None:
        dashboard.with_panel(key_services)
    return dashboard.build()


def _service_variable(fleet: Fleet) -> builders.QueryVariable:
    return (
        builders.QueryVariable(q.FLEET_SERVICE_VARIABLE)
        .label("Service")
        .datasource(models.DataSourceRef(type_val="prometheus", uid=f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}"))
        .query(services_variable_query(fleet))
        .refresh(models.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(models.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def _window_text(slos: Iterable[Slo]) -> str:
    """The fleet's "now" window: its name when every SLO shares it, else a word (each SLO has its own)."""
    ranges = {current_window_seconds(slo) for slo in slos}
    return format_duration(ranges.pop()) if len(ranges) == 1 else MIXED_WINDOWS


def _over(window: str) -> str:
    return "own fastest alert window" if window == MIXED_WINDOWS else f"fastest alert window ({window})"


PAGE_SHARE = "Burn % of page line"
SILENT_GROUPS = "Groups without data %"
PAGE_LINE = 100.0  # percent of its page factor: the SLO's fastest page's long-window condition holds


def _table(fleet: Fleet, burn_title: str, burn_steps: list[Line], fq: ModuleType) -> table.Panel:
    # The SDK's JSON Schemas type override matchers and values as objects, so the table needs no per-column
    # unit: values are scaled to percent in PromQL and the unit named in the header. Value mappings and links
    # sit in the field defaults, keyed by "<service> dashboard" values that only the dashboard column holds.
    # (a service without obsc's dashboard opens its first standard one, else this one: its raw "<service>
    # dashboard" was a dead link)
    objective, budget = f"{OBJECTIVE} %", f"{BUDGET} %"
    value = {"A": objective, "B": budget, "C": f"{burn_title} ×"}
    reporting = q.fleet_reporting(fleet)
    queries = [
        Query(objective, q.fleet_objective()),
        Query(budget, fq.fleet_budget_remaining(reporting)),
        Query(burn_title, fq.fleet_burn_rate(reporting)),
    ]
    share = fleet_page_share(fleet, fq is group_panels, reporting)
    if share is not None:
        value["D"] = PAGE_SHARE
        queries.append(Query(PAGE_SHARE, share))
    columns = ["B", "D", "C", "A"] if share is not None else ["B", "C", "A"]
    group_labels = _group_labels(fleet)
    if group_labels:  # beside the budget: the row is the worst group that reports, this says how many do not
        ref = chr(ord("A") + len(queries))
        value[ref] = SILENT_GROUPS
        queries.append(Query(SILENT_GROUPS, group_panels.fleet_silent_groups(reporting, group_labels)))
        columns.insert(1, ref)
    panel = table_panel(
        TABLE_ID,
        "Every SLO",
        f"One row per SLO, the fastest burning first ({'its burn against its own page line' if share else 'burn rate'}"
        ": a service that pages now is on top whatever budget it has left); click a header to sort by it (Budget "
        "left % for the least budget left), a row to open the service dashboard. "
        f'"{NO_DATA_TEXT}" where the SLI has had no series for {q.REPORTING_LOOKBACK} (its last recorded budget '
        "is not the service's state; SLODataMissing says why); its burn rate is blank then too."
        + (
            f" {PAGE_SHARE}: the burn rate as a share of the rate at which that SLO's fastest window pages (here "
            f"{factors_text(fleet)}); red from 100, where the page's long-window condition holds. Blank where that "
            "window only opens tickets."
            if share is not None
            else ""
        )
        + (
            f" {SILENT_GROUPS}: for an SLO kept per group (by:), the share of its groups whose SLI has had no series "
            f"for {q.REPORTING_LOOKBACK}; its budget and burn rate are those of its worst group that still reports "
            "(its service dashboard's per-group table names it and the silent ones). Blank for an SLO without groups."
            if group_labels
            else ""
        ),
        "short",
        queries,
        24,
        decimals=_decimals(fleet),
    )
    panel = (
        panel.mappings([*_mappings(fleet), group_panels.no_data_now_mapping()])
        .data_links([_link(_data_link())])
        .with_transformation(models.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            models.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True, "__name__": True, names.LABEL_WINDOW: True},
                    "indexByName": {
                        names.LABEL_SERVICE: 0,
                        names.LABEL_SLO: 1,
                        **{f"Value #{ref}": i + 2 for i, ref in enumerate(columns)},
                        q.DASHBOARD_LABEL: len(columns) + 2,
                    },
                    "renameByName": {
                        names.LABEL_SERVICE: "Service",
                        names.LABEL_SLO: "SLO",
                        **{f"Value #{ref}": title for ref, title in value.items()},
                    },
                },
            )
        )
        # burn first: sorted by budget left, a service paging now with its budget still full sat at the foot of a
        # table taller than the screen (round 45); the budget column keeps its colours and the stats their counts
        .sort_by([_sort(PAGE_SHARE if share is not None else value["C"], desc=True)])
        .with_override(_by_names(budget), _colored(_budget_steps(fleet), RED))
        .with_override(_by_names(value["C"]), _colored(burn_steps, GREEN))
    )
    if share is not None:
        panel = panel.with_override(_by_names(PAGE_SHARE), _colored([Line(PAGE_LINE, RED)], GREEN))
    if group_labels:
        # orange from the first silent group of any SLO (a share of 1 in 100,000 groups is 0.001 %)
        panel = panel.with_override(_by_names(SILENT_GROUPS), _colored([Line(0.0001, ORANGE)], GREEN))
    return panel


def _group_labels(fleet: Fleet) -> list[str]:
    """The labels the fleet's SLOs are kept per (`by:`), sorted."""
    return sorted({label for s in fleet.services for slo in s.slos for label in slo.by})


def _mappings(fleet: Fleet) -> list[models.ValueMapping]:
    """Each service's "<service> dashboard" value to the UID its row opens."""
    uids = {
        q.dashboard_label_value(s.name): models.ValueMappingResult(text=links.home_dashboard_uid(s), index=i)
        for i, s in enumerate(fleet.services)
    }
    return [models.ValueMap(options=uids)]


def _data_link() -> models.DashboardLink:
    var = names.GRAFANA_DATASOURCE_VARIABLE
    return models.DashboardLink(
        title=f"Open the ${{__data.fields.{names.LABEL_SERVICE}}} dashboard",
        url=f"/d/${{__data.fields.{q.DASHBOARD_LABEL}}}?${{__url_time_range}}&var-{var}=${{{var}}}",
    )


UNALERTED_BUDGET_LINE = 25.0  # percent: green from here when no SLO reports a low budget (the built-in line)


def _budget_steps(fleet: Fleet) -> list[Line]:
    """Orange once spent, green from the line below which the info alert reports a low budget, in percent. A
    column has one colour scale: with SLOs of different lines, the highest, so no SLO reads green while its
    SLOErrorBudgetLow may be up (a fixed 25% read green beside a 40% line's alert)."""
    lines = [slo.alerting.budget_left for s in fleet.services for slo in s.slos if slo.alerting.info]
    green = float(max(lines) * 100) if lines else UNALERTED_BUDGET_LINE
    return [Line(0.0, ORANGE), Line(green, GREEN)]


def _decimals(fleet: Fleet) -> int:
    """The table's decimals: enough to show every objective as written (left to Grafana, a `short` value from
    10 to 100 gets one, and 99.99 read 100.0), two at least for budgets and burn rates. One setting for every
    column: the SDK's schema types an override's value as an object, so a column cannot have its own."""
    return max([2, *(slo_figures(slo).places for s in fleet.services for slo in s.slos)])


def _by_names(*names_: str) -> models.MatcherConfig:
    return models.MatcherConfig(id_val="byNames", options={"mode": "include", "names": list(names_)})


def _colored(steps: list[Line], base: str) -> list[models.DynamicConfigValue]:
    return [
        models.DynamicConfigValue(id_val="thresholds", value=thresholds(steps, base).build()),
        models.DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-text"}),
    ]


def _link(spec: models.DashboardLink) -> builders.DashboardLink:
    return builders.DashboardLink(spec.title).url(spec.url or "").type(models.DashboardLinkType.LINK)


def _sort(name: str, desc: bool) -> common_builders.TableSortByFieldState:
    return common_builders.TableSortByFieldState().display_name(name).desc(desc)
