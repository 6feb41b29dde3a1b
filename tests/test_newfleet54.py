"""Round 54's newcomer fleet (tests/golden/edge-and-streams): what its first drafts met, each replayed with promtool
on the generated rules (scratch harness, 1m steps) before the change.

- Caddy's request duration histogram has the Prometheus client's default buckets: an SLO at 300ms read no request,
  SLODataMissing ticketed from the first minute and an hour of every request at 400 ms paged nothing.
- Vault writes its timers as summaries: `{latency: vault_core_handle_request}` read a `_bucket` series that does not
  exist (SLODataMissing from the first minute, an hour of 2 s requests paged nothing).
- ClickHouse's ProfileEvents and php-fpm_exporter's cumulative counts are counters without `_total`: the spec was
  refused four times; `phpfpm_max_children_reached` declared a gauge, `above: 0`, ticketed for the 6 hours after
  two events (to the end of the replay).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from compiler.cli import cli
from tests.platform_text import sink_platform

HEAD = "apiVersion: obsc/v1\nteam: core\nalerts: {traffic_anomaly: false}\n"


def _validate(tmp_path: Path, spec: str) -> tuple[int, list[str]]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(HEAD + spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    return done.exit_code, done.output.splitlines()


CADDY = """service: edge
selector: {job: caddy}
metrics:
  requests: caddy_http_request_duration_seconds_count
  errors: 'caddy_http_request_duration_seconds_count{code=~"5.."}'
  latency: caddy_http_request_duration_seconds
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: THRESHOLD}}
"""


def test_a_caddy_threshold_off_its_default_buckets_is_warned_of(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path, CADDY.replace("THRESHOLD", "300ms"))
    assert code == 0, lines
    found = [line for line in lines if "written by Caddy" in line]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:9:") and "$.metrics.latency: warning:" in found[0]
    assert 'have no le="0.3"' in found[0] and "(250ms or 500ms)" in found[0]


def test_a_caddy_threshold_on_a_default_bucket_is_not_warned_of(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path, CADDY.replace("THRESHOLD", "250ms"))
    assert code == 0, lines
    assert not [line for line in lines if "written by Caddy" in line], lines


VAULT = """service: vault
selector: {job: vault}
metrics:
  requests: vault_core_handle_request_count
  latency: vault_core_handle_request
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}
"""


def test_a_latency_sli_over_vaults_summary_is_warned_of(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path, VAULT)
    assert code == 0, lines
    found = [line for line in lines if "writes its timers as summaries" in line]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:8:") and "$.metrics.latency: warning:" in found[0]
    assert "'vault_core_handle_request{quantile=\"0.99\"}'" in found[0]
    # not also told to declare a unit: `unit: ms` reads no series either
    assert not [line for line in lines if "has no time unit in its name" in line], lines


def test_vaults_quantile_read_as_a_gauge_is_not_warned_of(tmp_path: Path) -> None:
    spec = """service: vault
selector: {job: vault}
metrics:
  p99: {selector: 'vault_core_handle_request{quantile="0.99"}', type: gauge, aggregation: max, unit: ms}
threshold_alerts:
  - {name: VaultSlow, metric: p99, above: 500ms, for: 10m}
"""
    code, lines = _validate(tmp_path, spec)
    assert code == 0, lines
    assert not [line for line in lines if "summaries" in line], lines


def test_clickhouse_and_php_fpm_counters_are_read_without_a_type(tmp_path: Path) -> None:
    spec = """service: analytics
selector: {job: clickhouse}
metrics:
  queries: ClickHouseProfileEvents_Query
  failed: ClickHouseProfileEvents_FailedQuery
  rejected: ClickHouseProfileEvents_RejectedInserts
  slow: phpfpm_slow_requests
slos:
  - {name: queries, objective: 99.5, sli: {errors: failed, total: queries}}
threshold_alerts:
  - {name: Rejecting, metric: rejected, above: 0/m, for: 5m}
  - {name: Slow, metric: slow, above: 5/m, for: 10m}
"""
    code, lines = _validate(tmp_path, spec)
    assert code == 0, lines
    assert not [line for line in lines if "not named like a counter" in line], lines


def test_a_php_fpm_counter_declared_a_gauge_is_warned_of(tmp_path: Path) -> None:
    spec = """service: shop-php
selector: {job: php-fpm-exporter}
metrics:
  maxed: {selector: phpfpm_max_children_reached, type: gauge, aggregation: max}
threshold_alerts:
  - {name: MaxChildren, metric: maxed, above: 0, for: 0s}
"""
    code, lines = _validate(tmp_path, spec)
    assert code == 0, lines
    found = [line for line in lines if "is a counter (its exporter writes it as one" in line]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:7:") and "$.metrics.maxed.type: warning:" in found[0]
    counted = spec.replace("type: gauge, aggregation: max", "type: counter").replace("above: 0,", "above: 0/m,")
    code, lines = _validate(tmp_path, counted)
    assert code == 0, lines
    assert not [line for line in lines if "is a counter (its exporter" in line], lines


NATS = """service: orders-stream
selector: {job: nats-exporter}
metrics:
  pending: {selector: 'jetstream_consumer_num_pending{stream_name="ORDERS"PIN}', type: gauge, aggregation: sum}
threshold_alerts:
  - {name: OrdersConsumerLag, metric: pending, above: 10000, for: 15m, tier: critical, by: [consumer_name]}
"""


def test_a_jetstream_consumer_gauge_read_across_replicas_is_warned_of(tmp_path: Path) -> None:
    """Replayed: replicas writing 6,000 / 6,000 / 0 for a healthy backlog of 6,000 paged the 10,000 line from the
    15th minute to the end (110 min); pinned to the leader, nothing; a stuck consumer paged at minute 56 both ways."""
    code, lines = _validate(tmp_path, NATS.replace("PIN", ""))
    assert code == 0, lines
    found = [line for line in lines if "only its leader's value is the consumer's" in line]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:7:") and "$.metrics.pending: warning:" in found[0]
    assert 'jetstream_consumer_num_pending{is_consumer_leader="true"}' in found[0]
    code, lines = _validate(tmp_path, NATS.replace("PIN", ',is_consumer_leader="true"'))
    assert code == 0, lines
    assert not [line for line in lines if "leader's value" in line], lines


ARGO = """service: argocd
selector: {job: argocd-metrics}
metrics:
  degraded: {selector: 'argocd_app_info{health_status="Degraded"}', type: gauge, aggregation: sum}
  apps: {selector: argocd_app_info, type: gauge, aggregation: sum}
threshold_alerts:
  - {name: ArgoAppDegraded, metric: degraded, above: 0, for: 15m, by: [name]MISSING}
  - {name: ArgoNoApps, metric: apps, below: 1, for: 15m}
"""


def test_an_alert_on_argo_cds_info_pinned_to_a_state_is_warned_of_until_missing_is_ignored(tmp_path: Path) -> None:
    """Replayed: a healthy fleet ticketed ArgoAppDegraded{data="missing"} from minute 15 to the end (110 min); with
    `missing: ignore`, nothing, and a degraded application still ticketed 15 minutes in."""
    code, lines = _validate(tmp_path, ARGO.replace("MISSING", ""))
    assert code == 0, lines
    found = [line for line in lines if "pinned by health_status" in line]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:10:") and "$.threshold_alerts[0]: warning:" in found[0]
    assert "missing: ignore" in found[0]
    code, lines = _validate(tmp_path, ARGO.replace("MISSING", ", missing: ignore"))
    assert code == 0, lines
    assert not [line for line in lines if "pinned by" in line], lines


LOKI = """service: loki
selector: {job: loki}
metrics:
  requests: loki_request_duration_seconds_count
  latency: LATENCY
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 1s}}
"""


def test_lokis_histogram_read_with_its_live_tails_is_warned_of(tmp_path: Path) -> None:
    """Replayed: 10 tails a minute (~10 minutes each) beside 600 short requests paged a healthy Loki's
    ServiceHighLatencyP99 from its 10th minute to the end (230 min); without the tails, nothing, and range queries
    at 8 s paged it 10 minutes in."""
    code, lines = _validate(tmp_path, LOKI.replace("LATENCY", "loki_request_duration_seconds"))
    assert code == 0, lines
    found = [line for line in lines if "long-running requests" in line]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:8:") and "$.metrics.latency: warning:" in found[0]
    assert 'route="loki_api_v1_tail"' in found[0] and 'route!~"(?i).*tail.*"' in found[0]
    for kept in ('route!~"(?i).*tail.*"', 'route="loki_api_v1_query_range"'):
        code, lines = _validate(tmp_path, LOKI.replace("LATENCY", f"'loki_request_duration_seconds{{{kept}}}'"))
        assert code == 0, lines
        assert not [line for line in lines if "long-running requests" in line], (kept, lines)
