"""Lines a platform standard dashboard names alike: a target plotting a metric of several lines under a fixed legend,
one whose query keeps labels its text does not tell (an unaggregated `rate(x[..])`: one line per instance) or
keeps a line per group (`sum by (queue)`, whose `groups_legend` names them). Every line then reads
"cpu", and an on-call engineer cannot tell the instance that saturates from the others (round 45). The argument says
`labels_untold` for such a metric; a dashboard that ignores it is warned of, at its Jsonnet file, naming the panel,
the metric and the services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.errors import Diagnostic, Location
from compiler.model.types import Service
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.groups import kept_groups, labels_untold

AUTO = q.AUTO_LEGEND


def untold_lines(service: Service, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(panel title, metric, legend) of each target that plots a metric of several lines (untold labels, or kept
    per group: `sum by (queue)`) under a fixed legend: one with no `{{label}}` and not Grafana's auto (an empty
    legend shows each line's labels: told apart)."""
    queries = {q.per_group_value(service, m): m.name for m in service.metrics if labels_untold(m) or kept_groups(m)}
    if not queries:  # most services
        return []
    found: list[tuple[str, str, str]] = []
    for panel in _panels(data.get("panels")):
        targets = panel.get("targets")
        for target in targets if isinstance(targets, list) else ():  # any other value: the checks refuse it
            if not isinstance(target, dict):
                continue
            expr, legend = target.get("expr"), target.get("legendFormat")
            if not isinstance(expr, str) or not isinstance(legend, str) or not legend or legend == AUTO:
                continue
            if "{{" in legend:
                continue
            for query, metric in queries.items():
                if query in expr:
                    found.append((str(panel.get("title") or panel.get("id")), metric, legend))
    return found


def _panels(panels: object) -> Iterator[dict[str, Any]]:
    """Every panel, those inside rows included."""
    for panel in panels if isinstance(panels, list) else ():
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel.get("panels"))


def untold_warnings(
    found: dict[tuple[str, str, str, str, str], list[str]], services: dict[str, Service]
) -> list[Diagnostic]:
    """One located warning per (file, dashboard, panel, metric, legend), naming the services it happened for."""
    out = []
    for (path, name, panel, metric, legend), who in found.items():
        named = f"service {who[0]!r}" + (f" and {len(who) - 1} more" if who[1:] else "")
        out.append(Diagnostic(Location(path), (), _message(services[who[0]], name, panel, metric, legend, named)))
    return out


def _message(service: Service, dashboard: str, panel: str, metric: str, legend: str, named: str) -> str:
    found = service.metric(metric)
    groups = kept_groups(found) if found is not None and not labels_untold(found) else ()
    where = f"standard dashboard {dashboard!r}, panel {panel!r}: metric {metric!r} of {named}"
    if groups:
        return (
            f"{where} keeps a line per {', '.join(groups)}, and the legend {legend!r} names every line alike: put "
            f"service.metrics.{metric}.groups_legend in it"
        )
    return (
        f"{where} keeps labels its query does not tell (a line per instance), and the legend {legend!r} names every "
        f"line alike: give that target legendFormat '{AUTO}' when service.metrics.{metric}.labels_untold (Grafana "
        "names each line by the labels that set it apart)"
    )
