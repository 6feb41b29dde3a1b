"""Dashboards of a grouped SLO (`by: [route]`): a template variable per group label, queries filtered by
it and joined per group, legends that name the group, and a table of burn rate and budget per group.

Recorded error ratios and budgets carry the group labels; the SLO's metadata (objective, budget,
period) does not, so joins to it are many-to-one (`group_left`) and joins between two grouped series
match on the group labels too. Ungrouped SLOs keep their queries byte for byte. A threshold alert kept per
group (`by: [topic]`) gets a variable per label too, read from its recorded signal, which filters its panel.
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.promql import Matcher, render_matchers
from compiler.model.promql_groups import kept_labels
from compiler.model.thresholds import signal_name
from compiler.model.types import Metric, Service, Slo

META_ON = f"on({names.LABEL_SERVICE}, {names.LABEL_SLO})"  # what ungrouped SLO queries join on


def group_matchers(slo: Slo) -> str:
    """`,route=~"$route"`: a grouped series filtered by the dashboard's variable; "" when ungrouped."""
    return variable_matchers(slo.by)


def variable_matchers(labels: Sequence[str]) -> str:
    """`,topic=~"$topic"` per label: a series filtered by the dashboard's variables; "" without labels."""
    return "".join("," + render_matchers((Matcher(label, "=~", f"${label}"),)) for label in labels)


def on_meta(slo: Slo) -> str:
    """Join of a (grouped) series to the SLO's metadata: many groups to one objective."""
    return f"{META_ON} group_left" if slo.by else META_ON


def on_groups(slo: Slo) -> str:
    """Join of two series of the same SLO: per group when grouped."""
    return f"on({', '.join((names.LABEL_SERVICE, names.LABEL_SLO, *slo.by))})" if slo.by else META_ON


def by_groups(slo: Slo) -> str:
    """`by (service, slo, route)`: an aggregation that keeps the labels a join `on_groups` keeps."""
    return f"by ({', '.join((names.LABEL_SERVICE, names.LABEL_SLO, *slo.by))})"


def legend(slo: Slo, text: str) -> str:
    """`{{route}} 1h (...)`: each group's line names it."""
    if not slo.by:
        return text
    return " ".join([*(f"{{{{{label}}}}}" for label in slo.by), text])


def group_labels(service: Service) -> list[str]:
    """Every group label of the service's SLOs, first use first."""
    return list(dict.fromkeys(label for slo in service.slos for label in slo.by))


def kept_groups(metric: Metric) -> tuple[str, ...]:
    """The labels an expression metric keeps (`sum by (queue) (...)`: a line per queue); () for a selector, summed."""
    return kept_labels(metric.expr).labels if metric.expr and metric.selector is None else ()


def labels_untold(metric: Metric) -> bool:
    """Whether the series of an expression metric keep labels its text does not tell (`rate(x[$window])`, one
    series per instance; `sum without (pod) (...)`; a label_replace): a legend can name none of them."""
    return bool(metric.expr and metric.selector is None and kept_labels(metric.expr).problem)


def variable_labels(service: Service) -> list[str]:
    """The labels the service dashboard has a variable of: its SLOs' and threshold alerts' group labels."""
    return list(dict.fromkeys([*group_labels(service), *(label for a in service.threshold_alerts for label in a.by)]))


SELECTED = "obsc_selected"  # a label a panel query sets for a moment to pick the series its variables selected


def only_selected(expr: str, labels: Sequence[str]) -> str:
    """`expr` (any PromQL, a spec's expression kept per label) with only the series whose `label` the dashboard's
    variable of that name selects, for each of `labels`. A selector takes a matcher (`variable_matchers`); an
    expression's series are marked where the label matches the variable's regex (label_replace anchors it as
    a matcher does: All is `.*`, which matches a series without the label too), the marked kept by `and` with
    a marked `vector(1)`, and the mark removed again."""
    mark = f'"{SELECTED}"'
    for label in labels:
        marked = f'label_replace({expr}, {mark}, "1", "{label}", "${label}")'
        kept = f'{marked} and on({SELECTED}) label_replace(vector(1), {mark}, "1", "", "")'
        expr = f'label_replace({kept}, {mark}, "", "", "")'
    return expr


def variables(service: Service) -> list[builders.QueryVariable]:
    """One multi-value variable per group label of a grouped SLO or threshold alert (`by:`), its values read from
    the series its panels plot: the SLOs' recorded budgets, the thresholds' recorded signals."""
    slo_labels = group_labels(service)
    return [_variable(service, label, label in slo_labels) for label in variable_labels(service)]


def _variable(service: Service, label: str, of_slos: bool) -> builders.QueryVariable:
    sources = [names.SLO_BUDGET_REMAINING] if of_slos else []
    sources += [signal_name(a) for a in service.threshold_alerts if label in a.by]
    owner = render_matchers((Matcher(names.LABEL_SERVICE, "=", service.name),))
    # A label of one source keeps its selector (an SLO's variable reads as it did); of several, their union.
    unique = list(dict.fromkeys(sources))
    source = f"{unique[0]}{{{owner}}}" if len(unique) == 1 else f'{{__name__=~"{"|".join(unique)}",{owner}}}'
    what = (
        f"SLO group ({label}): the SLOs kept per {label} show the groups selected here"
        if of_slos
        else f"Threshold alert group ({label}): the threshold panels kept per {label} show the groups selected here"
    )
    plotted = [m.title or m.name for m in service.metrics if label in kept_groups(m)]
    if plotted:  # expressions kept per the label (`sum by (queue) (...)`) are filtered by it too (per_group_value)
        what += f", and so do the panels of {', '.join(plotted)}"
    return (
        builders.QueryVariable(label)
        .label(label)
        .description(what)
        .datasource(models.DataSourceRef(type_val="prometheus", uid=f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}"))
        .query(f"label_values({source}, {label})")
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(models.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )
