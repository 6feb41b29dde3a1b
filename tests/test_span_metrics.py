"""Span metrics (the OpenTelemetry Collector's spanmetrics, Tempo's metrics generator) read as an SLI (round 47).

Without span_kind a service's client and internal spans count beside the requests it serves: 3% of a healthy
service's client calls failing (retried) paged its 99.9% SLO from the 5th minute for 4 hours (promtool), and
`status_code!="STATUS_CODE_OK"` counts every unset (successful) span as failed. Located warnings at the metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: checkout
team: data
selector: SELECTOR
targets: {job: otel-collector}
metrics:
  requests: 'REQUESTS'
  errors: 'ERRORS'
  latency: {selector: 'LATENCY', unit: ms}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}
"""
CALLS = "traces_span_metrics_calls_total"
DURATION = "traces_span_metrics_duration_milliseconds"
ERROR = 'status_code="STATUS_CODE_ERROR"'
SERVER = 'span_kind="SPAN_KIND_SERVER"'


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], selector: str, requests: str, errors: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.replace("SELECTOR", selector).replace("REQUESTS", requests).replace("ERRORS", errors)
    (specs / "checkout.yaml").write_text(spec.replace("LATENCY", requests.replace(CALLS, DURATION)))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("requests", "errors"),
    [
        (CALLS, f"{CALLS}{{{ERROR}}}"),
        ("traces_spanmetrics_calls_total", f"traces_spanmetrics_calls_total{{{ERROR}}}"),
        ("calls_total", f"calls_total{{{ERROR}}}"),  # the processor's names, no namespace: known by service_name
        (f'{CALLS}{{span_kind!="SPAN_KIND_INTERNAL"}}', f'{CALLS}{{span_kind!="SPAN_KIND_INTERNAL",{ERROR}}}'),
        # a queue consumer's spans beside its producer's, internal spans beside the served ones, a kind left out
        (
            'CALLS{span_kind=~"SPAN_KIND_(CONSUMER|PRODUCER)"}',
            'CALLS{span_kind=~"SPAN_KIND_(CONSUMER|PRODUCER)",ERROR}',
        ),
        ('CALLS{span_kind=~"SPAN_KIND_(SERVER|INTERNAL)"}', 'CALLS{span_kind=~"SPAN_KIND_(SERVER|INTERNAL)",ERROR}'),
        ('CALLS{span_kind!~"SPAN_KIND_CLIENT"}', 'CALLS{span_kind!~"SPAN_KIND_CLIENT",ERROR}'),
    ],
    ids=[
        "connector",
        "older-namespace",
        "processor-bare",
        "client-let-through",
        "consumer-and-producer",
        "server-and-internal",
        "all-but-client",
    ],
)
def test_span_metrics_read_without_the_served_kind_are_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str
) -> None:
    requests, errors = requests.replace("CALLS", CALLS), errors.replace("CALLS", CALLS).replace("ERROR}", f"{ERROR}}}")
    err = _err(tmp_path, capsys, "{service_name: checkout-api}", requests, errors)
    for where in ("checkout.yaml:7:13 $.metrics.requests", "checkout.yaml:8:11 $.metrics.errors"):
        assert f"{where}: warning: this span metric lets span_kind" in err, err
    assert 'pin the requests it serves, span_kind="SPAN_KIND_SERVER"' in err, err
    assert err.count("this span metric lets span_kind") == 3, err  # the latency histogram too


@pytest.mark.parametrize(
    ("selector", "requests", "errors"),
    [
        ("{service_name: checkout-api, span_kind: SPAN_KIND_SERVER}", CALLS, f"{CALLS}{{{ERROR}}}"),
        ("{service_name: checkout-api}", f"{CALLS}{{{SERVER}}}", f"{CALLS}{{{SERVER},{ERROR}}}"),
        (
            "{service_name: orders}",
            f'{CALLS}{{span_kind="SPAN_KIND_CONSUMER"}}',
            f'{CALLS}{{span_kind="SPAN_KIND_CONSUMER",{ERROR}}}',
        ),
        (
            "{service_name: checkout-api}",
            f'{CALLS}{{span_kind="SPAN_KIND_CLIENT"}}',
            f'{CALLS}{{span_kind="SPAN_KIND_CLIENT",{ERROR}}}',
        ),
        ("{job: checkout}", "calls_total", 'calls_total{result="failed"}'),  # an app's own counter, no span label
    ],
    ids=["service-pins", "metric-pins", "consumer", "a-dependency-on-purpose", "not-span-metrics"],
)
def test_one_span_kind_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], selector: str, requests: str, errors: str
) -> None:
    assert "lets span_kind" not in _err(tmp_path, capsys, selector, requests, errors)


@pytest.mark.parametrize(
    ("errors", "said"),
    [
        ('status_code!="STATUS_CODE_OK"', "counts as failed spans whose status is STATUS_CODE_UNSET"),
        ('status_code=~"STATUS_CODE_(ERROR|UNSET)"', "counts as failed spans whose status is STATUS_CODE_UNSET"),
        ("", ""),
    ],
    ids=["not-ok", "error-or-unset", "error-named"],
)
def test_an_unset_status_counted_as_failed_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], errors: str, said: str
) -> None:
    errors = f"{CALLS}{{{SERVER},{errors or ERROR}}}"
    err = _err(tmp_path, capsys, "{service_name: checkout-api}", f"{CALLS}{{{SERVER}}}", errors)
    if said:
        assert f"checkout.yaml:8:11 $.metrics.errors: warning: this selector {said}" in err, err
        assert err.count("STATUS_CODE_UNSET") == 1, err
    else:
        assert "STATUS_CODE_UNSET" not in err, err


def test_good_spans_that_leave_an_unset_status_out_are_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.replace("SELECTOR", "{service_name: checkout-api, span_kind: SPAN_KIND_SERVER}")
    spec = spec.replace("REQUESTS", CALLS).replace("ERRORS", f'{CALLS}{{status_code="STATUS_CODE_OK"}}')
    spec = spec.replace("LATENCY", DURATION).replace("{errors: errors,", "{good: errors,")
    (specs / "checkout.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert "$.metrics.errors: warning: this selector leaves out of the good events spans whose status is" in result.err


@pytest.mark.parametrize(
    ("relay", "said"),
    [("", True), ("targets_via: collector\n", False)],
    ids=["collector-taken-for-the-service", "collector-said"],
)
def test_span_metrics_with_the_collectors_targets_ask_for_targets_via(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relay: str, said: bool
) -> None:
    """The collector's `up` stays 1 while the service is dead: without targets_via no SLOTrafficStopped is written,
    and a service whose pods all died for an hour paged nothing (promtool, round 47)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.replace("SELECTOR", "{service_name: checkout-api, span_kind: SPAN_KIND_SERVER}")
    spec = spec.replace("REQUESTS", CALLS).replace("ERRORS", f"{CALLS}{{{ERROR}}}").replace("LATENCY", DURATION)
    (specs / "checkout.yaml").write_text(spec.replace("metrics:\n", f"{relay}metrics:\n"))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    warning = "checkout.yaml:7:13 $.metrics.requests: warning: span metrics are written by a collector, not by "
    assert (f'{warning}the service, so up{{job="otel-collector"}}' in result.err) is said, result.err
    assert result.err.count("targets_via: collector beside targets:") == int(said), result.err


@pytest.mark.parametrize(
    ("latency", "threshold", "said"),
    [
        (f"{{selector: {DURATION}, unit: ms}}", "250ms", 'have no le="250": unless the collector'),
        ("{selector: traces_span_metrics_duration_seconds, unit: s}", "300ms", 'have no le="0.3": unless'),
        ("{selector: duration_milliseconds, unit: ms}", "1500ms", "(1400ms or 2000ms)"),  # no namespace
        (f"{{selector: {DURATION}, unit: ms}}", "200ms", ""),
        (f"{{selector: {DURATION}, unit: ms}}", "5s", ""),  # the defaults' three above 2s
        (f"{{selector: {DURATION}, unit: ms, buckets: [100, 250, 500, 10000]}}", "250ms", ""),  # the collector's own
        ("{selector: traces_spanmetrics_latency, unit: s}", "250ms", ""),  # Tempo's: other defaults
    ],
    ids=["default-ms", "seconds", "bare-name", "on-a-default", "on-a-default-5s", "declared", "tempo"],
)
def test_a_threshold_the_connectors_default_buckets_lack_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], latency: str, threshold: str, said: str
) -> None:
    """The connector writes 2..15000 ms buckets by default: at 250ms a healthy service fired SLODataMissing and an
    hour of every request at ~900 ms paged nothing; at 200ms it paged (promtool, round 47)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.replace("SELECTOR", "{service_name: checkout-api, span_kind: SPAN_KIND_SERVER}")
    spec = spec.replace("REQUESTS", CALLS).replace("ERRORS", f"{CALLS}{{{ERROR}}}")
    spec = spec.replace("{selector: 'LATENCY', unit: ms}", latency).replace(
        "threshold: 250ms", f"threshold: {threshold}"
    )
    (specs / "checkout.yaml").write_text(spec.replace("metrics:\n", "targets_via: collector\nmetrics:\n"))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    if said:
        assert "checkout.yaml:10:12 $.metrics.latency: warning: " in result.err, result.err
        assert "spanmetrics connector's duration histogram" in result.err and said in result.err, result.err
    else:
        assert "spanmetrics connector's duration histogram" not in result.err, result.err


@pytest.mark.parametrize(
    ("requests", "errors", "warned"),
    [
        # the processor's older namespace is a span metric by its name alone, whatever the selector
        ("traces_spanmetrics_calls_total", f"traces_spanmetrics_calls_total{{{ERROR}}}", ("7:13", "8:11")),
        # a bare calls_total is one by a span status it reads, not by its name
        ("calls_total", f"calls_total{{{ERROR}}}", ("8:11",)),
    ],
    ids=["older-namespace", "bare-by-status"],
)
def test_span_metrics_are_known_without_a_span_label_in_the_selector(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str, warned: tuple[str, ...]
) -> None:
    """A service selected by a label of its own (a relabelled `service`), not by span labels."""
    err = _err(tmp_path, capsys, "{service: checkout-api}", requests, errors)
    for where in ("7:13 $.metrics.requests", "8:11 $.metrics.errors"):
        assert (f"checkout.yaml:{where}: warning: this span metric lets span_kind" in err) is (where[:4] in warned)


def test_a_services_requests_read_by_no_slo_are_still_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A service whose only SLO is a latency one: its requests (ServiceHighErrorRate's, the dashboards') are span
    metrics without span_kind all the same."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.replace("SELECTOR", "{service_name: checkout-api}").replace("REQUESTS", CALLS)
    spec = spec.replace("ERRORS", f"{CALLS}{{{ERROR}}}").replace("LATENCY", DURATION)
    spec = spec.replace("  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}\n", "")
    (specs / "checkout.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert "checkout.yaml:7:13 $.metrics.requests: warning: this span metric lets span_kind" in result.err, result.err
