"""Drawn incidents (tests/drawn_incidents.py) replayed with promtool keep the invariants of the SLO math. The sweep
(`make drawn-incidents SEEDS=1-100`) runs outside `make test`; this keeps the drawer, the series it builds and the
judge working on a few seeds, each replayed two hours past its incident rather than seven."""

from __future__ import annotations

from tests.conftest import require_tool
from tests.drawn_incidents import draw, run_seed, violations


def test_drawn_incidents_keep_the_invariants() -> None:
    require_tool("promtool")
    # 13: a raw SLI crash-looping for 3 hours (resets every 4 minutes) pages in time, once;
    # 27: a probe failing for 90 minutes pages within 8 minutes (time slices);
    # 26: a deploy (a new instance, its counters from 0) of a latency SLO at 1 req/s never pages nor tickets
    for seed in (13, 27, 26):
        _, what, found = run_seed(seed, keep=None, tail=120)
        assert found == [], what


def test_the_judge_sees_a_page_and_a_missing_one() -> None:
    case = draw(27)
    assert case.describe() == draw(27).describe()
    quiet = {
        m: {"SLOErrorBudgetBurnFast": 0, "SLOErrorBudgetBurnSlow": 0, "SLODataMissing": 0, "ServiceDown": 0}
        for m in range(case.length)
    }
    assert violations(case, quiet) == [f"outage paged at neverm, promised by {case.start + 8}m"]
