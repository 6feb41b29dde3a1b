"""Dashboards of a grouped SLO (`by: [route]`): a template variable per group label, queries filtered by
it and joined per group, legends that name the group, and a table of burn rate and budget per group.

Recorded error ratios and budgets carry the group labels; the SLO's metadata (objective, budget,
period) does not, so joins to it are many-to-one (`group_left`) and joins between two grouped series
match on the group labels too. Ungrouped SLOs keep their queries byte for byte.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.promql import Matcher, render_matchers
from compiler.model.types import Service, Slo

META_ON = f"on({names.LABEL_SERVICE}, {names.LABEL_SLO})"  # what ungrouped SLO queries join on


def group_matchers(slo: Slo) -> str:
    """`,route=~"$route"`: a grouped series filtered by the dashboard's variable; "" when ungrouped."""
    if not slo.by:
        return ""
    return "".join("," + render_matchers((Matcher(label, "=~", f"${label}"),)) for label in slo.by)


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


def variables(service: Service) -> list[builders.QueryVariable]:
    """One multi-value variable per group label, its values read from the service's recorded budgets."""
    source = f"{names.SLO_BUDGET_REMAINING}{{{render_matchers((Matcher(names.LABEL_SERVICE, '=', service.name),))}}}"
    return [
        builders.QueryVariable(label)
        .label(label)
        .description(f"SLO group ({label}): the SLOs kept per {label} show the groups selected here")
        .datasource(models.DataSourceRef(type_val="prometheus", uid=f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}"))
        .query(f"label_values({source}, {label})")
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(models.VariableOption(selected=True, text=["All"], value=["$__all"]))
        for label in group_labels(service)
    ]
