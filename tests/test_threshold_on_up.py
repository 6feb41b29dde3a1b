"""A threshold alert on `up` itself (a host or a region down) compiles, validated, and fires for its group.

ServiceDown is one alert for the whole service: hosts of `job="node"` page only when every one is down. The way
to a per-host or per-region page is a threshold alert on `up`, and its validated compile failed obsc's own
tests (round 27): the generated ServiceDown cases feed `up`, which also fed the alert's recorded signal beside
the values its own cases feed ("duplicate sample for timestamp", a `region=""` group), and its per-instance
missing-data case asked for an instance still on `up` without the signal read from `up`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.promtool_helpers import rules_read_by

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  infra:
    routing:
      critical: {webhook: {url: "https://pager.example.com/infra"}}
      warning: {webhook: {url: "https://tickets.example.com/infra"}}
"""
HOSTS = """\
apiVersion: obsc/v1
service: edge-hosts
team: infra
selector: {job: node, role: edge}
targets: {job: node, role: edge}
metrics:
  target_up: {selector: up, type: gauge, aggregation: min}
threshold_alerts:
  - {name: EdgeHostDown, metric: target_up, below: 1, for: 5m, by: [instance], tier: critical}
  - {name: EdgeRegionDown, metric: target_up, below: 1, for: 5m, by: [region], tier: critical}
"""


def _specs(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "edge-hosts.yaml").write_text(HOSTS)
    return specs


def test_a_validated_compile_passes_its_own_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("promtool")
    result = run_obsc(capsys, "compile", str(_specs(tmp_path)), "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    rules = (tmp_path / "out/prometheus/rules/edge-hosts.yaml").read_text()
    assert "and on (instance)\n          up{" not in rules  # no "instance still on up" branch for `up` itself


def test_one_host_and_its_region_down_page_while_service_down_stays_quiet(tmp_path: Path) -> None:
    bundle = compile_specs([str(_specs(tmp_path))], CompileOptions()).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/edge-hosts.yaml")
    (tmp_path / "rules.yaml").write_text(rules_read_by(rules, alert=lambda rule: "data" not in rule["labels"]))

    def firing(**labels: str) -> list[dict[str, object]]:
        return [{"exp_labels": {"service": "edge-hosts", "severity": "critical", "team": "infra", **labels}}]

    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'up{job="node",role="edge",instance="edge-1",region="eu"}', "values": "1x10 0x30"},
                    {"series": 'up{job="node",role="edge",instance="edge-2",region="us"}', "values": "1x40"},
                ],
                "alert_rule_test": [
                    {"eval_time": "14m", "alertname": "EdgeHostDown", "exp_alerts": []},  # pending: held 5m
                    {"eval_time": "25m", "alertname": "EdgeHostDown", "exp_alerts": firing(instance="edge-1")},
                    {"eval_time": "25m", "alertname": "EdgeRegionDown", "exp_alerts": firing(region="eu")},
                    {"eval_time": "25m", "alertname": "ServiceDown", "exp_alerts": []},
                ],
            }
        ],
    }
    (tmp_path / "case.test.yaml").write_text(yaml.safe_dump(test))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "case.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


FLOOR = """\
apiVersion: obsc/v1
service: web
team: infra
selector: {job: web}
targets: {job: web}
metrics:
  instances_up: {expr: '%s', type: gauge}
threshold_alerts:
  - {name: TooFewInstances, metric: instances_up, below: 2, for: 5m, tier: critical}
"""


@pytest.mark.parametrize(
    "expr",
    [
        "count(up{$selector} == 1)",  # the `up{` spelling: covered by the first fix of this round
        "count(up == 1)",  # no braces, and `__name__` written out: read `up` as well, and their validated
        'count({__name__="up",$selector} == 1)',  # compiles failed ("duplicate sample") before round 27's second
    ],
)
def test_a_floor_of_instances_read_from_up_compiles_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expr: str
) -> None:
    require_tool("promtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "web.yaml").write_text(FLOOR % expr)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err


def test_a_floor_of_instances_pages_while_one_of_three_is_up(tmp_path: Path) -> None:
    # three instances; two go down at 10m: the floor of 2 pages at 15m (held 5m), every minute on, while
    # ServiceDown (every instance down) stays quiet; both up again at 41m, it resolves after keep_firing_for (5m)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "web.yaml").write_text(FLOOR % "count(up{$selector} == 1)")
    bundle = compile_specs([str(specs)], CompileOptions()).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/web.yaml")
    (tmp_path / "rules.yaml").write_text(rules_read_by(rules, alert=lambda rule: "data" not in rule["labels"]))

    def firing(alert: str, minute: int, count: int) -> dict[str, object]:
        expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0)'
        return {"expr": expr, "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": count}]}

    checks = [firing("TooFewInstances", m, int(15 <= m <= 45)) for m in range(0, 60)]
    checks += [firing("ServiceDown", m, 0) for m in range(0, 60)]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'up{job="web",instance="w1"}', "values": "1x60"},
                    {"series": 'up{job="web",instance="w2"}', "values": "1x9 0x30 1x20"},
                    {"series": 'up{job="web",instance="w3"}', "values": "1x9 0x30 1x20"},
                ],
                "promql_expr_test": checks,
            }
        ],
    }
    (tmp_path / "case.test.yaml").write_text(yaml.safe_dump(test))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "case.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
