"""tests/bench/lane_bounds.py: the fewest groups a set of parts can take, from the pairs that may share a group,
and a rich bench service's SLOs read through it (plan() never beats that bound)."""

from __future__ import annotations

from pathlib import Path

from tests.bench.fleet import write_fleet
from tests.bench.lane_bounds import bounds, fewest_groups, report


def test_fewest_groups_is_the_largest_set_no_two_of_which_fit() -> None:
    assert fewest_groups(3, set()) == 3
    assert fewest_groups(3, {(0, 1)}) == 2
    # a path 0-1-2-3: {0, 2} or {1, 3} apart, and two groups ({0, 1}, {2, 3}) hold them
    assert fewest_groups(4, {(0, 1), (1, 2), (2, 3)}) == 2
    # a star around 0: 1, 2 and 3 may not share
    assert fewest_groups(4, {(0, 1), (0, 2), (0, 3)}) == 3


def test_a_rich_service_is_read_per_slo(tmp_path: Path) -> None:
    rows = bounds(str(write_fleet(tmp_path, 1, rich=True)), "svc-0000")
    assert [r["slo"] for r in rows] == ["availability", "latency", "jobs"]
    for r in rows:
        busiest = r["busiest"]
        assert isinstance(busiest, tuple)
        assert r["parts"] >= busiest[1]  # no part holds two states of one window
        assert r["groups"] >= r["fewest"]  # type: ignore[operator]
    assert "fewest groups" in report(rows)
