"""A recording rule's rate read as a counter (round 38, a fleet's federated SLI). The untyped-requests error told
`requests: job:http_requests:rate5m` to "say `type: counter` if this series counts events"; said, obsc took the
rate's rate of change: 10 req/s steady, half of them failing for 30 minutes, read ~0 errors and never paged
(replayed with promtool, 2m samples). The name says what it is (`level:metric:operations`): a counter read of it is
refused at its line with the raw SLI that reads it as it is, and so is rate() of it in a raw SLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.series_kinds import recorded_operation
from tests.spec_errors import spec_errors
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: billing\nteam: core\nselector: {job: billing}\n"
COUNTED = (
    HEAD + "metrics:\n"
    "  requests: {selector: 'job:http_requests:rate5m', type: counter}\n"
    "  errors: {selector: 'job:http_requests_errors:rate5m', type: counter}\n"
    "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
)
MEAN = "sum(avg_over_time(job:http_requests{kind}:rate5m{{$selector}}[$window]))"
RAW = (
    HEAD + "slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      raw:\n"
    f"        errors: '{MEAN.format(kind='_errors')}'\n        total: '{MEAN.format(kind='')}'\n"
)


def test_a_recorded_rate_said_a_counter_is_refused_with_the_raw_sli_that_reads_it(tmp_path: Path) -> None:
    requests, errors = spec_errors(tmp_path, {"billing.yaml": COUNTED})
    assert requests.startswith("metrics.requests.type: job:http_requests:rate5m is named as a recording rule's rate5m")
    assert "an outage would never page" in requests
    assert "total: 'sum(avg_over_time(job:http_requests:rate5m{$selector}[$window]))'" in requests
    assert "errors: 'sum(avg_over_time(job:http_requests_errors:rate5m{$selector}[$window]))'" in errors


def test_unsaid_its_type_is_the_same_one_error(tmp_path: Path) -> None:
    spec = COUNTED.replace(", type: counter}", "}")
    found = spec_errors(tmp_path, {"billing.yaml": spec})
    assert [f.split(":", 1)[0] for f in found] == ["metrics.requests", "metrics.errors"], found
    assert all("named as a recording rule's rate5m" in f for f in found), found


@pytest.mark.parametrize("series", ["instance:node_network_receive_bytes:rate1m", "job:queue_depth:deriv5m"])
def test_another_metric_read_as_a_counter_is_told_to_say_gauge(tmp_path: Path, series: str) -> None:
    spec = HEAD + (
        f"metrics: {{rx: {{selector: '{series}', type: counter}}}}\n"
        "threshold_alerts: [{name: RxHigh, metric: rx, above: 10/m, for: 5m}]\n"
    )
    (found,) = spec_errors(tmp_path, {"billing.yaml": spec})
    assert found.startswith(f"metrics.rx.type: {series} is named as a recording rule's") and "`type: gauge`" in found


def test_rate_of_a_recorded_rate_in_a_raw_sli_is_refused(tmp_path: Path) -> None:
    spec = RAW.replace("avg_over_time(job:http_requests_errors", "rate(job:http_requests_errors")
    (found,) = spec_errors(tmp_path, {"billing.yaml": spec})
    assert found.startswith("slos.0.sli.raw.errors: rate() is for counters, and job:http_requests_errors:rate5m is")


def test_names_that_keep_a_running_total_are_counters_still(tmp_path: Path) -> None:
    spec = HEAD + (
        "metrics:\n"
        "  requests: {selector: 'job:http_requests_total:sum', type: counter}\n"
        "  errors: {selector: 'job:rate_limited_requests_total', type: counter}\n"
        "  rx: {selector: 'instance:node_network_receive_bytes:rate1m', type: gauge, aggregation: max}\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
        "threshold_alerts: [{name: RxHigh, metric: rx, above: 1000000, for: 5m}]\n"
    )
    assert spec_errors(tmp_path, {"billing.yaml": spec}) == []
    assert [recorded_operation(n) for n in ("job:x_bucket:rate5m", "x:ratio", "rate5m", "a:b:sum_irate1m")] == [
        "rate5m",
        "ratio",
        None,
        "irate1m",
    ]


def test_the_raw_sli_it_advises_pages_a_steady_outage(tmp_path: Path) -> None:
    # the federation's rule every 2m: 10 req/s steady, half failing from 20m to 50m
    def recorded(values: list[float]) -> str:
        return " ".join(f"{v:g}" if m % 2 == 0 else "_" for m, v in enumerate(values))

    errors = [5.0 if 20 <= m < 50 else 0.0 for m in range(70)]
    series = {
        'job:http_requests:rate5m{job="billing"}': recorded([10.0] * 70),
        'job:http_requests_errors:rate5m{job="billing"}': recorded(errors),
        'up{job="billing"}': "1x70",
    }
    checks = [_firing("SLOErrorBudgetBurnFast", "19m", 0), _firing("SLOErrorBudgetBurnFast", "30m", 1)]
    assert _promtool(tmp_path, _rules(tmp_path, "billing", RAW), "billing", series, checks) == ""


def test_a_recorded_rate_named_without_colons_is_refused_too(tmp_path: Path) -> None:
    """Not every team writes `level:metric:operations`: `job_http_requests_rate5m` said a counter read the
    rate's rate of change too (round 38 read only names with a colon). Without colons only an operation with
    its window is read as one (`_rate5m`, `_increase1h`): `sample_rate` or `cache_hit_ratio` may be anything."""
    spec = COUNTED.replace("job:http_requests:rate5m", "job_http_requests_rate5m").replace(
        "job:http_requests_errors:rate5m", "job_http_requests_errors_increase1h"
    )
    requests, errors = spec_errors(tmp_path, {"billing.yaml": spec})
    assert requests.startswith("metrics.requests.type: job_http_requests_rate5m is named as a recording rule's rate5m")
    assert errors.startswith("metrics.errors.type: job_http_requests_errors_increase1h is named as a recording rule's")
    names = ("http_requests_rate5m", "sample_rate", "cache_hit_ratio", "rate5m", "queue_avg10m", "x_rate5m_total")
    assert [recorded_operation(n) for n in names] == ["rate5m", None, None, None, "avg10m", None]
    # an operation is a whole part of the name: a word that only starts like one is not
    assert [recorded_operation(n) for n in ("job:tokens:ratelimited", "job:x:averages_rate1m")] == [None, "rate1m"]
