"""A `*_count` series a ratio SLI counts is a counter whatever its name (round 21 review). Round 21 made a metric
named `*_count` or `*_sum` say its type (`pg_stat_activity_count` is a gauge), which also refused the commonest
total there is, a histogram's `http_request_duration_seconds_count`, in an SLI that only takes counters."""

from __future__ import annotations

from pathlib import Path

from compiler.model.types import MetricType
from tests.test_pages import compiled, errors_of

SLI = """\
selector: {job: svc}
metrics:
  served: http_request_duration_seconds_count
  failed: http_request_duration_seconds_count{code=~"5.."}
slos: [{name: available, objective: 99.9, sli: {errors: failed, total: served}}]
"""


def test_a_histogram_count_an_sli_counts_needs_no_type(tmp_path: Path) -> None:
    _, service, _ = compiled(tmp_path, SLI)
    assert {m.name: m.type for m in service.metrics if m.name in ("served", "failed")} == {
        "served": MetricType.COUNTER,
        "failed": MetricType.COUNTER,
    }


def test_a_count_no_sli_counts_still_says_its_type(tmp_path: Path) -> None:
    # the SLI's counters pass; the gauge beside them, which no SLI counts, is still asked for its type
    body = SLI.replace("metrics:\n", "metrics:\n  connections: {selector: pg_stat_activity_count, aggregation: sum}\n")
    assert errors_of(tmp_path, body) == [
        "metrics.connections: pg_stat_activity_count ends like a histogram's or summary's counter, and like an "
        "exporter's gauge counting things now (connections, rows): say `type: counter` to compare its per-second "
        "rate, or `type: gauge` to compare it as it is"
    ]
