"""A time-slice SLI's NaN gauge is no measurement, neither a bad slice nor a good one (round 29 SLI hunt).

A summary's quantile is NaN while the service is idle, and an exporter's 0/0 is NaN too. NaN compares false with
any number, so `1 - (max(p99) < bool 0.3)` recorded a bad slice every evaluation: an idle service paged
(SLOErrorBudgetBurnFast within the hour, promtool), and with `!=` every NaN slice read good. NaN samples are now
left out before the aggregation: a slice whose series are all NaN counts neither way and SLODataMissing reports it.
A real slow value still pages (the positive case beside each negative one).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool

SPEC = """apiVersion: obsc/v1
service: quotes
team: pricing
selector: {job: quotes}
metrics:
  p99: {selector: 'rpc_duration_seconds{quantile="0.99"}', aggregation: AGGREGATION}
slos:
  - {name: fast, objective: 99, sli: {good_when: p99 OP 0.3}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
QUANTILE = 'rpc_duration_seconds{job="quotes",quantile="0.99",instance="INSTANCE"}'


def _report(
    tmp_path: Path, aggregation: str, op: str, values: dict[str, str], expected: tuple[int | None, int, int]
) -> tuple[int, str]:
    """promtool's exit code and output for two hours of `values` per instance, fed and evaluated every minute,
    asking at 90m for `expected`: the bad-slice bit (None: no sample), how many burn pages and SLODataMissing
    alerts fire."""
    bit, burning, missing = expected
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "quotes.yaml").write_text(SPEC.replace("AGGREGATION", aggregation).replace("OP", op))
    bundle = compile_specs([str(specs)]).bundle
    path = names.prometheus_rules_path("quotes")
    content = next(a.content for a in bundle.artifacts if a.path == path)
    (tmp_path / "rules.yaml").write_text(content)
    series = [{"series": QUANTILE.replace("INSTANCE", i), "values": v} for i, v in values.items()]
    series += [{"series": f'up{{job="quotes",instance="{i}"}}', "values": "1+0x120"} for i in values]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": [g["name"] for g in yaml.safe_load(content)["groups"]],
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": 'sum(slo:sli_bad_slice:bool{slo="fast"})',
                        "eval_time": "90m",
                        "exp_samples": [] if bit is None else [{"labels": "{}", "value": bit}],
                    },
                    *(
                        {
                            "expr": f'count(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0)',
                            "eval_time": "90m",
                            "exp_samples": [{"labels": "{}", "value": count}],
                        }
                        for alert, count in ((names.SLO_BURN_FAST, burning), (names.SLO_DATA_MISSING, missing))
                    ),
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("aggregation", "op"), [("max", "<"), ("avg", "<"), ("sum", "<"), ("min", "<="), ("max", "!=")]
)
def test_an_idle_summary_quantile_is_no_slice_and_data_missing(tmp_path: Path, aggregation: str, op: str) -> None:
    # every series NaN: no bit, no page, SLODataMissing (before: a bad slice each minute and both fast pairs
    # paging, or with != a good slice each minute and SLODataMissing quiet)
    code, report = _report(tmp_path, aggregation, op, {"a:1": "NaN+0x120", "b:1": "NaN+0x120"}, (None, 0, 1))
    assert code == 0 and "WARNING" not in report, report


@pytest.mark.parametrize("aggregation", ["avg", "sum", "max"])
def test_a_slow_quantile_beside_an_idle_one_still_pages(tmp_path: Path, aggregation: str) -> None:
    # the positive side: one instance at 0.5 s beside an idle one still reads bad and pages (only NaN is left out)
    code, report = _report(tmp_path, aggregation, "<", {"a:1": "0.5+0x120", "b:1": "NaN+0x120"}, (1, 2, 0))
    assert code == 0 and "WARNING" not in report, report
