"""Panel building blocks over grafana-foundation-sdk, with the settings the SDK leaves out.

The SDK assigns no panel ids (callers pass stable ones), does not set the timeseries legend and tooltip
options Grafana's schema requires, and has no alert-list builder (the generic panel builder with
`type("alertlist")` stands in). Every query reads the `${datasource}` template variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

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

DATASOURCE = models.DataSourceRef(type_val="prometheus", uid=f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}")
GREEN, ORANGE, RED, BLUE = "green", "orange", "red", "blue"
HEIGHT = 8


@dataclass(frozen=True)
class Query:
    legend: str
    expr: str


@dataclass(frozen=True)
class Line:
    """A threshold drawn across a graph (an alert or SLO threshold), or a colour step of a stat."""

    value: float
    color: str


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    external: bool = False  # external links open in a new tab; links into Grafana keep time and variables


def encode(model: object) -> str:
    """The one JSON encoding of every dashboard: sorted keys, two-space indent, trailing newline.

    Byte for byte `json.dumps(model, cls=JSONEncoder, sort_keys=True, indent=2)` (a test holds it to that),
    written out by hand because json's indenting encoder is pure Python and was the slowest step of the
    target: 2.5x faster on a 1,000-service fleet. SDK objects are turned into dicts (`to_json`, what
    JSONEncoder.default does) as the writer meets them.
    """
    out: list[str] = []
    _write(model, out, "\n")
    return "".join(out) + "\n"


def _write(value: Any, out: list[str], newline: str) -> None:
    """Append `value` as indented JSON; `newline` is a newline plus the current indent."""
    kind = type(value)
    if kind is str:  # the builtin types first: they have no to_json, and asking costs an exception each
        out.append(_quote(value))
    elif kind is dict:
        _write_object(value, out, newline)
    elif kind is list:
        _write_array(value, out, newline)
    elif value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(float.__repr__(value))
    else:
        _write_other(value, out, newline)


def _write_other(value: Any, out: list[str], newline: str) -> None:
    """SDK objects (through `to_json`), tuples, and subclasses of the JSON types (str enums...)."""
    to_json = getattr(value, "to_json", None)
    if to_json is not None and callable(to_json):
        _MODELS.add(type(value))
        value = to_json()
        if type(value) is dict or type(value) is list:
            _write(value, out, newline)
            return
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        _write_object(value, out, newline)
    elif isinstance(value, list | tuple):
        _write_array(value, out, newline)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} in a dashboard")


def _write_object(value: dict[Any, Any], out: list[str], newline: str) -> None:
    if not value:
        out.append("{}")
        return
    inner = newline + "  "
    sep, comma = "{" + inner, "," + inner
    for key in sorted(value):
        item = value[key]
        kind = type(item)
        # Strings and ints (most values) inline: a call per value was a third of the encoding.
        if kind is str:
            out += (sep, _quote(key), ": ", _quote(item))
        elif kind is int:
            out += (sep, _quote(key), ": ", int.__repr__(item))
        elif kind in _MODELS and type(converted := item.to_json()) is dict:
            out += (sep, _quote(key), ": ")
            _write_object(converted, out, inner)
        else:
            out += (sep, _quote(key), ": ")
            _write(item, out, inner)
        sep = comma
    out += (newline, "}")


def _write_array(value: list[Any] | tuple[Any, ...], out: list[str], newline: str) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + "  "
    sep, comma = "[" + inner, "," + inner
    for item in value:
        if type(item) is str:
            out += (sep, _quote(item))
        elif type(item) in _MODELS and type(converted := item.to_json()) is dict:
            out.append(sep)
            _write_object(converted, out, inner)
        else:
            out.append(sep)
            _write(item, out, inner)
        sep = comma
    out += (newline, "]")


_CONSTANTS = {None: "null", True: "true", False: "false"}
# SDK model classes met so far (they have `to_json`): a member of one is converted and written in place,
# without the generic dispatch of `_write`/`_write_other` (half the calls of a dashboard).
_MODELS: set[type] = set()


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


def thresholds(steps: Sequence[Line], base: str = GREEN) -> builders.ThresholdsConfig:
    """Absolute colour steps above a base colour; equal values keep the first (most severe) colour."""
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
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries))
        .unit(unit)
        .span(width)
        .height(HEIGHT)
        .line_width(1)
        .fill_opacity(10)
        .show_points(common.VisibilityMode.NEVER)
        .span_nulls(False)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs([])
        )
        .tooltip(
            common_builders.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING)
        )
        .thresholds(thresholds(lines, base))
        .thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(
                common.GraphThresholdsStyleMode.DASHED if lines else common.GraphThresholdsStyleMode.OFF
            )
        )
    )
    if decimals is not None:
        panel = panel.decimals(decimals)
    if soft_min is not None:
        panel = panel.axis_soft_min(soft_min)
    if links:
        panel = panel.links([link(x) for x in links])
    return panel


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
) -> stat.Panel:
    panel = (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(targets(queries))
        .unit(unit)
        .span(width)
        .height(HEIGHT)
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
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False).fields(""))
    )
    if links:
        panel = panel.links([link(x) for x in links])
    return panel


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
    panel_id: int, title: str, description: str, unit: str, queries: Sequence[Query], width: int
) -> table.Panel:
    return (
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
