"""`obsc verify` reads how often a relabelled job is really scraped from the spacing of its `up` samples.

Round 30 needed three samples of a target in the 10 minutes it reads, so the slowest scrapes, those most
harmful (every 4m or 5m: two samples in 10 minutes), said nothing; the job named by a `job` label the config
does not know (Kubernetes' service monitors, an agent's remote write) then passed verify although its 5m rates
read nothing (found by the round 31 review). A fake Prometheus answers `up[10m]` with the given timestamps and
has no /api/v1/status/config, so only the spacing can tell.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from compiler.verify import VerifyOptions, verify
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

PLATFORM = sink_platform()
SPEC = """\
apiVersion: obsc/v1
service: shop
team: core
selector: {job: shop}
metrics:
  requests: shop_requests_total
  errors: shop_requests_total{code=~"5.."}
alerts: {traffic_anomaly: false}
slos: [{name: availability, objective: 99, sli: {errors: errors, total: requests}}]
"""
NOW = 1_700_000_000.0
TARGET = {"__name__": "up", "job": "shop", "instance": "10.0.0.7:8080"}


def _spacing_findings(tmp_path: Path, ages: list[int]) -> list[str]:
    """The scrape findings when the target's `up` samples are `ages` seconds old."""

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            if expr.startswith("up{") and expr.endswith("[10m]"):
                values = [[NOW - age, "1"] for age in sorted(ages, reverse=True)]
                return {"resultType": "matrix", "result": [{"metric": TARGET, "values": values}]}
            return {"resultType": "vector", "result": [{"metric": {"job": "shop"}, "value": [NOW, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return ["shop_requests_total", "up"]
        if path == "/api/v1/rules":
            return {"groups": []}
        return None  # no runtimeinfo, flags or config: a server that does not say

    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "shop.yaml").write_text(SPEC)
    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [f.message for f in report.findings if "scrape interval" in f.message]


@pytest.mark.parametrize(("ages", "every"), [([540, 240], "5m"), ([500, 260], "4m")], ids=["5m", "4m"])
def test_two_samples_in_ten_minutes_are_a_slow_scrape(tmp_path: Path, ages: list[int], every: str) -> None:
    found = _spacing_findings(tmp_path, ages)
    assert len(found) == 1, found
    assert f"10.0.0.7:8080 sampled every {every} (the median spacing of its up samples)" in found[0]


def test_a_target_scraped_as_declared_is_no_finding(tmp_path: Path) -> None:
    assert _spacing_findings(tmp_path, [120, 60]) == []
    assert _spacing_findings(tmp_path, [180, 120, 60, 0]) == []


def test_one_sample_says_nothing(tmp_path: Path) -> None:
    """A target that came up a moment ago, or one that went away: no spacing to read."""
    assert _spacing_findings(tmp_path, [30]) == []
