"""A requests, errors, cpu, memory or disk expression may not write a label obsc sets on what it records.

Found by round 27's hunt: obsc records these expressions as written under its own `service` label and alerts on
them with its own `team` and `severity`. A `by (service)` was refused, but `label_replace(..., "severity", ...)`,
`label_join` or `count_values("service", ...)` wrote the same label unseen: two series that differ only there
become one labelset, and Prometheus fails the rule at every evaluation (nothing recorded, no alert). `validate`
and a validated compile passed (the generated tests feed one series).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)
_CPU = "max by (pod) (rate(cpu_seconds_total{$selector}[$window]))"


@pytest.mark.parametrize(
    ("expr", "refused"),
    [
        (f'count_values("service", {_CPU})', "service"),
        (f'label_replace({_CPU}, "severity", "$1", "pod", "(.*)")', "severity"),
        (f'label_join({_CPU}, "team", ",", "pod")', "team"),
        (f'max(label_replace({_CPU}, "severity", "$1", "pod", "(.*)"))', None),  # aggregated away
        (f'label_replace({_CPU}, "node", "$1", "pod", "(.*)")', None),
    ],
)
def test_a_recorded_expression_may_not_write_a_label_obsc_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expr: str, refused: str | None
) -> None:
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": {"cpu": {"expr": expr}}}
    (tmp_path / "platform.yaml").write_text(_PLATFORM)
    (tmp_path / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=1000))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == (2 if refused else 0), result.err
    if refused:
        assert f"$.metrics.cpu.expr: the expression keeps the label {refused!r}, which obsc sets itself" in result.err


def test_prometheus_fails_such_a_rule(tmp_path: Path) -> None:
    """What the refusal prevents, shown with promtool: two pods at different values, recorded under `service`."""
    promtool = require_tool("promtool")
    rule = {"record": "service:cpu:ratio", "expr": 'count_values("service", max by (pod) (cpu))'}
    rule["labels"] = {"service": "promo-web"}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [rule]}]}))
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'cpu{pod="a"}', "values": "1x3"},
                    {"series": 'cpu{pod="b"}', "values": "2x3"},
                ],
                "promql_expr_test": [{"expr": "count(service:cpu:ratio)", "eval_time": "1m", "exp_samples": []}],
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test))
    result = subprocess.run([promtool, "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert "same labelset after applying rule labels" in result.stdout + result.stderr
