"""Round 31: a burn pair's no-events branch reads its own ALERTS series (the night-pages hold). The ticket pairs
are evaluated in the 5m coarse group, so the ALERTS sample their previous evaluation wrote is exactly one
lookback delta old when they read it: an instant selector sees it on Prometheus 2.42 only because its lookback
includes its oldest instant; Prometheus 3 (left-open lookback) or `--query.lookback-delta` under 5m would not,
and a held ticket would drop through a silent short window. Coarse pairs read a range one minute longer than
their interval (the previous evaluation's sample, never the one before it); the 1m-group pages keep the instant
read. The second test shows the difference with promtool: at a 6m step, outside the 5m lookback as Prometheus 3's
exactly-5m-old sample is, the instant read loses the previous evaluation's ALERTS and the range keeps it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from compiler.api import CompileOptions, compile_specs
from tests.conftest import ROOT, require_tool

_HELD = re.compile(r"and on \([^)]*\) (last_over_time\()?ALERTS\{[^}]*burn_window=\"(\w+)\"[^}]*\}(\[(\w+)\]\))?")


def test_coarse_pairs_read_their_previous_alerts_over_a_range_and_pages_at_the_instant() -> None:
    compilation = compile_specs([str(ROOT / "examples")], CompileOptions(jobs=1))
    seen: dict[str, set[tuple[str, str | None]]] = {}
    for artifact in compilation.bundle.artifacts:
        if "/rules/" not in artifact.path or not artifact.path.endswith(".yaml"):
            continue
        for group in yaml.safe_load(artifact.content).get("groups") or []:
            for rule in group["rules"]:
                for match in _HELD.finditer(str(rule.get("expr", ""))):
                    coarse = group.get("interval") == "5m"
                    seen.setdefault("coarse" if coarse else "fast", set()).add((match.group(2), match.group(4)))
    assert seen["coarse"] == {("slow", "6m"), ("slowest", "6m")}
    assert seen["fast"] == {("fast", None), ("medium", None)}


_RULES = """\
groups:
  - name: held
    rules:
      - alert: Instant
        expr: burning > 0 or (silent > 0 and on () ALERTS{alertname="Instant"})
      - alert: Ranged
        expr: burning > 0 or (silent > 0 and on () last_over_time(ALERTS{alertname="Ranged"}[7m]))
"""
_TESTS = """\
rule_files: [rules.yaml]
evaluation_interval: 6m
tests:
  - interval: 6m
    input_series:
      - {series: burning, values: "1 0 0 0"}
      - {series: silent, values: "1 1 1 1"}
    alert_rule_test:
      - {eval_time: 18m, alertname: Instant, exp_alerts: []}
      - {eval_time: 18m, alertname: Ranged, exp_alerts: [{exp_labels: {}}]}
"""


def test_a_previous_evaluation_outside_the_lookback_holds_only_through_a_range(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    (tmp_path / "rules.yaml").write_text(_RULES)
    (tmp_path / "held.test.yaml").write_text(_TESTS)
    done = subprocess.run([promtool, "test", "rules", "held.test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
