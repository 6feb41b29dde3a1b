"""tests/bench/promtool_repeats.py counts a promtool input run again as a repeat, wherever its files lie, and a
changed byte of a test file or of a rule file it loads as a new input; the wrapper hands promtool's verdict back."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.bench.promtool_repeats import install, report, summarise
from tests.conftest import require_tool

RULES = """groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
"""
TEST = """rule_files:
  - rules.yaml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'up{job="a"}', values: '1x3'}
    promql_expr_test:
      - {expr: job:up:sum, eval_time: 2m, exp_samples: [{labels: 'job:up:sum{job="a"}', value: 1}]}
"""


def _case(folder: Path, rules: str = RULES, test: str = TEST) -> Path:
    folder.mkdir(parents=True)
    (folder / "rules.yaml").write_text(rules)
    (folder / "case.test.yaml").write_text(test)
    return folder / "case.test.yaml"


def test_a_repeat_is_the_same_bytes_anywhere_and_a_changed_byte_is_a_new_input(tmp_path: Path) -> None:
    wrapper, log = install(tmp_path / "measure", require_tool("promtool", "PROMTOOL"))
    cases = [
        _case(tmp_path / "first"),
        _case(tmp_path / "same-bytes-elsewhere"),  # a repeat: paths set aside
        _case(tmp_path / "rule-byte", rules=RULES.replace("sum by (job) (up)", "sum by (job) (up) ")),
        _case(tmp_path / "test-byte", test=TEST.replace("eval_time: 2m", "eval_time: 1m")),
    ]
    verdicts = [subprocess.run([wrapper, "test", "rules", str(c)], capture_output=True, text=True) for c in cases]
    assert [v.returncode for v in verdicts] == [0, 0, 0, 0], [v.stdout + v.stderr for v in verdicts]

    found = summarise(log)
    assert (found.calls, found.repeated) == (4, 1), report(found)
    assert found.by_module[0][1] == 1


def test_the_wrapper_hands_back_promtools_failure(tmp_path: Path) -> None:
    wrapper, log = install(tmp_path / "measure", require_tool("promtool", "PROMTOOL"))
    wrong = _case(tmp_path / "wrong", test=TEST.replace("value: 1}", "value: 2}"))
    failed = subprocess.run([wrapper, "test", "rules", str(wrong)], capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAILED" in failed.stdout + failed.stderr
    assert summarise(log).calls == 1
