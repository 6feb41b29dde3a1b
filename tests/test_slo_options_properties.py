"""SLOs written as a newcomer might: every SLI kind, objectives from 50 to 14 nines, periods from 1d to 90d,
`by:` groups (one a label the service selector pins, two nested), min_bad_events, per-tier alert switches and
budget_left, with and without scrape targets.

Either the spec is refused at its lines (exit 2), or it compiles with promtool, amtool and the lint
passing. A search like this found, in round 7 (each now an explicit example): with `targets: false`, a
grouped SLO's data-missing alert expected with group labels it cannot have, and SLOs of different periods
leaving groups where nobody predicted another SLO's data-missing alert; and two latency SLOs on one
histogram, one grouped, whose data-missing scenarios fed a series the grouped one read as a group of its own.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import FULL
from tests.tool_property_helpers import REQUESTS, SERVICE, platform, refused_or_passes, tool_settings

EXAMPLES = int(os.environ.get("OBSC_SLO_OPTION_EXAMPLES", "30" if FULL else "3"))
METRICS = {
    **REQUESTS,
    "latency": "http_request_duration_seconds",
    "good": 'http_requests_total{code!~"5.."}',
    "probe_ok": {"selector": "probe_success", "type": "gauge", "aggregation": "min"},
    "backup_done": {"selector": "backup_last_success_timestamp_seconds", "type": "gauge", "aggregation": "max"},
}
# requests as the latency histogram's `_count` (an OpenTelemetry service; round 40: its SLOs' stop and data-missing
# cases fed the count alone, or per group without buckets)
HISTOGRAM_COUNTS = {
    "requests": "http_request_duration_seconds_count",
    "errors": 'http_request_duration_seconds_count{code=~"5.."}',
    "good": 'http_request_duration_seconds_count{code!~"5.."}',
}
RATIO = (
    "sum(rate(http_requests_total{$selector,code=~'5..'}[$window]))"
    " / sum(rate(http_requests_total{$selector}[$window]))"
)
EVENTS = ("ratio", "good", "latency", "error_ratio")
# 12 and 14 nines: case values a few quanta of 15 decimals apart (round 39's drawn-spec sweep)
OBJECTIVES = [50, 90, 95, 99, 99.9, 99.95, 99.99, 99.999, 99.9999999999, 99.999999999999]


@st.composite
def slis(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    if kind == "ratio":
        return {"errors": "errors", "total": "requests"}
    if kind == "good":
        return {"good": "good", "total": "requests"}
    if kind == "latency":
        return {"latency": "latency", "threshold": draw(st.sampled_from(["300ms", "1s", "2500ms"]))}
    if kind == "error_ratio":
        return {"raw": {"error_ratio": RATIO}}
    if kind == "slices":
        return {"good_when": "probe_ok == 1"}
    fresh: dict[str, Any] = {"last_success": "backup_done", "max_age": draw(st.sampled_from(["26h", "1h", "10m"]))}
    if draw(st.booleans()):
        fresh["stale_alert"] = draw(st.sampled_from(["warning", "critical", False]))
    return fresh


@st.composite
def slos(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from([*EVENTS, "slices", "freshness"]))
    slo: dict[str, Any] = {
        "name": f"s{index}",
        "objective": draw(st.sampled_from(OBJECTIVES)),
        "sli": draw(slis(kind)),
    }
    if draw(st.booleans()):
        slo["period"] = draw(st.sampled_from(["1d", "7d", "14d", "28d", "30d", "90d"]))
    if kind in EVENTS and draw(st.booleans()):
        # ["job"]: a label the service selector pins to one value (round 39: its groups were fed values it never reads);
        # ["cluster"] beside ["tenant", "cluster"]: nested splits of ServiceDown (round 40: two pages, a failed case)
        slo["by"] = draw(st.sampled_from([["route"], ["tenant", "cluster"], ["job"], ["cluster"]]))
    if kind in (*EVENTS[:3], "slices", "freshness") and draw(st.booleans()):  # time slices: bad slices
        slo["min_bad_events"] = draw(st.sampled_from([0, 1, 5, 50]))
    if draw(st.booleans()):
        tiers = draw(st.lists(st.sampled_from(["critical", "warning", "info"]), unique=True))
        slo["alerts"] = {tier: draw(st.booleans()) for tier in tiers}
        if draw(st.booleans()):
            slo["alerts"]["budget_left"] = draw(st.sampled_from(["1%", "10%", "25%", "50%", "90%"]))
    return slo


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    metrics = {**METRICS, **HISTOGRAM_COUNTS} if draw(st.booleans()) else METRICS
    spec = {**SERVICE, "metrics": metrics, "slos": [draw(slos(i)) for i in range(draw(st.integers(1, 3)))]}
    return spec if draw(st.booleans()) else {**spec, "targets": False}


def _found(*slos: dict[str, Any], targets: bool = True) -> dict[str, Any]:
    spec = {**SERVICE, "metrics": METRICS, "slos": list(slos)}
    return spec if targets else {**spec, "targets": False}


LATENCY = {"latency": "latency", "threshold": "300ms"}
ERRORS = {"errors": "errors", "total": "requests"}


@tool_settings(EXAMPLES)
@given(spec=specs())
@example(spec=_found({"name": "s0", "objective": 99.9, "sli": ERRORS, "by": ["tenant"]}, targets=False))
@example(
    spec=_found(
        {"name": "s0", "objective": 99.9, "period": "1d", "sli": ERRORS},
        {"name": "s1", "objective": 99, "period": "30d", "sli": ERRORS, "min_bad_events": 5},
        targets=False,
    )
)
@example(
    spec=_found(
        {"name": "s0", "objective": 99, "period": "28d", "sli": LATENCY},
        {"name": "s1", "objective": 99, "sli": LATENCY, "by": ["tenant"]},
    )
)
@example(  # found by this test: the ticket hand-over fed the totals a freshness SLI records from its errors
    spec=_found(
        {
            "name": "s0",
            "objective": 99.999,
            "period": "14d",
            "sli": {"last_success": "backup_done", "max_age": "10m", "stale_alert": "warning"},
            "alerts": {"info": False},
        }
    )
)
@example(  # found by this test: the raw-counter case hosting the data-missing scenario with traffic fed the
    # requests an error-ratio SLI reads, and its alert was still expected there (predicted: no series of its own)
    spec=_found(
        {"name": "s0", "objective": 95, "sli": {"raw": {"error_ratio": RATIO}}, "period": "28d"},
        {
            "name": "s1",
            "objective": 99.9,
            "sli": {"good": "good", "total": "requests"},
            "period": "28d",
            "min_bad_events": 1,
        },
        {
            "name": "s2",
            "objective": 99,
            "sli": {"raw": {"error_ratio": RATIO}},
            "period": "28d",
            "alerts": {"info": True, "critical": True, "budget_left": "90%"},
        },
    )
)
@example(  # round 50's restart floor ended a page handed back from 6h/30m to 1h/5m (a 5m window holds ~8 of 50)
    spec=_found(
        {
            "name": "s0",
            "objective": 99.9,
            "period": "90d",
            "sli": {"good": "good", "total": "requests"},
            "min_bad_events": 50,
        },
        targets=False,
    )
)
def test_an_slo_is_refused_where_written_or_passes_its_own_tests(
    spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    refused_or_passes(capsys, spec, platform())
