"""A backend's exporter read with nothing paging when it cannot reach the backend (round 49, a ninth fleet nobody
here wrote).

elasticsearch_exporter answers its scrape while Elasticsearch does not: it writes elasticsearch_cluster_health_up 0
and drops the cluster's series. A newcomer's search spec read only those series (`good_when: red == 0`): replayed
below with promtool, an hour of an unreachable cluster raised SLODataMissing (a ticket) and no page. Now `compile`
and `validate` warn at the first SLO or threshold alert reading the exporter, until an SLO or a critical threshold
alert reads the reach gauge; with one, the same hour pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

ES = """apiVersion: obsc/v1
service: search
team: core
selector: {job: elasticsearch-exporter, cluster: products}
targets: {job: elasticsearch-exporter}
alerts: {traffic_anomaly: false}
metrics:
  red: {selector: 'elasticsearch_cluster_health_status{color="red"}', type: gauge, aggregation: max}
  reachable: {selector: elasticsearch_cluster_health_up, type: gauge, aggregation: min, service_selector: [job]}
slos:
  - {name: not-red, objective: 99.9, sli: {good_when: red == 0}}
"""
REACH_SLO = "  - {name: reachable, objective: 99.9, sli: {good_when: reachable == 1}}\n"
DB = """apiVersion: obsc/v1
service: orders-db
team: core
selector: {job: mysqld-exporter}
alerts: {traffic_anomaly: false}
metrics:
  db_up: {selector: mysql_up, type: gauge, aggregation: min}
  slow: {selector: mysql_global_status_slow_queries, type: counter}
threshold_alerts:
  - {name: OrdersDbSlowQueries, metric: slow, above: 10/m, for: 15m, tier: warning}
"""


def _validate(tmp_path: Path, spec: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return [line for line in done.output.splitlines() if "only while it reaches" in line]


def test_an_elasticsearch_slo_with_nothing_on_its_reach_is_warned_of(tmp_path: Path) -> None:
    found = _validate(tmp_path, ES)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:11:") and " $.slos[0].sli: warning: " in found[0]
    assert "writes elasticsearch_cluster_health_up 0" in found[0] and "no page" in found[0]


@pytest.mark.parametrize(
    ("alert", "warned"),
    [
        ("", True),
        ("  - {name: OrdersDbDown, metric: db_up, below: 1, for: 5m, tier: warning}\n", True),
        ("  - {name: OrdersDbDown, metric: db_up, below: 1, for: 5m, tier: critical}\n", False),
    ],
    ids=["nothing", "a-ticket-on-mysql_up", "a-page-on-mysql_up"],
)
def test_a_mysql_threshold_alert_is_warned_of_until_a_page_reads_mysql_up(
    tmp_path: Path, alert: str, warned: bool
) -> None:
    found = _validate(tmp_path, DB + alert)
    assert len(found) == int(warned), found
    if warned:
        assert " $.threshold_alerts[0]: warning: mysql_global_status_slow_queries is written by MySQL's" in found[0]


def test_an_slo_on_the_reach_gauge_or_another_exporter_is_not_warned_of(tmp_path: Path) -> None:
    assert _validate(tmp_path, ES + REACH_SLO) == []
    for series in ("celery_queue_length", "mongodb_driver_pool_waitqueuesize"):  # another exporter, a client's
        assert _validate(tmp_path, ES.replace("elasticsearch_cluster_health_status", series)) == [], series


def test_an_unreachable_cluster_pages_only_through_the_reach_gauge(tmp_path: Path) -> None:
    require_tool("promtool")
    # 3 healthy hours, then an hour the exporter cannot reach the cluster: its own target up, the health gone.
    exporter = 'job="elasticsearch-exporter",instance="es-exporter:9114"'
    series = {
        f"up{{{exporter}}}": "1x240",
        f"elasticsearch_cluster_health_up{{{exporter}}}": "1x180 0x60",
        **{
            f'elasticsearch_cluster_health_status{{{exporter},cluster="products",color="{color}"}}': f"{now}x180 _x60"
            for color, now in (("green", 1), ("yellow", 0), ("red", 0))
        },
    }
    for name, spec, pages in (("warned", ES, 0), ("reach", ES + REACH_SLO, 2)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "search", spec)
        checks = [_firing("SLOErrorBudgetBurnFast", "200m", pages), _firing("SLODataMissing", "200m", 1)]
        assert _promtool(folder, rules, "search", series, checks) == "", name


PGBOUNCER = """apiVersion: obsc/v1
service: pgbouncer
team: core
selector: {job: pgbouncer-exporter}
alerts: {traffic_anomaly: false}
metrics:
  maxwait: {selector: pgbouncer_pools_client_maxwait_seconds, type: gauge, aggregation: max, unit: s}
  reachable: {selector: pgbouncer_up, type: gauge, aggregation: min}
threshold_alerts:
  - {name: PgbouncerWaitTooLong, metric: maxwait, above: 5s, for: 5m, tier: warning}
"""
PAGE_ON_PGBOUNCER_UP = "  - {name: PgbouncerUnreachable, metric: reachable, below: 1, for: 5m, tier: critical}\n"
CONSUL = """apiVersion: obsc/v1
service: consul
team: core
selector: {job: consul-exporter}
alerts: {traffic_anomaly: false}
metrics:
  has_leader: {selector: consul_raft_leader, type: gauge, aggregation: min}
slos:
  - {name: leader, objective: 99.9, sli: {good_when: has_leader == 1}}
"""


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        (PGBOUNCER, "pgbouncer_pools_client_maxwait_seconds is written by PgBouncer's exporter"),
        (CONSUL, "consul_raft_leader is written by Consul's exporter only while it reaches Consul"),
    ],
    ids=["pgbouncer", "consul"],
)
def test_pgbouncer_and_consul_exporters_are_warned_of_until_a_page_reads_their_reach(
    tmp_path: Path, spec: str, said: str
) -> None:
    """Round 53's newcomer fleet: a PgBouncer ticket on the longest client wait and a Consul leader SLO compiled
    without a word; both exporters write their `_up` 0 and drop the rest while the backend does not answer."""
    found = _validate(tmp_path, spec)
    assert len(found) == 1 and said in found[0], found
    reach = spec.replace("has_leader: {selector: consul_raft_leader", "has_leader: {selector: consul_up")
    reach = reach.replace("tier: warning}", "tier: warning}\n" + PAGE_ON_PGBOUNCER_UP)
    assert _validate(tmp_path, reach) == []


def test_consuls_own_telemetry_is_not_its_exporters(tmp_path: Path) -> None:
    """Consul's agents write consul_raft_* and consul_autopilot_* themselves, answering while they run: only the
    exporter's own names are warned of."""
    for series in ("consul_autopilot_healthy", "consul_raft_leader_lastContact_count"):
        assert _validate(tmp_path, CONSUL.replace("consul_raft_leader", series)) == [], series


def test_an_unreachable_pgbouncer_pages_only_through_its_reach_gauge(tmp_path: Path) -> None:
    """Replayed: an hour PgBouncer does not answer after two healthy hours, its exporter up: the critical wait alert
    has no series (its missing-data twin tickets), nothing pages; a critical alert on pgbouncer_up pages."""
    require_tool("promtool")
    exporter = 'job="pgbouncer-exporter",instance="pgbouncer-0:9127"'
    series = {
        f"up{{{exporter}}}": "1x180",
        f"pgbouncer_up{{{exporter}}}": "1x120 0x60",
        f'pgbouncer_pools_client_maxwait_seconds{{{exporter},database="app",user="app"}}': "0x120 _x60",
    }
    paging = PGBOUNCER + PAGE_ON_PGBOUNCER_UP
    for name, spec, pages in (("warned", PGBOUNCER, 0), ("reach", paging, 1)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "pgbouncer", spec)
        page = 'count(ALERTS{alertstate="firing",severity="critical"}) or vector(0)'
        checks = [{"expr": page, "eval_time": "170m", "exp_samples": [{"labels": "{}", "value": pages}]}]
        checks.append(_firing("PgbouncerWaitTooLong", "170m", 1))  # its missing-data twin, a ticket
        assert _promtool(folder, rules, "pgbouncer", series, checks) == "", name


def test_the_warning_says_a_critical_twin_pages_for_missing_data(tmp_path: Path) -> None:
    """A critical threshold alert's missing-data twin is critical too: the outage pages, late and as missing data.

    newfleet53 replayed PgBouncer's maxwait at `tier: critical` through an hour unreachable: data="missing" fired by
    minute 30. The warning had said "no page" only.
    """
    found = _validate(tmp_path, ES)
    assert "a critical twin's page naming missing data after its hold" in found[0], found


@pytest.mark.parametrize(
    "series",
    [
        "consul_raft_peers",
        "consul_serf_lan_members",
        "consul_serf_lan_member_status",
        "consul_serf_wan_member_status",
        "consul_catalog_services",
        "consul_service_tag",
        "consul_catalog_service_node_healthy",
        'consul_health_node_status{status="critical"}',
        'consul_health_service_status{status="critical"}',
        "consul_service_checks",
        "consul_catalog_kv",
    ],
)
def test_every_series_consuls_exporter_reads_from_consul_is_warned_of(tmp_path: Path, series: str) -> None:
    """Each name consul_exporter writes from Consul's API, not only the leader gauge (review54: the node health
    checks dropped from the list passed every test)."""
    found = _validate(tmp_path, CONSUL.replace("selector: consul_raft_leader", f"selector: '{series}'"))
    assert len(found) == 1 and "written by Consul's exporter" in found[0], found
