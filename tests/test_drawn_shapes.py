"""Round 47's drawn scenarios (tests/drawn_incident_shapes.py): what the drawer reaches, the series it writes for a
rolling deploy, a restart mid-burn and a silent group, and the SRE verdict the judge holds the service's pages to.
The sweep (`make drawn-incidents SEEDS=4000-4069`) runs outside `make test`."""

from __future__ import annotations

import math

import pytest

from compiler import conventions as names
from tests.conftest import require_tool
from tests.drawn_incident_shapes import CRITICAL, SCENARIOS, expected, night50
from tests.drawn_incidents import Case, draw, run_seed, series, violations, weights


def test_seeds_from_4000_draw_every_scenario_with_its_verdict() -> None:
    drawn = [draw(seed, tail=60) for seed in range(4000, 4070)]
    assert {c.scenario for c in drawn} == set(SCENARIOS)
    gaps = [c.gap[1] for c in drawn if c.scenario == "long_gap"]
    assert gaps and min(gaps) >= 10 and max(gaps) <= 40
    assert all(c.start < m < c.end for c in drawn for m in c.resets)
    near = [c for c in drawn if c.scenario == "near_budget"]
    assert {c.rate for c in near} <= {0.01, 0.02, 0.05} and {c.k for c in near} == {1.0, 2.0}
    assert {expected(c) for c in drawn} == {"page once", "nothing", "no page"}
    silent = [c for c in drawn if c.scenario == "group_silent"]
    assert all(c.events[c.silent][c.start] is None and c.events[c.silent][c.start - 1] for c in silent)


def test_night_traffic_is_a_fiftieth_of_the_day() -> None:
    case = Case(4000, "ratio", 99.9, "30d", 50, "night50", "healthy")
    day, night = night50(case, case.start), night50(case, case.start + 720)
    assert day == 50 and math.isclose(night, 1)


def test_a_rolling_deploy_replaces_pods_one_by_one_counting_from_zero() -> None:
    """Three pods, one replaced every 5 minutes from 2h: each old pod's counters end in a staleness marker (none
    without markers), each new pod's start at its first minute's events (no promtool)."""
    case = Case(4000, "ratio", 99.9, "30d", 1, "flat", "healthy", minutes=30, tail=30, pods=3, roll_every=5)
    case.events = {"": [(60, 0)] * case.length}
    case.up = [1] * case.length
    written = series(case)
    old = written['app_requests_total{job="drawn",instance="p1-0",code="200"}'].split()
    assert old[124:127] == ["2500", "stale", "stale"] and set(old[127:]) == {"_"}
    new = written['app_requests_total{job="drawn",instance="p2-1",code="200"}'].split()
    assert set(new[:130]) == {"_"} and new[130:132] == ["20", "40"]
    assert written['up{job="drawn",instance="p0-1"}'].split()[120] == "1"
    case.stale_markers = False  # an agent remote-writing: the old pod's series just stop
    assert "stale" not in series(case)['app_requests_total{job="drawn",instance="p1-0",code="200"}']


def test_a_restart_mid_burn_resets_the_counters() -> None:
    case = Case(4000, "ratio", 99.9, "30d", 1, "flat", "outage", minutes=30, tail=30, resets=(130,))
    case.events = {"": [(60, 60 if 120 <= m < 150 else 0) for m in range(case.length)]}
    case.up = [1] * case.length
    failed = series(case)['app_requests_total{job="drawn",instance="a",code="500"}'].split()
    assert failed[129:132] == ["600", "60", "120"]


def _quiet(case: Case) -> dict[int, dict[str, int]]:
    return {m: dict.fromkeys(weights(case), 0) for m in range(case.length)}


def test_the_judge_asks_one_page_for_the_service() -> None:
    """A long scrape gap's outage paged, resolved and paged again: two pages where the SRE expects one; a
    `several` case's two SLOs paging together are one page (the critical notification group is up once)."""
    case = draw(next(s for s in range(4000, 4070) if draw(s).scenario == "long_gap" and draw(s).catalog == []))
    seen = _quiet(case)
    for m in seen:
        twice = case.start + 5 <= m < case.start + 20 or case.start + 40 <= m < case.end
        seen[m][CRITICAL] = seen[m][names.SLO_BURN_FAST] = int(twice)
    found = violations(case, seen)
    assert any(v.startswith("expected one page for the service, got 2") for v in found), found
    several = draw(next(s for s in range(4000, 4070) if draw(s).scenario == "several" and draw(s).catalog == []))
    seen = _quiet(several)
    for m in seen:
        seen[m][CRITICAL] = seen[m][names.SLO_BURN_FAST] = 2 * int(several.start + 4 <= m < several.end + 30)
    assert not [v for v in violations(several, seen) if "for the service" in v]


def test_the_judge_sees_a_page_for_a_silent_group() -> None:
    case = draw(next(s for s in range(4000, 4070) if draw(s).scenario == "group_silent" and draw(s).catalog == []))
    seen = _quiet(case)
    for m in range(case.start + 20, case.end):
        seen[m][CRITICAL] = seen[m][f"{names.SLO_BURN_FAST}/{case.silent}"] = 1
    assert f"expected no page, got [({case.start + 20}, {case.end - 1})]" in violations(case, seen)


@pytest.mark.parametrize("seed", [4042, 4057])
def test_a_rolling_deploy_through_an_outage_pages_once_and_a_silent_group_does_nothing(seed: int) -> None:
    """Seed 4042: 95%/14d at 50 req/s, three pods replaced every 10 minutes through a 90-minute outage: one page
    (142m on, full tail). Seed 4057: a `by: [region]` SLO whose `eu` group goes silent for 90 minutes while the
    other two are healthy: no page, no ticket (~3 CPU-s each, replayed an hour past the incident)."""
    require_tool("promtool")
    _, what, found = run_seed(seed, keep=None, tail=60)
    assert found == [], what
    assert ("BurnFast=[(" in what) == (seed == 4042), what
