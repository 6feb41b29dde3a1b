"""A platform that declares an evaluation interval other than 1m gets its rules tested at that interval.

Round 50 made the relayed ServiceDown's read of its relay's page span the declared interval (`[11m]` at 5m, `[20m]`
since), yet every generated test ran at 1m steps and fed the relay's page as a steady 1: the old fixed `[3m]` passed
them all (selftest51). `<service>.interval.test.yaml` now evaluates every hold and the relay's page, written every
interval just after the held group's evaluation, from a start to a stop, at the declared interval.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from compiler.model.units import format_duration
from compiler.targets.prometheus.relay_quiet import relay_lookback_seconds
from tests.conftest import require_tool
from tests.relay_specs import CART, COLLECTOR
from tests.routing_oracle import compile_fleet
from tests.test_relay_quiet_slow_evaluation import PLATFORM  # teams web and obs, `slo_alerts` set per test


def _compiled(tmp_path: Path, setting: str) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "platform.yaml").write_text(PLATFORM.format(setting=setting))
    (folder / "cart.yaml").write_text(CART)
    (folder / "otel-collector.yaml").write_text(COLLECTOR)
    out = tmp_path / "out"
    done = compile_fleet(folder, out)
    assert done.returncode == 0, done.stderr
    return out / "prometheus"


def _promtool(promtool: str, test: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("setting", "every"), [("evaluation_interval: 5m", "5m"), ("evaluation_interval: 30s", "30s")])
def test_the_rules_are_tested_at_the_declared_interval(tmp_path: Path, setting: str, every: str) -> None:
    promtool = require_tool("promtool")
    tests = _compiled(tmp_path, setting) / "tests"
    for service in ("cart", "otel-collector"):
        test = tests / f"{service}.interval.test.yaml"
        assert f'\nevaluation_interval: "{every}"\n' in test.read_text()
        done = _promtool(promtool, test)
        assert done.returncode == 0, done.stdout + done.stderr
    relayed = (tests / "cart.interval.test.yaml").read_text()
    assert f"the relay's page written every {every} from " in relayed  # a page that starts and stops
    assert "holds: " in relayed and "ServiceDown" in relayed


def test_the_old_fixed_relay_read_fails_at_5m_where_the_1m_files_pass(tmp_path: Path) -> None:
    """lookback50's bug planted back: cart reads the collector's page over 3m. Only the declared interval sees it."""
    promtool = require_tool("promtool")
    out = _compiled(tmp_path, "evaluation_interval: 5m")
    rules = out / "rules" / "cart.yaml"
    text, read = rules.read_text(), f"}}[{format_duration(relay_lookback_seconds(300))}]))"
    assert text.count(read) == 1
    rules.write_text(text.replace(read, "}[3m]))"))
    failed = _promtool(promtool, out / "tests" / "cart.interval.test.yaml")
    assert failed.returncode != 0
    assert "the relay's page written every 5m" in failed.stdout + failed.stderr
    for one in sorted((out / "tests").glob("cart.*test.yaml")):
        if one.name != "cart.interval.test.yaml":
            done = _promtool(promtool, one)
            assert done.returncode == 0, one.name + done.stdout + done.stderr


@pytest.mark.parametrize("setting", ["", "evaluation_interval: 1m", "evaluation_interval: 60s"])
def test_a_1m_platform_gets_no_interval_file(tmp_path: Path, setting: str) -> None:
    tests = _compiled(tmp_path, setting) / "tests"
    assert sorted(p.name for p in tests.glob("*.interval.test.yaml")) == []
    assert (tests / "cart.test.yaml").exists()
