"""Where verify's per-group event floor stops (round 40, compiler/verify/group_floor.py), on a fake Prometheus that
answers the grouped mean-rate query with the groups given: the busiest three of the groups that cannot page are
named and the rest counted, a group under one event a day is left out, a grouped raw SLI's total is summed by its
groups, and a grouped SLO whose every group reaches the floor, or that has no traffic, says nothing. The real
server's answers: tests/test_verify_recorded_floor.py."""

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
targets: false
metrics: {requests: shop_requests_total, errors: 'shop_requests_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: tenants, objective: 99.9, by: [tenant], sli: {errors: errors, total: requests}, min_bad_events: 100}
  - name: raw
    objective: 99.9
    by: [tenant]
    sli:
      raw:
        errors: sum by (tenant) (rate(shop_requests_total{$selector, code=~"5.."}[$window]))
        total: sum by (tenant) (rate(shop_requests_total{$selector}[$window]))
"""


@contextmanager
def fake_prometheus(groups: dict[str, str], asked: list[str]) -> Iterator[str]:
    """Each grouped mean is `groups` ({tenant: events/s}); every other query answers one series of 1."""

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            if expr.startswith("sum_over_time("):
                asked.append(expr)
                series = [{"metric": {"tenant": t} if t else {}, "value": [0, v]} for t, v in groups.items()]
                return {"resultType": "vector", "result": series}
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return ["shop_requests_total", "up"]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        yield url


def _floor(tmp_path: Path, groups: dict[str, str]) -> tuple[list[tuple[int, str]], list[str]]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "shop.yaml").write_text(SPEC)
    asked: list[str] = []
    with fake_prometheus(groups, asked) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [(f.location.line, f.message) for f in report.findings if "min_bad_events" in f.message]
    return found, asked


def test_the_busiest_three_that_cannot_page_are_named_and_idle_groups_left_out(tmp_path: Path) -> None:
    tenants = {"big": "50", "a": "0.02", "b": "0.01", "c": "0.004", "d": "0.001", "e": "0.0000001", "": "0.003"}
    found, asked = _floor(tmp_path, tenants)
    assert [line for line, _ in found] == [9, 10], found  # the SLO's own min_bad_events; the raw one's SLO
    own = found[0][1]
    assert own == (
        "SLO 'tenants': min_bad_events 100 is more failures than the 1h page window holds for 5 of its 6 `tenant` "
        "groups (1 with under one event a day left out) at the last day's mean traffic, busiest first: "
        'tenant="a" 0.02 events/s, 72 in 1h: pages only on the 6h/30m pair (1h24m in); tenant="b" 0.01 events/s, '
        '36 in 1h: pages only on the 6h/30m pair (2h47m in); tenant="c" 0.004 events/s, 14.4 in 1h: a total '
        "outage never pages; and 2 quieter; set min_bad_events: 3 or less on this SLO (0: no floor), or give the "
        "quiet groups an SLO of their own"
    ), own
    assert "(inherited: the platform's" in found[1][1]
    # one query per SLO; a raw total, which keeps its groups but is not summed by them, is summed by them here
    assert len(asked) == 2
    assert asked[1].startswith("sum_over_time(sum by (tenant)((sum by (tenant) (rate(shop_requests_total{job="), asked
    assert asked[1].endswith("[1d:5m]))"), asked


@pytest.mark.parametrize(
    "groups", [{"a": "0.03", "b": "10"}, {"a": "0", "b": "NaN"}, {}], ids=["all-reach", "idle", "no-traffic"]
)
def test_groups_that_all_reach_the_floor_or_have_no_traffic_say_nothing(tmp_path: Path, groups: dict[str, str]) -> None:
    assert _floor(tmp_path, groups)[0] == []
