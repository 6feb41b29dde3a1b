"""What the generated rules do on inputs written here by hand from first principles, not by obsc's own test
generator (which shares the model's assumptions): found by hunts on specs unlike examples/. Each case runs
the compiled rule file through `promtool test rules` with inputs a real scrape would produce."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool

ROUTING = """routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def _rules(tmp_path: Path, service: str, spec: str) -> Path:
    (tmp_path / f"{service}.yaml").write_text(spec + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    path = names.prometheus_rules_path(service)
    rules = tmp_path / "rules.yaml"
    rules.write_text(next(a.content for a in bundle.artifacts if a.path == path))
    return rules


def _promtool(tmp_path: Path, rules: Path, service: str, series: dict[str, str], exprs: list[dict[str, object]]) -> str:
    """promtool's report on `exprs` (expression tests) over `series` (selector → values at 1m steps); '' if they pass."""
    test = {
        "rule_files": [rules.name],
        "evaluation_interval": "30s",
        "group_eval_order": [f"obsc-{service}-slo", f"obsc-{service}-key", f"obsc-{service}-coarse"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "promql_expr_test": exprs,
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def _firing(alert: str, at: str, count: int) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def _value(expr: str, at: str, labels: str, value: float) -> dict[str, object]:
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": labels, "value": value}]}


GOOD_TOTAL = """apiVersion: obsc/v1
service: gt
team: core
selector: {job: gt}
metrics: {requests: http_requests_total, good: 'http_requests_total{code=~"2.."}'}
slos: [{name: availability, objective: 99, sli: {good: good, total: requests}}]
"""


def test_a_good_total_sli_reads_an_outage_without_good_series_as_all_bad(tmp_path: Path) -> None:
    # A fresh pod failing every request never creates its code="200" series: no good events, not no data.
    rules = _rules(tmp_path, "gt", GOOD_TOTAL)
    series = {'http_requests_total{job="gt",code="500"}': "0+60x180", 'up{job="gt"}': "1x180"}
    ratio = 'slo:sli_error:ratio_rate5m{service="gt",slo="availability",window="5m"}'
    report = _promtool(
        tmp_path, rules, "gt", series, [_value(ratio, "30m", ratio, 1), _firing(names.SLO_BURN_FAST, "30m", 2)]
    )
    assert report == ""
    # ...while a healthy service with both series reads 0 and pages nobody.
    healthy = {'http_requests_total{job="gt",code="200"}': "0+60x180", 'up{job="gt"}': "1x180"}
    checks = [_value(ratio, "30m", ratio, 0), _firing(names.SLO_BURN_FAST, "30m", 0)]
    assert _promtool(tmp_path, rules, "gt", healthy, checks) == ""
