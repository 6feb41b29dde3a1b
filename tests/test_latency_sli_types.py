"""A metric a latency SLI reads is a histogram whatever its name, as a ratio SLI's are counters and a time-slice
SLI's gauge a gauge: `query_latency: pg_query_duration_milliseconds` under an SLO's `latency:` was told three
errors for the one missing `type: histogram` (not named like a counter; buckets are for histograms; must be a
histogram)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.model.types import MetricType
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: orders-db
team: storage
selector: {{job: postgres}}
metrics:
  query_latency: {{selector: {series}, unit: ms, buckets: [1, 5, 10, 50, 100, 500]}}
slos:
  - {{name: query-latency, objective: 99.5, period: 7d, sli: {{latency: query_latency, threshold: 100ms}}}}
"""


def _compile(tmp_path: Path, series: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "orders-db.yaml").write_text(SPEC.format(series=series))
    try:
        result = compile_specs([str(tmp_path)], CompileOptions())
    except InputError as caught:
        return [f"{'.'.join(map(str, d.path))}: {d.message}" for d in caught.diagnostics]
    assert {m.name: m.type for m in result.fleet.services[0].metrics}["query_latency"] is MetricType.HISTOGRAM
    return []


def test_a_latency_slis_metric_needs_no_type(tmp_path: Path) -> None:
    assert _compile(tmp_path, "pg_query_duration_milliseconds") == []


def test_a_counter_named_series_under_latency_is_still_refused_once_per_place(tmp_path: Path) -> None:
    # `_total` names a counter: taking it for a histogram would read `pg_queries_total_bucket`, nothing at all
    found = _compile(tmp_path, "pg_queries_total")
    assert any("must be a histogram" in line for line in found), found


@pytest.mark.parametrize("series", ["pg_query_duration_milliseconds_bucket"])
def test_a_bucket_series_is_one_error_naming_the_base(tmp_path: Path, series: str) -> None:
    found = _compile(tmp_path, series)
    assert len(found) == 1 and "write pg_query_duration_milliseconds" in found[0], found
