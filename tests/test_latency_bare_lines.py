"""A bare number on a request-latency gauge read in seconds (round 53, audit53). A p99 line needs its unit since
round 45, but a time-slice condition and a threshold alert took the number in the gauge's unit: `good_when:
'probe_rtt_seconds < 250'` (250 meant as ms) judged every slice good under 250 s, and `above: 500` on a summary's
p99 in seconds never fired. Such a number (whole, 50 or more) is refused at its line with both spellings; with a
unit, or on a lag, an age or a job's duration, it is read as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_errors import spec_errors

HEAD = "apiVersion: obsc/v1\nservice: search\nteam: core\nselector: {{job: search}}\n"
GAUGE = "metrics:\n  timed: {{selector: '{series}', type: gauge, aggregation: max}}\n"
SLICE = HEAD + GAUGE + "slos: [{{name: timed, objective: 99, sli: {{good_when: 'timed < {line}'}}}}]\n"
ALERT = HEAD + GAUGE + "threshold_alerts: [{{name: TimedHigh, metric: timed, above: {line}, for: 5m}}]\n"
SECONDS = "metrics:\n  timed: {{selector: '{series}', type: gauge, aggregation: max, unit: s}}\n"


@pytest.mark.parametrize(
    "series",
    [
        "probe_rtt_seconds",
        'rpc_duration_seconds{quantile="0.99"}',
        "http_request_latency_seconds",
        "grpc_handling_seconds",
        "probe_duration_seconds",
        "ping_rtt_mean_seconds",  # blackbox_exporter's whole probe (review54: `probe` dropped from the words passed)
    ],
)
@pytest.mark.parametrize("spec", [SLICE, ALERT, SLICE.replace(GAUGE, SECONDS)], ids=["good_when", "above", "unit-s"])
def test_a_bare_latency_line_in_seconds_is_refused_with_both_spellings(tmp_path: Path, series: str, spec: str) -> None:
    found = spec_errors(tmp_path, {"search.yaml": spec.format(series=series, line=250)})
    assert len(found) == 1, found
    assert "250 has no unit" in found[0] and "write 250ms, or 250s if you mean that" in found[0], found
    assert found[0].split(":", 1)[0] in ("slos.0.sli.good_when", "threshold_alerts.0.above"), found


@pytest.mark.parametrize(
    ("series", "line"),
    [
        ("probe_rtt_seconds", "250ms"),  # the unit said
        ("probe_rtt_seconds", "250s"),
        ("probe_rtt_seconds", "0.25"),  # a fraction of a second
        ("probe_rtt_seconds", "49"),
        ("probe_rtt_seconds", "62.5"),  # not a whole number: no ms line mistaken (review54)
        ("kafka_consumergroup_lag_seconds", "300"),  # a lag, not a request's latency
        ("backup_duration_seconds", "3600"),  # a job's duration
        ("probe_rtt_milliseconds", "250"),  # in ms by its unit, below
    ],
)
def test_other_lines_compile_as_before(tmp_path: Path, series: str, line: str) -> None:
    spec = ALERT.format(series=series, line=line)
    if series.endswith("_milliseconds"):
        spec = spec.replace("aggregation: max}", "aggregation: max, unit: ms}")
    assert spec_errors(tmp_path, {"search.yaml": spec}) == []


def test_the_least_bare_line_refused_is_50(tmp_path: Path) -> None:
    """50 is refused, 49 compiles (above): the bound is inclusive (review54: `<= 50` passed every test)."""
    found = spec_errors(tmp_path, {"search.yaml": ALERT.format(series="probe_rtt_seconds", line=50)})
    assert len(found) == 1 and "50 has no unit" in found[0], found


def test_a_time_slice_line_written_with_its_unit_is_taken_as_written(tmp_path: Path) -> None:
    """`timed < 250s` says seconds: read as written, as a threshold alert's `above: 250s` is (review54: the
    condition's line judged as bare whatever its spelling passed every test, which read alerts only)."""
    assert spec_errors(tmp_path, {"search.yaml": SLICE.format(series="probe_rtt_seconds", line="250s")}) == []


def test_a_metric_named_for_latency_over_a_neutral_series_is_refused(tmp_path: Path) -> None:
    """The metric's own name says it times requests where its series does not (review54: the name's read cut)."""
    spec = ALERT.format(series="search_p99_seconds", line=250).replace("  timed:", "  request_time:")
    spec = spec.replace("metric: timed", "metric: request_time")
    found = spec_errors(tmp_path, {"search.yaml": spec})
    assert len(found) == 1 and "250 has no unit" in found[0], found
