"""Panel building blocks over grafana-foundation-sdk, with the settings the SDK leaves out.

The SDK assigns no panel ids (callers pass stable ones), does not set the timeseries legend and tooltip
options Grafana's schema requires, and has no alert-list builder (the generic panel builder with
`type("alertlist")` stands in). Every query reads the `${datasource}` template variable. Timeseries and stat
panels get their field config and options, made by the SDK's timeseries or stat builder once per distinct
value, through the generic panel builder: a fleet's panels share a few dozen of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.builders import prometheus, stat, table, text, timeseries
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.variants import Dataquery
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as models
from grafana_foundation_sdk.models import prometheus as prometheus_models
from grafana_foundation_sdk.models import text as text_models

from compiler import conventions as names
from compiler.targets.grafana.encoding import encode as encode  # the face's, and tests'
from compiler.targets.grafana.encoding import shared

DATASOURCE = shared(models.DataSourceRef(type_val="prometheus", uid=f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}"))
GREEN, ORANGE, RED, BLUE = "green", "orange", "red", "blue"
HEIGHT = 8


# Small records, tuples underneath: a dashboard makes about a hundred, and a frozen dataclass is slower to make.
class Query(NamedTuple):
    legend: str
    expr: str


class Line(NamedTuple):
    """A threshold drawn across a graph (an alert or SLO threshold), or a colour step of a stat."""

    value: float
    color: str


class Link(NamedTuple):
    title: str
    url: str
    external: bool = False  # external links open in a new tab; links into Grafana keep time and variables


def datasource_variable() -> builders.DatasourceVariable:
    return builders.DatasourceVariable(names.GRAFANA_DATASOURCE_VARIABLE).label("Data source").type("prometheus")


def link(spec: Link) -> builders.DashboardLink:
    built = builders.DashboardLink(spec.title).type(models.DashboardLinkType.LINK).url(spec.url).tooltip(spec.title)
    if spec.external:
        return built.icon("external link").target_blank(True)
    return built.icon("dashboard").keep_time(True).include_vars(True)


def row(panel_id: int, title: str) -> builders.Row:
    # Expanded rows keep their panels at the top level after them (the dashboard adds those separately).
    return builders.Row(title).id(panel_id).collapsed(False)


BuilderT = TypeVar("BuilderT", bound=Builder[Any])


def _built_once(builder: BuilderT) -> BuilderT:
    """A part many panels share: a panel keeps a reference to what the builder built, and nothing changes that
    afterwards (the dashboard builder moves panels through their own grid positions), so its text is shared too."""
    shared(builder.build())
    return builder


_LEGEND = _built_once(
    common_builders.VizLegendOptions()
    .display_mode(common.LegendDisplayMode.LIST)
    .placement(common.LegendPlacement.BOTTOM)
    .show_legend(True)
    .calcs([])
)
_TOOLTIP = _built_once(
    common_builders.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING)
)
_THRESHOLDS_DASHED = _built_once(
    common_builders.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.DASHED)
)
_THRESHOLDS_OFF = _built_once(common_builders.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.OFF))
_REDUCE_LAST = _built_once(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False).fields(""))


def thresholds(steps: Sequence[Line], base: str = GREEN) -> builders.ThresholdsConfig:
    """Absolute colour steps above a base colour; equal values keep the first (most severe) colour."""
    key = _steps_key(steps, base)
    built = _THRESHOLDS.get(key)
    if built is None:
        if len(_THRESHOLDS) >= _THRESHOLDS_KEPT:
            _THRESHOLDS.clear()
        built = _THRESHOLDS[key] = _built_once(_thresholds(steps, base))
    return built


def _steps_key(steps: Sequence[Line], base: str) -> tuple[object, ...]:
    # Keyed by each value's text: 0.0 and -0.0 (or 1 and 1.0) are equal numbers but not the same JSON.
    return (base, *[(repr(step.value), step.color) for step in steps])


# Most panels draw one of a few threshold sets (none, the SLO burn factors, the budget lines): built once each.
_THRESHOLDS: dict[tuple[object, ...], builders.ThresholdsConfig] = {}
_THRESHOLDS_KEPT = 1024


def _thresholds(steps: Sequence[Line], base: str) -> builders.ThresholdsConfig:
    seen: dict[float, str] = {}
    for step in steps:
        seen.setdefault(step.value, step.color)
    ordered = [models.Threshold(value=None, color=base)]
    ordered += [models.Threshold(value=v, color=c) for v, c in sorted(seen.items())]
    return builders.ThresholdsConfig().mode(models.ThresholdsMode.ABSOLUTE).steps(ordered)


def targets(queries: Sequence[Query], instant: bool = False, as_table: bool = False) -> list[Builder[Dataquery]]:
    out: list[Builder[Dataquery]] = []
    for i, q in enumerate(queries):
        built = prometheus.Dataquery().expr(q.expr).legend_format(q.legend).ref_id(chr(ord("A") + i))
        built = built.datasource(DATASOURCE)
        built = built.instant() if instant else built.range()
        if as_table:
            built = built.format(prometheus_models.PromQueryFormat.TABLE)
        out.append(built)
    return out


def timeseries_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    width: int,
    lines: Sequence[Line] = (),
    links: Sequence[Link] = (),
    decimals: int | None = None,
    soft_min: float | None = None,
    base: str = GREEN,
) -> builders.Panel:
    field_config, options = _timeseries_settings(unit, lines, base, decimals, soft_min)
    panel = (
        builders.Panel()
        .type(_TIMESERIES)
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries))
        .span(width)
        .height(HEIGHT)
        .field_config(field_config)
        .options(options)
    )
    if links:
        panel = panel.links([link(x) for x in links])
    return panel


_Settings = tuple[models.FieldConfigSource, object]  # a panel's field config and options


def _timeseries_settings(
    unit: str, lines: Sequence[Line], base: str, decimals: int | None, soft_min: float | None
) -> _Settings:
    """The field config and options of a timeseries panel, made by the SDK's timeseries builder once per value.

    Panels share them (nobody changes a built panel's settings), so their text is written once per indent too.
    The key is every input the settings are made of; floats by their text (0.0 and -0.0 are different JSON).
    """
    key = (_TIMESERIES, unit, _steps_key(lines, base), decimals, None if soft_min is None else repr(soft_min))
    found = _SETTINGS.get(key)
    if found is None:
        made = (
            timeseries.Panel()
            .unit(unit)
            .line_width(1)
            .fill_opacity(10)
            .show_points(common.VisibilityMode.NEVER)
            .span_nulls(False)
            .legend(_LEGEND)
            .tooltip(_TOOLTIP)
            .thresholds(thresholds(lines, base))
            .thresholds_style(_THRESHOLDS_DASHED if lines else _THRESHOLDS_OFF)
        )
        if decimals is not None:
            made = made.decimals(decimals)
        if soft_min is not None:
            made = made.axis_soft_min(soft_min)
        found = _keep_settings(key, made.build())
    return found


def _keep_settings(key: tuple[object, ...], built: models.Panel) -> _Settings:
    assert built.field_config is not None
    if len(_SETTINGS) >= _SETTINGS_KEPT:
        _SETTINGS.clear()
    found = _SETTINGS[key] = (shared(built.field_config), shared(built.options))
    return found


# Panels of a kind differ in a few settings (unit, thresholds, decimals): a fleet has a few dozen values.
_SETTINGS: dict[tuple[object, ...], _Settings] = {}
_SETTINGS_KEPT = 512
_TIMESERIES, _STAT = "timeseries", "stat"


def stat_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    width: int,
    steps: Sequence[Line],
    base: str,
    no_value: str,
    links: Sequence[Link] = (),
    texts: Sequence[ValueText] = (),
    instant: bool = False,
) -> builders.Panel:
    """`instant`: the value now, where the last value of the time range (lastNotNull) would show a series
    that has since vanished as if it were current."""
    field_config, options = _stat_settings(unit, steps, base, no_value, tuple(texts))
    panel = (
        builders.Panel()
        .type(_STAT)
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries, instant=instant))
        .span(width)
        .height(HEIGHT)
        .field_config(field_config)
        .options(options)
    )
    if links:
        panel = panel.links([link(x) for x in links])
    return panel


def _stat_settings(
    unit: str, steps: Sequence[Line], base: str, no_value: str, texts: tuple[ValueText, ...]
) -> _Settings:
    """The field config and options of a stat panel, made by the SDK's stat builder once per value (as above)."""
    key = (_STAT, unit, _steps_key(steps, base), no_value, texts)
    found = _SETTINGS.get(key)
    if found is None:
        made = (
            stat.Panel()
            .unit(unit)
            .no_value(no_value)
            .thresholds(thresholds(steps, base))
            .graph_mode(common.BigValueGraphMode.AREA)
            .color_mode(common.BigValueColorMode.VALUE)
            .justify_mode(common.BigValueJustifyMode.AUTO)
            .text_mode(common.BigValueTextMode.AUTO)
            .wide_layout(True)
            .show_percent_change(False)
            .percent_change_color_mode(common.PercentChangeColorMode.STANDARD)
            .orientation(common.VizOrientation.AUTO)
            .reduce_options(_REDUCE_LAST)
        )
        if texts:
            made = made.mappings([_value_map(texts)])
        found = _keep_settings(key, made.build())
    return found


class ValueText(NamedTuple):
    """A value a panel shows as text in a color instead of a number (a stand-in a query returns)."""

    value: float
    text: str
    color: str


def _value_map(texts: Sequence[ValueText]) -> models.ValueMap:
    return models.ValueMap(
        options={
            _number_text(t.value): models.ValueMappingResult(text=t.text, color=t.color, index=i)
            for i, t in enumerate(texts)
        }
    )


def _number_text(value: float) -> str:
    """The value as Grafana's value map looks it up (JavaScript's String(number): -1, not -1.0)."""
    return str(int(value)) if value == int(value) else repr(value)


def text_panel(panel_id: int, title: str, markdown: str, width: int, height: int = HEIGHT) -> text.Panel:
    return (
        text.Panel()
        .id(panel_id)
        .title(title)
        .mode(text_models.TextMode.MARKDOWN)
        .content(markdown)
        .span(width)
        .height(height)
    )


def alert_list_panel(panel_id: int, title: str, description: str, label_filter: str, width: int) -> builders.Panel:
    """Firing and pending alerts whose labels match `label_filter`, from every alert source Grafana knows."""
    options = {
        "alertInstanceLabelFilter": label_filter,
        "alertName": "",
        "dashboardAlerts": False,
        "groupBy": [],
        "groupMode": "default",
        "maxItems": 20,
        "showInstances": True,
        "sortOrder": 3,  # importance
        "stateFilter": {"error": True, "firing": True, "noData": False, "normal": False, "pending": True},
        "viewMode": "list",
    }
    return (
        builders.Panel()
        .type("alertlist")
        .id(panel_id)
        .title(title)
        .description(description)
        .options(options)
        .span(width)
        .height(HEIGHT)
    )


def table_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    width: int,
    decimals: int | None = None,
) -> table.Panel:
    panel = (
        table.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries, instant=True, as_table=True))
        .unit(unit)
        .span(width)
        .height(2 * HEIGHT)
        .frame_index(0)
        .show_header(True)
        .cell_height(common.TableCellHeight.SM)
        .align(common.FieldTextAlignment.AUTO)
        .inspect(False)
        .filterable(True)
    )
    return panel if decimals is None else panel.decimals(decimals)
