"""Round 45 (round 44's known limit (1)): a Micrometer timer writes `le` buckets only at its percentile histogram's
values (0.447392426 and 0.536870911 s around 500ms) and at the SLO boundaries the service publishes. A 99% latency
SLO at 500ms over `http_server_requests_seconds` compiled without a word, and on a service publishing no boundary read
no `le="0.5"` series: it saw no request and SLODataMissing ticketed from its 10th minute (promtool, round 44). Now a
located warning at the metric, naming the Spring property; a metric that declares its `buckets:` says the boundary is
published and is not warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.micrometer_buckets import micrometer_bucket_warnings, percentile_buckets_ns
from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: billing
team: data
selector: {{job: billing}}
metrics:
  requests: http_server_requests_seconds_count
  errors: http_server_requests_seconds_count{{outcome="SERVER_ERROR"}}
  latency: {latency}
slos: [{{name: latency, objective: 99, sli: {{latency: latency, threshold: {threshold}}}}}]
alerts: {{traffic_anomaly: false}}
"""
SAID = "http_server_requests_seconds is a Micrometer timer: it writes le="
TIMER = "http_server_requests_seconds"


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str, threshold: str, requests: str = "") -> str:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(latency=latency, threshold=threshold)
    if requests:  # a service that reads none of Micrometer's series
        spec = spec.replace('http_server_requests_seconds_count{outcome="SERVER_ERROR"}', requests + '{code=~"5.."}')
        spec = spec.replace("http_server_requests_seconds_count", requests)
    (specs / "billing.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("latency", "threshold", "said"),
    [
        (TIMER, "500ms", 'le="0.5" only where the service publishes 0.5s as an SLO boundary (management.metrics.'
         "distribution.slo.http.server.requests=500ms); its percentile histogram's buckets around it are 0.447392426 "
         "and 0.536870911"),
        # its unit said as obsc's default (seconds) is still the timer's (a hand mutant of round 45 dropping `s`
        # from the units read as seconds passed every test)
        (f"{{selector: {TIMER}, unit: s}}", "1s", "(management.metrics.distribution.slo.http.server.requests=1s); "
         "its percentile histogram's buckets around it are 0.984263336 and 1.073741824"),
        # past the largest bucket (4^26 ns, ~48 days): exit 70 in round 45 (min() of no bucket above it)
        (TIMER, "7w", "requests=4233600s); its percentile histogram's largest bucket is 4128299.658422952, so"),
    ],
)  # fmt: skip
def test_a_threshold_micrometer_writes_no_bucket_for_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str, threshold: str, said: str
) -> None:
    err = _err(tmp_path, capsys, latency, threshold)
    assert f"billing.yaml:8:12 $.metrics.latency: warning: {SAID}" in err and said in err, err
    assert err.count(SAID) == 1, err


@pytest.mark.parametrize(
    ("latency", "threshold"),
    [
        ("{selector: http_server_requests_seconds, buckets: [0.1, 0.5, 1, 5, 10]}", "500ms"),  # published
        ("http_request_duration_seconds", "500ms"),  # not a Micrometer timer: the service reads no Micrometer series
        ("'nginx_ingress_controller_request_duration_seconds{job=\"ingress\"}'", "500ms"),  # an exporter's
    ],
    ids=["declared-buckets", "not-micrometer", "exporter-job"],
)
def test_a_bucket_micrometer_writes_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str, threshold: str
) -> None:
    requests = "http_requests_total" if latency.startswith("http_request_") else ""
    assert "Micrometer timer" not in _err(tmp_path, capsys, latency, threshold, requests)


def test_a_teams_own_timer_in_a_service_on_micrometer_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Round 45 knew four Spring names: `@Timed("checkout")` exports checkout_seconds, whose 500ms threshold read no
    # le="0.5" series and compiled without a word (round 45's known limit (1)). The service reads Micrometer's
    # http_server_requests_seconds_count, so its own `_seconds` histogram is read as a timer.
    err = _err(tmp_path, capsys, "checkout_seconds", "500ms")
    said = (
        "billing.yaml:8:12 $.metrics.latency: warning: checkout_seconds reads as a Micrometer timer (this service "
        'reads http_server_requests_seconds_count, which only Micrometer writes): it writes le="0.5" only where the '
        "service publishes 0.5s as an SLO boundary (management.metrics.distribution.slo.checkout=500ms)"
    )
    assert said in err, err


def test_the_percentile_buckets_are_micrometers() -> None:
    """1, 2, 3 ns, then from each power of 4 up in steps of a third of it (what a Spring service exports)."""
    buckets = sorted(percentile_buckets_ns())
    assert buckets[:8] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [b for b in buckets if 10**6 <= b <= 1_100_000][:2] == [1_048_576]
    assert {447_392_426, 536_870_911, 984_263_336, 1_073_741_824} <= set(buckets)
    # each power's run stops a third short of the next power (4 to 14, then 16): 15 is no bucket (a hand mutant of
    # round 45 running each to the third itself passed every test)
    assert [b for b in buckets if 12 <= b <= 21] == [12, 13, 14, 16, 21]


def _warned(tmp_path: Path, spec: str) -> list[str]:
    """The Micrometer bucket warnings of one spec (the model's reading, without validation)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "billing.yaml").write_text(spec)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    return [d.message for d in micrometer_bucket_warnings(fleet.services)]


def test_the_outcome_tag_alone_says_the_service_is_on_micrometer(tmp_path: Path) -> None:
    """A service whose only Micrometer series is read through its `outcome` tag (a hand mutant of round 46 without
    that witness passed every test)."""
    spec = SPEC.format(latency="checkout_seconds", threshold="500ms")
    spec = spec.replace("http_server_requests_seconds_count", "app_requests_total")
    (message,) = _warned(tmp_path, spec)
    assert message.startswith("checkout_seconds reads as a Micrometer timer (this service reads app_requests_total's")


def test_a_histogram_not_named_in_seconds_is_no_micrometer_timer(tmp_path: Path) -> None:
    """Micrometer names every timer `_seconds`: another histogram of a service on Micrometer is not read as one (a
    hand mutant of round 46 dropping the suffix check passed every test)."""
    assert _warned(tmp_path, SPEC.format(latency="{selector: checkout_latency, unit: s}", threshold="500ms")) == []
