"""A ratio SLO's failures per status or code (round 47): which codes fail, during the incident, on the dashboard.

The burn-rate and SLI-events panels say how much fails, not what: an engineer paged for Unavailable or 503s read
the code in Explore. This panel plots the SLI's failed events per second by the code label its failure selector
reads (model.failure_codes: only a label in a vocabulary obsc knows, none guessed), from the raw counters over
Grafana's rate interval, per group for an SLO kept per group (filtered by the group variables).
"""

from __future__ import annotations

from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.failure_codes import CLASS_DIGIT, failure_codes
from compiler.model.panel_ids import panel_ids
from compiler.model.promql import Matcher
from compiler.model.types import Service, Slo
from compiler.targets.grafana.panels import Link, Query, timeseries_panel
from compiler.targets.grafana.queries import RATE_INTERVAL


def codes_panel(service: Service, slo: Slo, runbooks: dict[int, list[Link]]) -> list[Builder[models.Panel]]:
    """The SLO's failures-by-code panel; none when its failure selector reads no code label obsc knows."""
    found = failure_codes(slo.sli)
    if found is None:
        return []
    pid = panel_ids(service).slo(slo.name, names.SLO_CODES_OFFSET)
    selected = tuple(Matcher(label, "=~", f"${label}") for label in slo.by)  # the group variables' choice
    by = ", ".join((*slo.by, *found.labels))
    expr = f"sum by ({by}) (rate({found.failures.render(extra=selected)}[{RATE_INTERVAL}]))"
    legend = " ".join(_legend(label) for label in (*slo.by, *found.labels))
    shown = " and ".join(found.labels)
    return [
        timeseries_panel(
            pid,
            f"Failures by {shown}",
            f"Failed events per second the SLI counts, per {shown} as its failure selector reads them "
            f"(`{found.failures.render()}`, over Grafana's rate interval): which codes fail now. "
            "No line: nothing failed in the time shown (a counter with labels has no series until its first "
            "failure).",
            "cps",
            [Query(legend, expr)],
            24,
            links=runbooks.get(pid, ()),
            soft_min=0.0,
        )
    ]


def _legend(label: str) -> str:
    """`{{code}}`; Envoy's class digit read as the class it is (`5xx`, not a bare `5`)."""
    return f"{{{{{label}}}}}xx" if label == CLASS_DIGIT else f"{{{{{label}}}}}"
