"""An exporter of a remote backend read with nothing paging when the exporter cannot reach it (round 49).

Exporters that query a database or a cluster on each scrape (mysqld, postgres, redis, memcached, Elasticsearch,
MongoDB) answer their own scrape whether the backend answers or not: `up` of their target stays 1, their
`<name>_up` gauge (Elasticsearch: `elasticsearch_cluster_health_up`) turns 0, and the series they read from the
backend are no longer written. A service whose SLOs and threshold alerts read only those series takes a backend
outage for missing data: SLODataMissing and the threshold twins ticket, nothing pages. A newcomer's Elasticsearch
spec (a time-slice SLO `good_when: red == 0` over `elasticsearch_cluster_health_status{color="red"}`, a snapshot
freshness SLO, mean query time and breaker trips) replayed with promtool, the cluster unreachable for an hour after
three healthy ones: six tickets from the 15th to the 20th minute, no page. An SLO over the reach gauge pages it,
and a page of the service holds back its missing-data tickets (alertmanager/inhibit.py). A located warning at the
first SLO or threshold alert that reads the exporter, when no SLO and no critical threshold alert reads its gauge.

Round 53: pgbouncer_exporter (`pgbouncer_up`) and consul_exporter (`consul_up`, which its Collect writes 0 when any
query of Consul's API fails, dropping every series that query would have written) are such exporters too: a
newcomer's PgBouncer spec paged on `pgbouncer_pools_client_maxwait_seconds` and its Consul spec's time slices read
`consul_raft_leader`, and both compiled without a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.promql_check import selectors
from compiler.model.promql_sample import sample_tree
from compiler.model.types import Metric, Service, Tier
from compiler.spec.document import Path

# The series an exporter reads from its backend (a name prefix, or its exact names where the backend's own telemetry
# shares the prefix: Consul's agents write consul_raft_*, consul_catalog_* too), the gauge it keeps at 0 while it
# cannot reach the backend, and the backend's name
_CONSUL_EXPORTER = (
    "up|raft_peers|raft_leader|serf_lan_members|serf_lan_member_status|serf_wan_member_status|catalog_services|"
    "service_tag|catalog_service_node_healthy|health_node_status|health_service_status|service_checks|catalog_kv"
)
_REACH = {
    re.compile(r"elasticsearch_\w*"): ("elasticsearch_cluster_health_up", "Elasticsearch"),
    re.compile(r"mysql_\w*"): ("mysql_up", "MySQL"),
    re.compile(r"pg_\w*"): ("pg_up", "PostgreSQL"),
    re.compile(r"pgbouncer_\w*"): ("pgbouncer_up", "PgBouncer"),
    re.compile(r"redis_\w*"): ("redis_up", "Redis"),
    re.compile(r"memcached_\w*"): ("memcached_up", "memcached"),
    re.compile(r"mongodb_\w*"): ("mongodb_up", "MongoDB"),
    re.compile(f"consul_(?:{_CONSUL_EXPORTER})"): ("consul_up", "Consul"),
}
# A client's own series under an exporter's prefix (Micrometer's MongoDB driver metrics): the application writes them
_CLIENT_PREFIXES = ("mongodb_driver_",)


def backend_reach_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per service and backend exporter whose series its SLOs or threshold alerts read, while
    none of its SLOs or critical threshold alerts reads the exporter's reach gauge."""
    found = []
    for service in services:
        watched = {series for _, _, tier, series in _readers(service) if tier is Tier.CRITICAL}
        warned: set[re.Pattern[str]] = set()
        for location, path, _, series in _readers(service):
            exporter = next((p for p in _REACH if p.fullmatch(series)), None)
            if series.startswith(_CLIENT_PREFIXES):
                continue
            if exporter is None or exporter in warned or _REACH[exporter][0] in watched:
                continue
            warned.add(exporter)
            found.append(Diagnostic(location, path, _message(series, *_REACH[exporter])))
    return found


def _readers(service: Service) -> Iterator[tuple[Location, Path, Tier, str]]:
    """(location, path, tier, series) for each series an SLO (as a page) or a threshold alert reads."""
    for index, slo in enumerate(service.slos):
        sli = slo.sli
        for metric in (sli.gauge, sli.total, sli.errors, sli.good, sli.latency):
            for series in _series(metric):
                yield slo.location, ("slos", index, "sli"), Tier.CRITICAL, series
    for index, alert in enumerate(service.threshold_alerts):
        for series in _series(alert.metric):
            yield alert.location, ("threshold_alerts", index), alert.tier, series


def _series(metric: Metric | None) -> Iterator[str]:
    if metric is None:
        return
    if metric.selector is not None:
        yield metric.selector.metric
        return
    tree = sample_tree(metric.expr or "")
    if tree is not None:
        yield from (str(node.name or "") for node in selectors(tree))


def _message(series: str, reach: str, backend: str) -> str:
    return (
        f"{series} is written by {backend}'s exporter only while it reaches {backend}: when it cannot, the exporter "
        f"still answers its scrape (its target's up stays 1), writes {reach} 0 and drops the series it reads from "
        f"{backend}, so an outage of {backend} is missing data here: SLODataMissing tickets and threshold alerts' "
        f"missing-data twins at their own tier, so no page, or a critical twin's page naming missing data after its "
        f"hold (replayed: an hour of an unreachable Elasticsearch cluster raised six tickets and no page; PgBouncer "
        f'at a critical threshold paged data="missing" by minute 30); page on {reach}, e.g. metrics: '
        f"{{reachable: {{selector: {reach}, type: gauge, aggregation: min}}}} "
        f"and an SLO with good_when: reachable == 1 (the gauge carries the exporter's target labels only: keep "
        f"them with service_selector: [job, instance] when the service's selector holds others); a page of the "
        f"service holds back its missing-data tickets"
    )
