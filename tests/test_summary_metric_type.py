"""`type: summary` (a client library's summary: quantile series, `_count`, `_sum`, no buckets) was told only
"'summary' is not one of 'counter', 'gauge', 'histogram'": true, and no way on. Now the message says how such a
metric is read, and the spec it advises compiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: quote
team: t
selector: {{job: quote}}
metrics:
  requests: quote_requests_total
{metrics}
slos:
  - {{name: fast, objective: 99, sli: {sli}}}
threshold_alerts:
  - {{name: QuoteSlow, metric: p99, above: 500ms, for: 10m, tier: warning}}
"""
ADVISED = """\
  p99: {selector: 'rpc_seconds{quantile="0.99"}', type: gauge, aggregation: max}
  calls: {selector: rpc_seconds_count, type: counter}"""


@pytest.mark.parametrize("written", ["summary", "Summary"])
def test_a_summary_type_says_how_its_series_are_read(tmp_path: Path, written: str) -> None:
    metrics = f"  p99: {{selector: rpc_seconds, type: {written}}}"
    found = spec_errors(tmp_path, {"quote.yaml": SPEC.format(metrics=metrics, sli="{good_when: 'p99 < 0.5'}")})
    assert len(found) == 1, found
    said = f"metrics.p99.type: {written!r} is not a type obsc reads (counter, gauge, histogram): "
    assert found[0].startswith(said), found
    assert "quantile series are gauges" in found[0] and "a latency SLO needs a histogram's _bucket series" in found[0]


def test_the_advised_spec_compiles(tmp_path: Path) -> None:
    assert spec_errors(tmp_path, {"quote.yaml": SPEC.format(metrics=ADVISED, sli="{good_when: 'p99 < 0.5'}")}) == []


def test_untyped_says_what_to_choose(tmp_path: Path) -> None:
    metrics = "  p99: {selector: rpc_seconds, type: untyped}"
    found = spec_errors(tmp_path, {"quote.yaml": SPEC.format(metrics=metrics, sli="{good_when: 'p99 < 0.5'}")})
    assert len(found) == 1 and "counter (only grows, resets to 0), gauge (goes up and down)" in found[0], found
