"""Round 40: a p99 line at or under 0.99 of the histogram's smallest declared bucket compiled without a word and
fired while there was traffic at all: histogram_quantile reads a quantile in the lowest bucket between 0 and its
bound, so with every request in the 50ms bucket the p99 is 49.5ms, and above that as soon as one is slower (a
40ms line fired over a healthy service whose requests all took under 50ms, promtool). It is refused at the line;
a built-in 5s line under buckets from 10s (a model server's) is refused at the histogram."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.promtool_helpers import alert_fires
from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: search
team: t
selector: {{job: search}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  latency: {{selector: http_request_duration_{unit}, buckets: [{buckets}]{unit_key}}}
alerts: {{latency_p99: {{critical: {line}}}}}
"""


def _spec(line: str, buckets: str = "0.05, 0.1, 0.5, 1, 2.5, 10", unit: str = "seconds") -> dict[str, str]:
    unit_key = ", unit: ms" if unit == "milliseconds" else ""
    return {"search.yaml": SPEC.format(line=line, buckets=buckets, unit=unit, unit_key=unit_key)}


@pytest.mark.parametrize(
    ("line", "buckets", "unit"),
    [
        ("40ms", "0.05, 0.1, 10", "seconds"),
        ("49.5ms", "0.05, 0.1, 10", "seconds"),
        ("4ms", "5, 50, 5000", "milliseconds"),
    ],
    ids=["under", "at-the-floor", "a-millisecond-histogram"],
)
def test_a_line_not_above_099_of_the_smallest_bucket_is_refused(
    tmp_path: Path, line: str, buckets: str, unit: str
) -> None:
    errors = spec_errors(tmp_path, _spec(line, buckets, unit))
    assert len(errors) == 1 and errors[0].startswith("alerts.latency_p99.critical: "), errors
    assert "is not above 0.99 of the histogram's smallest bucket" in errors[0], errors


@pytest.mark.parametrize("line", ["50ms", "2s"])
def test_a_line_above_the_floor_compiles(tmp_path: Path, line: str) -> None:
    assert spec_errors(tmp_path, _spec(line, "0.05, 0.1, 10")) == []


def test_the_line_fires_over_a_healthy_service(tmp_path: Path) -> None:
    """The proof: every request under 50ms (all in the smallest bucket), the 40ms line fires; and at 49.5ms, one
    request in a thousand slower than 50ms fires it too. The rule is obsc's p99 comparison, written by hand (obsc
    now refuses the spec)."""
    p99 = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"
    rules = f"groups:\n- name: g\n  rules:\n  - alert: P99\n    expr: {p99} > LINE\n    for: 5m\n"
    fast = {f'http_request_duration_seconds_bucket{{job="search",le="{le}"}}': "0+600x30" for le in ("0.05", "+Inf")}
    assert alert_fires(tmp_path, rules.replace("LINE", "0.04"), "P99", fast, eval_time="20m")
    one_slow = {**fast, 'http_request_duration_seconds_bucket{job="search",le="+Inf"}': "0+601x30"}
    assert alert_fires(tmp_path, rules.replace("LINE", "0.0495"), "P99", one_slow, eval_time="20m")
