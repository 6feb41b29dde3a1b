"""The long file's traffic cases beside a ServiceDown held for hours (round 54, longtraffic54).

The traffic cases keep ServiceDown quiet by feeding `up`, written at the long file's 12h steps. Past a 3h hold,
ServiceDown's churn branch reads a target seen once in 12h as a crash loop (its guard, two to four holds back,
reaches a sample), so it fired, and the anomaly's drops it holds back went quiet where the case expected tickets:
with a 4h hold, api.long.test.yaml failed promtool at 7d12h (lanes traffic-4 and traffic-9). Now the anomaly's
comparisons run at 4m steps there, `up` at every sample, and the long file passes. Such a case runs in a group of
its own: merged beside the 12h error-types case (without a milestone case before it), it was read at 12h steps.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import yaml

from compiler.api import compile_specs
from compiler.targets.prometheus.promtool import traffic_cases as traffic_cases_module
from tests.conftest import require_tool
from tests.relay_specs import CART, COLLECTOR
from tests.test_group_down import API, PLATFORM
from tests.test_relay_traffic_one_notification import PLATFORM as RELAY_PLATFORM

ROOT = Path(__file__).resolve().parent.parent


def _long(tmp_path: Path, hold: str, milestone: bool = True) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    alerts = f"alerts:\n  service_down: {{critical: {{threshold: true, for: {hold}}}}}\n"
    alerts += "" if milestone else "  traffic_milestone: false\n"
    (specs / "api.yaml").write_text(API.replace("BY", "cluster") + alerts)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate", "-q"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return out / "prometheus" / "tests" / "api.long.test.yaml"


@pytest.mark.parametrize(("hold", "milestone"), [("4h", True), ("4h", False), ("1d", True)])
def test_the_long_file_passes_promtool_under_a_long_down_hold(tmp_path: Path, hold: str, milestone: bool) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    long = _long(tmp_path, hold, milestone)
    tests = yaml.safe_load(long.read_text())["tests"]
    drops = [
        t
        for t in tests
        for check in t.get("alert_rule_test", [])
        for alert in check.get("exp_alerts") or []
        if alert["exp_labels"].get("obsc_lane") in ("traffic-4", "traffic-9")
    ]
    assert drops, "no drop expected to ticket"  # the case still checks the drops that ServiceDown holds back
    run = subprocess.run([promtool, "test", "rules", str(long)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_a_short_down_hold_keeps_the_long_file_at_its_steps(tmp_path: Path) -> None:
    """Up to 2h the 12h `up` reads as up (no guard reaches a sample): the cases stay as they were."""
    long = _long(tmp_path, "2h")
    assert {t["interval"] for t in yaml.safe_load(long.read_text())["tests"]} == {"12h"}


def test_comparisons_one_after_another_pass_promtool_under_a_long_down_hold(tmp_path: Path) -> None:
    """The fallback when lanes could mix (traffic_cases.lane_safe) at a 4h hold: its comparisons, resampled to 4m,
    span two weeks and more, and still pass."""
    promtool = require_tool("promtool", "PROMTOOL")
    with mock.patch.object(traffic_cases_module, "lane_safe", lambda rules: False):
        specs = tmp_path / "specs"
        specs.mkdir()
        (specs / "platform.yaml").write_text(PLATFORM)
        hold = "alerts:\n  service_down: {critical: {threshold: true, for: 4h}}\n"
        (specs / "api.yaml").write_text(API.replace("BY", "cluster") + hold)
        artifacts = compile_specs([str(specs)]).bundle.artifacts
    long = next(a for a in artifacts if a.path.endswith("api.long.test.yaml"))
    tests = yaml.safe_load(long.content)["tests"]
    assert "4m" in {t["interval"] for t in tests} and not any("a lane each" in t["name"] for t in tests)
    out = tmp_path / "out"
    for artifact in artifacts:
        if artifact.path.startswith("prometheus/"):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_text(artifact.content)
    run = subprocess.run(
        [promtool, "test", "rules", "tests/api.long.test.yaml"],
        cwd=out / "prometheus",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_the_relay_case_tells_the_relays_page_under_a_long_down_hold(tmp_path: Path) -> None:
    """cart behind its relay (`relay:`), ServiceDown held 4h: the long file passes, and its relay case needs the
    relay's page to stay quiet. Fed `up` every 12h, cart's own ServiceDown fired there too and held the drop back
    without the relay's page (main's code: the case passed with the page's series taken out)."""
    promtool = require_tool("promtool", "PROMTOOL")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(RELAY_PLATFORM)
    (specs / "cart.yaml").write_text(CART + "alerts:\n  service_down: {critical: {threshold: true, for: 4h}}\n")
    (specs / "otel-collector.yaml").write_text(COLLECTOR)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate", "-q"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    tests_dir = out / "prometheus" / "tests"

    def promtool_on(suite: dict[str, object]) -> subprocess.CompletedProcess[str]:
        path = tests_dir / "focused.test.yaml"
        path.write_text(yaml.safe_dump(suite))
        return subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=600)

    suite = yaml.safe_load((tests_dir / "cart.long.test.yaml").read_text())
    done = promtool_on(suite)
    assert done.returncode == 0, done.stdout[-3000:]
    relay = [t for t in suite["tests"] if "while the relay's" in t["name"]]
    assert len(relay) == 1
    relay[0]["input_series"] = [s for s in relay[0]["input_series"] if not s["series"].startswith("ALERTS")]
    suite["tests"] = relay
    assert promtool_on(suite).returncode != 0, "the relay case stays quiet without the relay's page"
