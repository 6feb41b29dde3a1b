"""The burn hand-over case states only what the rules do (found by the window-catalog property test, round 38).
A pair whose short window saw no events holds through its newest events only while its own alert is already
up (slo.py `_short_window_holds`): that branch keeps an alert and never starts one. The hand-over case never
feeds such a pair's short window, yet expected it to fire from the long window alone: a 3d/2h page at 1x beside
3h/10m and 3d/6h pages was expected at 30m and 1h, and `obsc compile` failed its own promtool test (exit 1).
The case now expects it quiet, and still fails when that branch starts the alert or the hand-over has a gap."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.targets.prometheus.promtool.cases import fires_at
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.tool_property_helpers import platform

SPEC = """apiVersion: obsc/v1
service: batch
team: payments
selector: {job: batch}
routing: {critical: fallback, warning: fallback, info: fallback}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}', latency: lat_seconds}
slos:
- {name: s, objective: 99.95, period: 7d, sli: {latency: latency, threshold: 300ms}, min_bad_events: 0}
"""
CATALOG = [
    {"tier": "critical", "name": "w0", "long": "3h", "short": "10m", "factor": 14.4},
    {"tier": "critical", "name": "w1", "long": "3d", "short": "6h", "factor": 14.4},
    {"tier": "critical", "name": "w2", "long": "3d", "short": "2h", "factor": 1, "for": "15m"},
]
TITLE = "hands over to 3d/6h"


def test_a_branch_that_reads_its_own_alert_keeps_one_and_never_starts_one() -> None:
    never = [False] * 6
    assert fires_at(never, 900, 0, 1800, held=[True] * 6) == never
    # up at 0 and 30m on its own condition, then held by the branch alone: still firing
    assert fires_at([True, True, False, False], 0, 0, 1800, held=[False, False, True, True]) == [True] * 4
    assert fires_at([True, False, False], 0, 0, 1800, held=[False, False, True]) == [True, False, False]


def _compiled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    doc = platform({"slo_alerts": {"scrape_interval": "15s", "windows": {"7d": CATALOG}}})
    (specs / "platform.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (specs / "batch.yaml").write_text(SPEC)
    out = tmp_path / "out"
    built = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q")
    assert built.code == 0, built.err
    return out / "prometheus"


def _handover(tests: Path) -> dict[str, Any]:
    doc = yaml.safe_load((tests / "batch.test.yaml").read_text())
    return next(t for t in doc["tests"] if TITLE in t["name"])


def test_the_hand_over_case_expects_the_unfed_pair_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _handover(_compiled(tmp_path, capsys) / "tests")
    expected = {
        c["eval_time"]: [a["exp_labels"]["burn_window"] for a in c["exp_alerts"]] for c in case["alert_rule_test"]
    }
    # before: w2 expected at 30m, 1h, 1h30m, 2h and 2h30m, which promtool never saw
    assert expected == {"30m": ["w0"], "1h": ["w0", "w1"], "1h30m": ["w1"], "2h": ["w0", "w1"], "2h30m": ["w0"]}


def _mutated(rules: dict[str, Any], pair: str, change: str) -> dict[str, Any]:
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("labels", {}).get("burn_window") != pair:
                continue
            if change == "starts":  # the no-events branch no longer waits for the pair's own alert
                rule["expr"] = "\n".join(line for line in rule["expr"].split("\n") if "ALERTS" not in line)
            else:  # no keep_firing_for: a gap at the hand-over
                rule.pop("keep_firing_for")
    return rules


@pytest.mark.parametrize(("pair", "change"), [(None, ""), ("w2", "starts"), ("w0", "gap")])
def test_the_hand_over_case_fails_on_a_mutant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pair: str | None, change: str
) -> None:
    promtool = require_tool("promtool")
    prom = _compiled(tmp_path, capsys)
    doc = yaml.safe_load((prom / "tests" / "batch.test.yaml").read_text())
    (prom / "tests" / "one.test.yaml").write_text(yaml.safe_dump({**doc, "tests": [_handover(prom / "tests")]}))
    rules = prom / "rules" / "batch.yaml"
    if pair:
        rules.write_text(yaml.safe_dump(_mutated(yaml.safe_load(rules.read_text()), pair, change)))
    ran = subprocess.run([promtool, "test", "rules", "one.test.yaml"], cwd=prom / "tests", capture_output=True)
    assert (ran.returncode == 0) is (pair is None), ran.stdout.decode()[-2000:]
