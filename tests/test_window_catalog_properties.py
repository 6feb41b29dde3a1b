"""A platform's own burn-window catalog, written as a newcomer might: periods, pairs, factors or budget
shares, `for` and `keep_firing_for`, with ratio and latency SLOs and any min_bad_events.

Either the platform is refused at its lines (exit 2), or the compile passes its own promtool tests,
amtool and the lint. A search like this found, in round 7: the raw-counter case checking windows the
catalog does not record or shorter than two of its samples, the hand-over case with shared windows, with
a long keep_firing_for or a second pair's `for`, and "healthy" traffic that spent the budget (all fixed;
each is an explicit example below). One promtool run per example that compiles: a few per run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import FULL
from tests.tool_property_helpers import REQUESTS, SERVICE, platform, refused_or_passes, tool_settings

EXAMPLES = int(os.environ.get("OBSC_CATALOG_EXAMPLES", "40" if FULL else "4"))
WINDOWS = ["30s", "1m", "2m", "5m", "10m", "30m", "1h", "2h", "3h", "6h", "12h", "1d", "2d", "3d", "6d"]
HOLDS = ["0s", "1m", "2m", "5m", "15m", "30m", "1h", "2h", "6h"]


@st.composite
def pairs(draw: st.DrawFn, index: int) -> dict[str, Any]:
    long = draw(st.integers(1, len(WINDOWS) - 1))
    row: dict[str, Any] = {
        "tier": draw(st.sampled_from(["critical", "warning"])),
        "name": f"w{index}",
        "long": WINDOWS[long],
        "short": WINDOWS[draw(st.integers(0, long - 1))],
    }
    if draw(st.integers(0, 3)):
        row["factor"] = draw(st.sampled_from([1, 1.5, 2, 3, 6, 10, 14.4, 30]))
    else:
        row["budget_share"] = draw(st.sampled_from(["2%", "5%", "10%", "50%", "100%"]))
    for key in ("for", "keep_firing_for"):
        if draw(st.booleans()):
            row[key] = draw(st.sampled_from(HOLDS))
    return row


@st.composite
def fleets(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    period = draw(st.sampled_from(["7d", "28d", "30d"]))
    rows = [draw(pairs(i)) for i in range(draw(st.integers(1, 4)))]
    latency = draw(st.booleans())
    slo = {
        "name": "s",
        "objective": draw(st.sampled_from([95, 99, 99.9, 99.95])),
        "period": period,
        "sli": {"latency": "latency", "threshold": "300ms"} if latency else {"errors": "errors", "total": "requests"},
        "min_bad_events": draw(st.sampled_from([0, 1, 10, 100])),
    }
    return rows and {period: rows}, slo


def _spec(slo: dict[str, Any]) -> dict[str, Any]:
    return {**SERVICE, "metrics": {**REQUESTS, "latency": "lat_seconds"}, "slos": [slo]}


def _found(rows: list[dict[str, Any]], period: str = "30d", **slo: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    base = {"name": "s", "objective": 99, "period": period, "sli": {"errors": "errors", "total": "requests"}}
    return {period: rows}, {**base, **slo}


W = "warning"


@tool_settings(EXAMPLES)
@given(fleet=fleets())
@example(fleet=_found([{"tier": "critical", "name": "w0", "long": "5m", "short": "2m", "factor": 20}], "7d"))
@example(fleet=_found([{"tier": "critical", "name": "w0", "long": "1m", "short": "30s", "factor": 20}], "7d"))
@example(  # the 3h window stops for one pair and burns for the other
    fleet=_found(
        [
            {"tier": W, "name": "w0", "long": "1d", "short": "3h", "factor": 1, "for": "1h"},
            {"tier": W, "name": "w2", "long": "3h", "short": "10m", "budget_share": "5%", "keep_firing_for": "2h"},
        ],
        "7d",
        min_bad_events=10,
    )
)
@example(  # kept firing past the step after the hand-over; the second pair fires at once, or after its `for`
    fleet=_found(
        [
            {"tier": W, "name": "w0", "long": "2d", "short": "6h", "factor": 10, "for": "1h"},
            {"tier": W, "name": "w1", "long": "3h", "short": "30m", "factor": 2, "keep_firing_for": "2h"},
            {"tier": W, "name": "w2", "long": "1h", "short": "5m", "budget_share": "50%", "keep_firing_for": "5m"},
        ],
        objective=95,
    )
)
@example(fleet=_found([{"tier": W, "name": "w0", "long": "3h", "short": "5m", "factor": 2}], objective=95))
@example(  # the 6h/2h pair's derived bridge keeps it firing past the hand-over back (a `for` past its windows)
    fleet=_found(
        [
            {
                "tier": "critical",
                "name": "w0",
                "long": "5m",
                "short": "1m",
                "factor": 3,
                "for": "6h",
                "keep_firing_for": "0s",
            },
            {"tier": W, "name": "w1", "long": "3d", "short": "3h", "factor": 1, "for": "6h", "keep_firing_for": "30m"},
            {"tier": W, "name": "w2", "long": "6h", "short": "2h", "factor": 2, "for": "6h"},
        ],
        min_bad_events=10,
    )
)
@example(  # a third ticket pair reads the hand-over's windows (its 1h short window is the first pair's long one)
    fleet=_found(
        [
            {"tier": W, "name": "w0", "long": "1h", "short": "30m", "factor": 30, "for": "30m"},
            {"tier": W, "name": "w1", "long": "2d", "short": "6h", "budget_share": "100%", "for": "15m"},
            {"tier": W, "name": "w2", "long": "3d", "short": "1h", "budget_share": "50%", "for": "1h"},
        ],
        min_bad_events=0,
    )
)
@example(  # a hunt's catalog: the fast pair's keep_firing_for (35m) outlives the 30m step before it burns again
    fleet=_found(
        [
            {"tier": "critical", "name": "fast", "long": "2h", "short": "5m", "budget_share": "2%", "for": "2m"},
            {"tier": "critical", "name": "daily", "long": "1d", "short": "1h", "budget_share": "20%", "for": "30m"},
            {"tier": W, "name": "slowest", "long": "3d", "short": "6h", "budget_share": "10%", "for": "5m"},
        ],
        objective=99.9,
    )
)
@example(  # a page whose 2h short window the hand-over case never feeds: its no-events branch holds, never starts
    fleet=_found(
        [
            {"tier": "critical", "name": "w0", "long": "3h", "short": "10m", "factor": 14.4},
            {"tier": "critical", "name": "w1", "long": "3d", "short": "6h", "factor": 14.4},
            {"tier": "critical", "name": "w2", "long": "3d", "short": "2h", "factor": 1, "for": "15m"},
        ],
        "7d",
        objective=99.95,
        sli={"latency": "latency", "threshold": "300ms"},
        min_bad_events=0,
    )
)
@example(  # an unheld lane's no-events branch: lane-1's short window over its line must not complete it (lanes)
    fleet=_found(
        [
            {"tier": W, "name": "w0", "long": "6h", "short": "3h", "factor": 6, "for": "1h"},
            {"tier": W, "name": "w1", "long": "10m", "short": "2m", "factor": 10},
            {"tier": W, "name": "w2", "long": "3h", "short": "5m", "factor": 2, "for": "2h"},
        ],
        "7d",
        objective=99.95,
        min_bad_events=0,
    )
)
@example(  # a page whose short window is in the coarse tier (3d): its holds case fed that window's events, which the
    # coarse tier never reads (it records the 3d ratio from its 5m base), so the case expected it at 0s in vain
    fleet=_found(
        [
            {
                "tier": "critical",
                "name": "w0",
                "long": "1h",
                "short": "30m",
                "budget_share": "50%",
                "keep_firing_for": "1h",
            },
            {"tier": "critical", "name": "w1", "long": "1m", "short": "30s", "factor": 3, "for": "2m"},
            {"tier": W, "name": "w2", "long": "1d", "short": "10m", "factor": 1, "for": "6h"},
            {"tier": "critical", "name": "w3", "long": "6d", "short": "3d", "factor": 2},
        ],
        min_bad_events=1,
    )
)
def test_a_catalog_is_refused_where_written_or_passes_its_own_tests(
    fleet: tuple[dict[str, Any], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    windows, slo = fleet
    # 15s scrapes: the drawn 30s and 1m windows still hold two samples, so their rules are tested, not refused
    refused_or_passes(capsys, _spec(slo), platform({"slo_alerts": {"scrape_interval": "15s", "windows": windows}}))
