"""A spec whose `requests` is the `_count` of the histogram its latency SLO reads (an OpenTelemetry service: no
request counter of its own): SLOTrafficStopped behind a relay, and SLODataMissing with the ratio SLO grouped.

The generated cases fed the `_count` for the ratio SLO's stop and expected only its page; the latency SLO's traffic
reads that `_count` where a series has no `+Inf` bucket, so its page fired too and the compile failed its own tests
(exit 1, "promtool rejected the generated rules"; round 40's drawn fleets). Each SLO whose traffic reads the fed
series is now expected to page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {sink: {webhook: {url: "https://hooks.example.org/sink"}}}
alertmanager: {default_receiver: sink}
"""
OTEL = """\
apiVersion: obsc/v1
service: otel
team: core
selector: {job: otel}
targets: {job: otel-collector}
targets_via: collector
metrics:
  requests: http_server_duration_milliseconds_count
  errors: 'http_server_duration_milliseconds_count{http_status_code=~"5.."}'
  latency: {selector: http_server_duration_milliseconds, unit: ms}
slos:
  - {name: avail, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: fast, objective: 99, sli: {latency: latency, threshold: 250ms}}
"""


def test_both_slos_over_one_histogram_count_page_when_it_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool", "PROMTOOL")
    code, err, rules = compile_one(capsys, tmp_path, PLATFORM, "otel", OTEL)  # the compile's own promtool tests
    assert code == 0, err
    assert rules.count("alert: SLOTrafficStopped") == 2
    stops = (tmp_path / "out" / "prometheus" / "tests" / "otel.long.test.yaml").read_text()
    assert "slo: fast" in stops and "avail, fast: stops" in stops


def test_a_ratio_slo_grouped_over_the_histogram_count_beside_its_latency_slo_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The data-missing cases fed the `_count` per route (the ratio SLO's group) and the buckets without a route, a
    count no histogram exposes without buckets: the latency SLO's data-missing check fired where the cases expected
    data, and the compile exited 1 (round 40). The count and the buckets now carry the same group labels."""
    require_tool("promtool", "PROMTOOL")
    spec = OTEL.replace("targets: {job: otel-collector}\ntargets_via: collector\n", "")
    spec = spec.replace("{name: avail, objective: 99.9, sli", "{name: avail, objective: 99.9, by: [http_route], sli")
    assert "by: [http_route]" in spec and "targets_via" not in spec
    code, err, _ = compile_one(capsys, tmp_path, PLATFORM, "otel", spec)  # the compile's own promtool tests
    assert code == 0, err
