"""The fleet overview's table of the services without SLOs: their key signals, one row per service.

The SLO table's rows come from recorded SLO series, so a service that has key alerts only (a batch job, an
exporter, a service whose SLOs are still to be written) had no row anywhere. This table reads what the key
alerts record (`service:...` series, labelled `service`) and leaves out, at run time, every service that
records an SLO objective: a service that gains an SLO moves to the SLO table by itself (its alerts firing are
read by the names and teams of the services without SLOs, as the compile knew them: fleet_alerts.py).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models import dashboard as models

from compiler import conventions as names
from compiler.model.types import Fleet
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.fleet_alerts import fleet_alerts
from compiler.targets.grafana.panels import Query, table_panel

KEY_SERVICES_ID = 12
REQUESTS, ERRORS = "Requests /s", "Error ratio % (highest group)"
P99, FIRING = "p99 latency s (highest group)", "Alerts firing"
_SERVICE = f'{names.LABEL_SERVICE}=~"${q.FLEET_SERVICE_VARIABLE}"'
_WITHOUT_SLO = f"unless on({names.LABEL_SERVICE}) {names.SLO_OBJECTIVE}"


def without_slos(fleet: Fleet) -> list[str]:
    return [s.name for s in fleet.services if not s.slos]


def services_variable_query(fleet: Fleet) -> str:
    """The fleet's `service` variable: the services with SLOs, and those whose key alerts record signals."""
    if not without_slos(fleet):
        return q.fleet_services_variable()
    return f'label_values({{__name__=~"{names.SLO_OBJECTIVE}|service:.+"}}, {names.LABEL_SERVICE})'


def _per_service(aggregation: str, record: str, scale: str = "") -> str:
    series = f"{aggregation} by ({names.LABEL_SERVICE}) ({record}{{{_SERVICE}}})"
    return q.with_dashboard_label(f"({scale}{series}) {_WITHOUT_SLO}")


def _firing(fleet: Fleet) -> str:
    """Alerts firing per service, 0 for a service that records any key signal: the column that makes the row. A
    service's alerts are those of its own team (another team's alert with its `service` label is not its own)."""
    ours = fleet_alerts([s for s in fleet.services if not s.slos], f'alertstate="firing",{_SERVICE}')
    firing = f"count by ({names.LABEL_SERVICE}) ({ours})"
    recorded = f'0 * count by ({names.LABEL_SERVICE}) ({{__name__=~"service:.+",{_SERVICE}}})'
    return q.with_dashboard_label(f"({firing} or {recorded}) {_WITHOUT_SLO}")


def key_services_table(
    fleet: Fleet, mappings: list[models.ValueMapping], data_link: builders.DashboardLink
) -> table.Panel | None:
    """The table, or None when every service has an SLO (the overview then stays as it was)."""
    count = len(without_slos(fleet))
    if not count:
        return None
    queries = [
        Query(REQUESTS, _per_service("sum", names.SERVICE_REQUESTS_RATE)),
        Query(ERRORS, _per_service("max", names.SERVICE_ERROR_RATIO, "100 * ")),
        Query(P99, _per_service("max", names.SERVICE_LATENCY_P99)),
        Query(FIRING, _firing(fleet)),
    ]
    titles = {f"Value #{chr(ord('A') + i)}": query.legend for i, query in enumerate(queries)}
    panel = table_panel(
        KEY_SERVICES_ID,
        "Services without SLOs",
        f"The {count} compiled services without an SLO (key alerts only), one row per service that records a key "
        "signal or has an alert firing: the request rate, the error ratio and p99 latency their alerts compare "
        "(blank where the service has no such alert), and its alerts firing. A row opens the service dashboard.",
        "short",
        queries,
        24,
        decimals=2,
    )
    return (
        panel.mappings(mappings)
        .data_links([data_link])
        .with_transformation(models.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            models.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True, "__name__": True},
                    "indexByName": {names.LABEL_SERVICE: 0, **{ref: i + 1 for i, ref in enumerate(titles)}}
                    | {q.DASHBOARD_LABEL: len(titles) + 1},
                    "renameByName": {names.LABEL_SERVICE: "Service", **titles},
                },
            )
        )
    )
