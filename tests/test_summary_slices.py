"""A time slice over a summary's quantile combined across series (round 49, a ninth fleet nobody here wrote).

A newcomer's Spring Boot API published Micrometer's client-side percentiles and read `max` of the 0.99 quantile
gauges with `good_when: p99 < 0.5`. Each endpoint has its own p99: one 3s export call every 10 minutes beside 600
fast requests a minute kept the export's p99 at 3 for two minutes, and those minutes were bad slices: replayed
below with promtool, the 99% SLO paged a healthy API. A latency SLI over a bucket at the threshold (Micrometer's
SLO boundary) counts the one slow request as one, and stays quiet. Now `compile` and `validate` warn at the
summary's `good_when`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = """apiVersion: obsc/v1
service: billing
team: core
selector: {job: billing}
alerts: {traffic_anomaly: false, error_rate: false, latency_p99: false}
metrics:
  p99: {selector: 'http_server_requests_seconds{quantile="0.99"}', type: gauge, aggregation: max, unit: s}
  latency: {selector: http_server_requests_seconds, buckets: [0.5]}
  queue: {selector: billing_queue_depth, type: gauge, aggregation: max}
slos:
"""
SUMMARY = "  - {name: fast, objective: 99, sli: {good_when: p99 < 0.5}}\n"
BUCKET = "  - {name: fast, objective: 99, sli: {latency: latency, threshold: 500ms}}\n"
GAUGE = "  - {name: fast, objective: 99, sli: {good_when: queue < 100}}\n"


def _validate(tmp_path: Path, spec: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return [line for line in done.output.splitlines() if "a summary's" in line]


def test_a_time_slice_over_a_summary_quantile_is_warned_of_at_good_when(tmp_path: Path) -> None:
    found = _validate(tmp_path, HEAD + SUMMARY)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:11:") and " $.slos[0].sli.good_when: warning: " in found[0]
    assert "http_server_requests_seconds's 0.99 quantile" in found[0] and "threshold: 500ms" in found[0]


def test_a_bucket_or_another_gauge_is_not_warned_of(tmp_path: Path) -> None:
    assert _validate(tmp_path, HEAD + BUCKET) == []
    assert _validate(tmp_path, HEAD + GAUGE) == []


def test_one_slow_export_call_pages_the_summary_slices_and_not_the_bucket(tmp_path: Path) -> None:
    require_tool("promtool")
    # 3 hours at 1m steps; one 3s export call every 10 minutes (at minute 9, 19, ...), its p99 at 3 for 2 minutes.
    at = 'job="billing",instance="b-0:8080",method="GET",outcome="SUCCESS",status="200",exception="none"'
    calls = " ".join(str((minute + 1) // 10) for minute in range(181))
    slow = " ".join("3" if minute % 10 in (9, 0) and minute >= 9 else "0" for minute in range(181))
    series = {
        'up{job="billing",instance="b-0:8080"}': "1x180",
        f'http_server_requests_seconds{{{at},uri="/api/invoices",quantile="0.99"}}': "0.2x180",
        f'http_server_requests_seconds{{{at},uri="/api/export",quantile="0.99"}}': slow,
        f'http_server_requests_seconds_bucket{{{at},uri="/api/invoices",le="0.5"}}': "0+600x180",
        f'http_server_requests_seconds_bucket{{{at},uri="/api/invoices",le="+Inf"}}': "0+600x180",
        f'http_server_requests_seconds_count{{{at},uri="/api/invoices"}}': "0+600x180",
        f'http_server_requests_seconds_bucket{{{at},uri="/api/export",le="0.5"}}': "0x180",
        f'http_server_requests_seconds_bucket{{{at},uri="/api/export",le="+Inf"}}': calls,
        f'http_server_requests_seconds_count{{{at},uri="/api/export"}}': calls,
    }
    for name, slo, pages in (("summary", SUMMARY, 2), ("bucket", BUCKET, 0)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "billing", HEAD + slo)
        checks = [_firing("SLOErrorBudgetBurnFast", at, pages) for at in ("120m", "170m")]
        checks.append(_firing("SLODataMissing", "170m", 0))  # the bucket's quiet is a reading, not no data
        assert _promtool(folder, rules, "billing", series, checks) == "", name
