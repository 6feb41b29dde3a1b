"""A latency histogram named as a recording rule's output (round 53, audit53). obsc reads a histogram by its base
name, as `<name>_bucket{le}` and `<name>_count` counters: `job:x_seconds_bucket:rate5m` (recorded buckets) was read
as `job:x_seconds_bucket:rate5m_bucket`, which no rule writes. Its latency SLO read no data (only SLODataMissing
said so, once deployed) and a p99 page without a latency SLO had nothing to read and no missing-data alert. Such a
name is refused at its line; `level:metric` (two parts, summed buckets kept as counters) is still read as
written."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.series_kinds import recorded_histogram_problem
from tests.spec_errors import spec_errors

HEAD = "apiVersion: obsc/v1\nservice: search\nteam: core\nselector: {{job: search}}\n"
P99_ONLY = (
    HEAD
    + "metrics:\n  requests: search_requests_total\n  latency: '{name}'\nalerts:\n  latency_p99: {{critical: 1s}}\n"
)
SLO = (
    HEAD + "metrics:\n  requests: search_requests_total\n  latency: {{selector: '{name}', type: histogram}}\n"
    "slos: [{{name: latency, objective: 99, sli: {{latency: latency, threshold: 250ms}}}}]\n"
)


@pytest.mark.parametrize(
    ("name", "base", "operation"),
    [
        ("job:http_request_duration_seconds_bucket:rate5m", "http_request_duration_seconds", "its operation rate5m"),
        ("job:http_request_duration_seconds:rate5m", "http_request_duration_seconds", "its operation rate5m"),
        ("job:http_request_duration_seconds_sum:rate5m", "http_request_duration_seconds", "its operation rate5m"),
        (
            "cluster_verb:apiserver_request_duration_seconds_bucket:sum",
            "apiserver_request_duration_seconds",
            "its metric a histogram's _bucket",
        ),
        (
            "http_request_duration_seconds_bucket:increase1h",
            "http_request_duration_seconds",
            "its operation increase1h",
        ),
        ("http_request_duration_seconds:rate1m", "http_request_duration_seconds", "its operation rate1m"),
        (
            "job:http_request_duration_seconds_count:sum",
            "http_request_duration_seconds",
            "its metric a histogram's _count",
        ),
    ],
)
def test_a_p99_page_over_a_recorded_name_is_refused_at_its_line(
    tmp_path: Path, name: str, base: str, operation: str
) -> None:
    for spec in (P99_ONLY, SLO):
        found = spec_errors(tmp_path, {"search.yaml": spec.format(name=name)})
        assert len(found) == 1, found
        assert found[0].startswith(f"metrics.latency: {name} is named as a recording rule's output"), found
        assert operation in found[0] and f"name the histogram it is recorded from ({base})" in found[0], found


@pytest.mark.parametrize(
    "name",
    [
        "http_request_duration_seconds",
        "cluster:http_request_duration_seconds",  # level:metric: `cluster:..._bucket` may be summed counters
        "namespace_job:http_request_rate_seconds",  # 'rate' a word of the metric, not its operation
        "job:http_request_duration_seconds:sum",  # read as job:..:sum_bucket, a name a rule may write
    ],
)
def test_names_a_rule_may_write_buckets_for_still_compile(tmp_path: Path, name: str) -> None:
    assert spec_errors(tmp_path, {"search.yaml": P99_ONLY.format(name=name)}) == []
    assert recorded_histogram_problem(name) is None


def test_a_recorded_gauge_is_read_as_written(tmp_path: Path) -> None:
    """Only a histogram is refused for a recorded name: a recorded ratio read as a gauge (Sloth's
    `slo:sli_error:ratio_rate5m`, a team's `job:...:ratio_rate5m`) is a gauge a rule writes (review54: the
    histogram guard dropped refused it, and every test passed)."""
    spec = (
        HEAD.format() + "metrics:\n  requests: search_requests_total\n"
        "  failing: {selector: 'job:search_errors:ratio_rate5m', type: gauge, aggregation: max}\n"
        "threshold_alerts:\n  - {name: SearchFailing, metric: failing, above: 0.05, for: 5m, tier: warning}\n"
    )
    assert spec_errors(tmp_path, {"search.yaml": spec}) == []
    assert recorded_histogram_problem("job:search_errors:ratio_rate5m") is not None  # named as a histogram would be
