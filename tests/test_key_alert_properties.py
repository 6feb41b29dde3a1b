"""Key-metric alerts configured as a newcomer might: every kind, random tiers, thresholds and `for` values.

Either `obsc validate` refuses the spec (exit 2, every line located), or `obsc compile` writes it with
promtool (check and the generated tests), amtool and the Grafana lint passing. Before round 7 a valid
`for` on an event notice (a rollout, a new error type, a traffic high) or a disk horizon of 1-2h with
the default `for` compiled into promtool tests that failed: the user could not compile at all.
One promtool run per example: a handful of examples (more with OBSC_TEST_FULL), plus the cases found.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import FULL
from tests.tool_property_helpers import REQUESTS, SERVICE, platform, refused_or_passes, tool_settings

EXAMPLES = int(os.environ.get("OBSC_KEY_ALERT_EXAMPLES", "24" if FULL else "3"))

HOLDS = ["0s", "1m", "5m", "15m", "29m", "30m", "31m", "45m", "1h", "2h", "12h", "1d", "3d"]
THRESHOLDS: dict[str, list[Any]] = {
    "error_rate": ["0.5%", "2%", "10%", "50%"],
    "latency_p99": ["100ms", "800ms", "2s", "30s"],
    "cpu": ["50%", "80%", "95%"],
    "memory": ["50%", "80%", "95%"],
    "disk": ["70%", "90%"],
    "disk_full": ["30m", "1h", "2h", "4h", "1d", "3d"],
    "traffic_anomaly": ["20%", "50%", "200%"],
}
FLAGS = ["service_down", "deployment", "new_error_type", "traffic_milestone"]
TIERS = ["critical", "warning", "info"]

BASE: dict[str, Any] = {
    **SERVICE,
    "metrics": {
        **REQUESTS,
        "latency": "http_request_duration_seconds",
        "build_info": "app_build_info",
        "cpu": "sum(rate(process_cpu_seconds_total{$selector}[$window]))",
        "memory": "sum(process_resident_memory_bytes{$selector}) / sum(node_memory_MemTotal_bytes{$selector})",
        "disk": "1 - sum(node_filesystem_avail_bytes{$selector}) / sum(node_filesystem_size_bytes{$selector})",
    },
}


@st.composite
def tier_values(draw: st.DrawFn, kind: str) -> Any:
    """One tier's value: the bare threshold (or `true` for a flag), or {threshold, for}."""
    threshold = True if kind in FLAGS else draw(st.sampled_from(THRESHOLDS[kind]))
    if draw(st.booleans()):
        return threshold
    return {"threshold": threshold, "for": draw(st.sampled_from(HOLDS))}


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from([*THRESHOLDS, *FLAGS]), min_size=1, max_size=4, unique=True))
    alerts: dict[str, Any] = {}
    for kind in kinds:
        tiers = draw(st.lists(st.sampled_from(TIERS), min_size=1, max_size=2, unique=True))
        alerts[kind] = {tier: draw(tier_values(kind)) for tier in tiers}
    return {**BASE, "alerts": alerts}


def _with(alerts: dict[str, Any]) -> dict[str, Any]:
    return {**BASE, "alerts": alerts}


@tool_settings(EXAMPLES)
@given(spec=specs())
@example(spec=_with({"traffic_milestone": {"info": {"for": "10m"}}, "new_error_type": {"info": {"for": "30m"}}}))
@example(spec=_with({"deployment": {"info": {"for": "30m"}}, "disk_full": {"warning": "2h", "critical": "1h"}}))
@example(spec=_with({"disk_full": {"warning": {"threshold": "1d", "for": "12h"}, "info": "30m"}}))
def test_key_alerts_either_refused_where_written_or_pass_promtool(
    spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    refused_or_passes(capsys, spec, platform())
