"""`obsc verify` finds an SLO whose min_bad_events its traffic cannot reach in its page windows (round 39).

The floor counts failures and the windows are times: the platform's `min_bad_events: 100` at 0.005 req/s asks
more failures than a total outage holds in the 1h page window (18) or the 6h one (108 barely). Replayed with
promtool on the compiled rules (99.9%/30d, 1m steps, a total outage from 1h): the page came at 6h49m, 5h49m in,
and the error-rate page (3 failures in 5m) never fired. A fake Prometheus here answers the SLI's mean rate over
the last day, and one for every other query.
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

PLATFORM = sink_platform(before="defaults: {slo_alerts: {min_bad_events: 100}}\n")
SPEC = """\
apiVersion: obsc/v1
service: shop
team: shop
selector: {job: shop}
metrics: {requests: shop_requests_total, errors: 'shop_requests_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: inherited, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: own, objective: 99.9, sli: {errors: errors, total: requests}, min_bad_events: 500}
  - {name: quiet, objective: 99.9, sli: {errors: errors, total: requests}, min_bad_events: 10}
"""


@contextmanager
def fake_prometheus(per_second: str) -> Iterator[str]:
    """The SLI's day of traffic is `per_second` events a second; every other query answers one series of 1."""

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            value = per_second if expr.startswith("avg_over_time(sum(sum(rate(") and "[1d:5m]" in expr else "1"
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}
        if path.startswith("/api/v1/label/"):
            return ["shop_requests_total", "up"]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        yield url


def _findings(tmp_path: Path, per_second: str) -> list[tuple[int, int, str]]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "shop.yaml").write_text(SPEC)
    with fake_prometheus(per_second) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [(f.location.line, f.location.col, f.message) for f in report.findings if "min_bad_events" in f.message]


def test_a_floor_the_traffic_cannot_reach_is_found_at_the_slo(tmp_path: Path) -> None:
    found = _findings(tmp_path, "0.005")
    assert [(line, column) for line, column, _ in found] == [(8, 5), (9, 90)], found
    inherited, own = found[0][2], found[1][2]
    assert inherited.startswith(
        "SLO 'inherited': min_bad_events 100 (inherited: the platform's defaults.slo_alerts.min_bad_events, or the "
        "built-in 3) is more failures than its page windows hold at the last day's mean traffic (0.005 events/s, "
        "432 a day: 18 in 1h, 108 in 6h): a total outage pages only on the 6h/30m pair, once 100 have failed (5h34m "
        "in); set min_bad_events: 18 or less on this SLO"
    ), inherited
    assert "SLO 'own': min_bad_events 500 is more failures than" in own
    assert ": even a total outage never pages; set min_bad_events: 18 or less" in own


@pytest.mark.parametrize("per_second", ["10", "0", "NaN"])
def test_a_floor_the_traffic_reaches_or_no_traffic_is_no_finding(tmp_path: Path, per_second: str) -> None:
    assert _findings(tmp_path, per_second) == []
