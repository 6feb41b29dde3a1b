"""A long offset in a spec's PromQL does not make promtool's run of the generated tests last for hours.

Found by a hunt (round 26, a hostile contributor against the fleet's CI): the data-missing scenarios of a service
run in turn on one timeline, spaced by the longest range and offset their alerts read, and promtool evaluates
every rule of the file at every step of it. `offset 1y` in a raw `error_ratio` made a year of steps: 222 s for
one test file (1w: 3 s, 10w: 27 s; linear), `offset 99y` hours, so every validated compile of the fleet ran
into the tool timeout and failed. Past a day of reach the scenarios now run in groups of their own (and since round
41 no query reaches past 366d).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.model.units import parse_duration
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)


def _compiled(tmp_path: Path, capsys: pytest.CaptureFixture[str], offset: str) -> Path:
    tmp_path = tmp_path / offset
    ratio = (
        f"sum(rate(promo_failed_total{{$selector}}[$window] offset {offset})) / "
        "sum(rate(promo_total{$selector}[$window]))"
    )
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": {"requests": "promo_total"}}
    body |= {"slos": [{"name": "ratio", "objective": 99, "sli": {"raw": {"error_ratio": ratio}}}]}
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(_PLATFORM)
    (specs / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=1000))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert result.code == 0, result.err
    return out / "prometheus" / "tests"


def _last_eval_seconds(test_file: Path) -> int:
    data = yaml.safe_load(test_file.read_text())
    kinds = ("alert_rule_test", "promql_expr_test")
    checks = [check for group in data["tests"] for kind in kinds for check in group.get(kind, [])]
    return max(parse_duration(str(c["eval_time"])) for c in checks)


@pytest.mark.parametrize("offset", ["30d", "365d"])  # 365d + its 1d $window: the longest reach accepted (round 41)
def test_a_long_offset_keeps_the_generated_tests_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offset: str
) -> None:
    tests, short = _compiled(tmp_path, capsys, offset), _compiled(tmp_path, capsys, "5m")
    last = {f.name: _last_eval_seconds(f) for f in tests.glob("*.yaml")}
    # before: the data-missing timeline's last check at 365d1h30m (1y); `offset 99y` (36135d1h30m) is refused since
    # round 41 (tests/hostile/test_input_promql_lookback.py)
    assert last == {f.name: _last_eval_seconds(f) for f in short.glob("*.yaml")}


def test_a_long_offsets_tests_pass_promtool_in_seconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    promtool = require_tool("promtool")
    tests = _compiled(tmp_path, capsys, "1y")
    for test_file in sorted(tests.glob("*.yaml")):
        # before: 222 s for promo-web.test.yaml on this machine
        result = subprocess.run(
            [promtool, "test", "rules", test_file.name],
            cwd=tests,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
