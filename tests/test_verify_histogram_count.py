"""`obsc verify` does not ask a histogram for `_count` series where its `+Inf` bucket counts the requests.

Since round 30 a latency SLI and the p99 alert count requests by the `+Inf` bucket, the `_count` only where a
series has no `+Inf` bucket: OpenMetrics leaves `_count` out of a histogram without `_sum`. verify still found
"no series for x_count" on such a histogram (exit 1) although every rule read it well (found by the round 30
review). A histogram with neither is still a finding. A fake Prometheus answers as a server holding the
histogram's buckets (`+Inf` included or not) and, or not, its `_count`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from compiler.verify import VerifyOptions, verify
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

PLATFORM = sink_platform()
SPEC = """\
apiVersion: obsc/v1
service: rpc
team: core
selector: {job: rpc}
metrics:
  latency: {selector: rpc_duration_seconds, type: histogram}
alerts: {traffic_anomaly: false, latency_p99: false}
slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 1s}}]
"""


@contextmanager
def fake_prometheus(bounds: list[str], with_count: bool) -> Iterator[str]:
    """Every query answers one series, but a histogram query sees only the buckets `bounds` and, with
    `with_count`, the `_count`."""

    def answer(expr: str) -> list[dict[str, Any]]:
        if " unless ignoring (le) " in expr:  # round 39: series without the threshold bucket now (none here)
            return []
        if expr.startswith("count by (le)"):
            return [{"metric": {"le": le}, "value": [0, "1"]} for le in bounds]
        if "_count{" in expr and not with_count:
            return []
        if 'le="+Inf"' in expr and "+Inf" not in bounds:
            return []
        return [{"metric": {}, "value": [0, "1"]}]

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": answer(urllib.parse.parse_qs(query)["query"][0])}
        if path.startswith("/api/v1/label/"):
            return ["rpc_duration_seconds_bucket", "up"] + (["rpc_duration_seconds_count"] if with_count else [])
        if path == "/api/v1/rules":
            return {"groups": []}
        return None

    with serving(route) as url:
        yield url


def _findings(tmp_path: Path, bounds: list[str], with_count: bool) -> list[str]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "rpc.yaml").write_text(SPEC)
    with fake_prometheus(bounds, with_count) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [f.message for f in report.findings]


def test_a_histogram_without_count_whose_inf_bucket_counts_is_no_finding(tmp_path: Path) -> None:
    assert _findings(tmp_path, ["0.5", "1", "+Inf"], with_count=False) == []


@pytest.mark.parametrize("with_count", [True, False], ids=["count", "no-count"])
def test_without_an_inf_bucket_the_count_is_still_asked_for(tmp_path: Path, with_count: bool) -> None:
    found = _findings(tmp_path, ["0.5", "1"], with_count=with_count)
    assert any('has no le="+Inf" bucket' in m for m in found), found  # round 26's finding, either way
    missing = [m for m in found if "no series for rpc_duration_seconds_count" in m]
    assert len(missing) == (0 if with_count else 1), found
