"""A time-slice SLI over a blackbox gauge that a failed probe passes (round 48, an eighth fleet nobody here wrote).

A newcomer's storefront probe had three SLOs: `probe_success == 1`, `probe_http_status_code < 500` ("no server
errors") and `probe_duration_seconds < 1` ("fast"). A refused connection leaves the status at 0 and the duration at
a few milliseconds: replayed below with promtool, an hour of every probe failing paged only the first. Now the
other two are warned of at their `good_when`."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.probe_readings import failed_probe_warnings
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = (
    "apiVersion: obsc/v1\nservice: shop-probe\nteam: core\ntargets: false\n"
    'selector: {job: blackbox, instance: "https://shop.example.com/"}\n'
    "metrics:\n"
    "  probe_ok: {selector: probe_success, type: gauge, aggregation: min}\n"
    "  status: {selector: probe_http_status_code, type: gauge, aggregation: max}\n"
    "  probe_time: {selector: probe_duration_seconds, type: gauge, aggregation: max, unit: s}\n"
)
SLO = "slos: [{name: %s, objective: 99.9, sli: {good_when: %s}}]\n"


def _warnings(tmp_path: Path, condition: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "probe.yaml").write_text(HEAD + SLO % ("endpoint", condition))
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in failed_probe_warnings(fleet.services)]


@pytest.mark.parametrize(
    "condition", ["status < 500", "status <= 499", "status != 503", "probe_time < 1", "probe_ok >= 0", "status <= 0"]
)
def test_a_condition_a_failed_probe_passes_is_warned_of_at_good_when(tmp_path: Path, condition: str) -> None:
    found = _warnings(tmp_path, condition)
    assert len(found) == 1, found
    assert (
        found[0].startswith(f"{tmp_path / 'probe.yaml'}:") and " $.slos[0].sli.good_when: SLO 'endpoint': " in found[0]
    )
    assert "holds at 0" in found[0] and "an unreachable endpoint reads as good slices" in found[0]


@pytest.mark.parametrize("condition", ["probe_ok == 1", "status == 200", "status >= 200", "probe_time > 0"])
def test_a_condition_a_failed_probe_fails_is_not_warned_of(tmp_path: Path, condition: str) -> None:
    assert _warnings(tmp_path, condition) == []


def test_a_gauge_of_no_prober_is_not_warned_of(tmp_path: Path) -> None:
    # a queue's depth under a line holds at 0 too, and an empty queue is good: only a prober's gauges are judged
    (tmp_path / "platform.yaml").write_text(sink_platform())
    spec = "apiVersion: obsc/v1\nservice: queue\nteam: core\nselector: {job: queue}\n"
    spec += "metrics:\n  depth: {selector: queue_depth, type: gauge, aggregation: max}\n"
    (tmp_path / "queue.yaml").write_text(spec + SLO % ("short", "depth < 100"))
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    assert failed_probe_warnings(fleet.services) == []


ALERT = "threshold_alerts: [{name: ShopProbeAlert, metric: %s, %s, tier: critical}]\n"


@pytest.mark.parametrize(
    ("metric", "line", "warned"),
    [
        ("status", "above: 499", True),
        ("probe_time", "above: 2s", True),
        ("status", "above: 0", True),  # 0 is not above 0 (a hand mutant of round 48 read only lines above 0)
        ("probe_ok", "below: 1", False),
        ("status", "below: 200", False),  # a failed probe's 0 is under it: the alert fires
    ],
    ids=["status-above", "duration-above", "status-above-0", "success-below", "status-below"],
)
def test_a_threshold_alert_a_failed_probe_keeps_quiet_is_warned_of(
    tmp_path: Path, metric: str, line: str, warned: bool
) -> None:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "probe.yaml").write_text(HEAD + ALERT % (metric, line))
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    found = [str(d) for d in failed_probe_warnings(fleet.services)]
    assert len(found) == int(warned), found
    if warned:
        assert " $.threshold_alerts[0]: ShopProbeAlert fires above " in found[0]
        assert "an unreachable endpoint keeps this alert quiet" in found[0]


def test_an_unreachable_endpoint_pages_only_by_probe_success(tmp_path: Path) -> None:
    require_tool("promtool")
    # A probe every minute: 3 healthy hours (200, 0.2s), then an hour of refused connections (status 0, 3ms).
    # probe_success pages both pairs of the one incident (2).
    at = 'instance="https://shop.example.com/",job="blackbox"'
    series = {
        f"probe_success{{{at}}}": "1x180 0x60",
        f"probe_http_status_code{{{at}}}": "200x180 0x60",
        f"probe_duration_seconds{{{at}}}": "0.2x180 0.003x60",
    }
    for name, condition, pages in (
        ("up", "probe_ok == 1", 2),
        ("ok", "status < 500", 0),
        ("fast", "probe_time < 1", 0),
    ):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "shop-probe", HEAD + SLO % (name, condition))
        checks = [_firing("SLOErrorBudgetBurnFast", "200m", pages), _firing("SLODataMissing", "200m", 0)]
        assert _promtool(folder, rules, "shop-probe", series, checks) == "", name
