"""A latency SLO's requests per bucket of its histogram (round 48): how slow, not only how many too slow.

The SLI, burn-rate and events panels of a latency SLO say what share of requests missed the threshold. Paged for
it, an engineer asks next whether everything got a little slower (the mass moved one bucket past the threshold)
or some requests hang (the top buckets fill): that is the histogram itself, which no SLO panel showed (the RED
row's quantiles are of the service's `latency` metric, which may be another histogram, and a quantile hides the
shape). This panel is a heatmap of the SLI's own histogram, its buckets under the SLI's selector (filtered by
the group variables for an SLO kept per group), with the threshold bucket named in its title: the rows up to it
are the good requests, the rows above it the slow ones the SLO counts. It reads the raw buckets, as the SLI's
rules do: no recorded series keeps the buckets apart.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import heatmap, prometheus
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as models
from grafana_foundation_sdk.models import heatmap as heatmap_models
from grafana_foundation_sdk.models import prometheus as prometheus_models

from compiler import conventions as names
from compiler.model.drilldown import shows_buckets
from compiler.model.panel_ids import panel_ids
from compiler.model.promql import Matcher
from compiler.model.types import Service, Slo
from compiler.model.units import decimal_text, seconds_text
from compiler.targets.grafana.panels import DATASOURCE, HEIGHT, Link, link
from compiler.targets.grafana.queries import RATE_INTERVAL


def latency_panel(service: Service, slo: Slo, runbooks: dict[int, list[Link]]) -> list[Builder[models.Panel]]:
    """The latency SLO's heatmap of its histogram's buckets; none for another SLI."""
    sli = slo.sli
    histogram = sli.latency
    if not shows_buckets(slo):
        return []
    assert histogram is not None and histogram.selector is not None
    assert sli.threshold_le is not None and sli.threshold_seconds is not None
    pid = panel_ids(service).slo(slo.name, names.SLO_LATENCY_OFFSET)
    selector = histogram.selector
    selected = tuple(Matcher(label, "=~", f"${label}") for label in slo.by)  # the group variables' choice
    buckets = selector.render(selector.metric + "_bucket", selected)
    expr = f"sum by (le) (rate({buckets}[{RATE_INTERVAL}]))"
    bound = decimal_text(sli.threshold_le)
    threshold = seconds_text(sli.threshold_seconds)
    unit = histogram.unit or "s"
    query = (
        prometheus.Dataquery()
        .expr(expr)
        .legend_format("{{le}}")
        .ref_id("A")
        .datasource(DATASOURCE)
        .range()
        .format(prometheus_models.PromQueryFormat.HEATMAP)
    )
    panel = (
        heatmap.Panel()
        .id(pid)
        .title(f'Requests per latency bucket (threshold {threshold}: le="{bound}")')
        .description(
            f"Requests per second in each bucket of `{selector.metric}` as the SLI selects them "
            f"(`{selector.render(selector.metric + '_bucket')}`, over Grafana's rate interval). The SLI counts "
            f'the requests at or under le="{bound}" ({threshold}) as good and every row above it as slow: a '
            "band that moved past the threshold is a service slower overall, a top row filling is requests that "
            "hang. No cells: no request in the time shown."
        )
        .datasource(DATASOURCE)
        .with_target(query)
        .span(24)
        .height(HEIGHT)
        .unit("reqps")
        .calculate(False)
        .y_axis(heatmap.YAxisConfig().unit(unit))
        .rows_frame(heatmap.RowsHeatmapOptions().layout(common.HeatmapCellLayout.LE))
        .color(
            heatmap.HeatmapColorOptions()
            .mode(heatmap_models.HeatmapColorMode.SCHEME)
            .scheme("Oranges")
            .scale(heatmap_models.HeatmapColorScale.EXPONENTIAL)
            .exponent(0.5)
            .steps(64)
            .fill("dark-orange")
            .reverse(False)
        )
        .cell_gap(1)
        .hide_from(common_builders.HideSeriesConfig().legend(False).tooltip(False).viz(False))
        .scale_distribution(common_builders.ScaleDistributionConfig().type(common.ScaleDistribution.LINEAR))
        .show_legend()
        .mode(common.TooltipDisplayMode.SINGLE)
        .show_y_histogram()
    )
    links = runbooks.get(pid, ())
    return [panel.links([link(x) for x in links]) if links else panel]
