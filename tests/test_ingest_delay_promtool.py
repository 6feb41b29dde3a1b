"""The line `slo_alerts.ingest_delay` draws, checked with promtool on the compiled rules (round 48).

Samples that reach the rules L late leave a 5m rate the part of its window that has arrived. Data that stops at
minute 10 evaluated at 10m + L is what a server L behind sees. A 1m scrape 3m late (2 x 1m + 3m = 5m: compiles)
keeps the SLO's 5m record at any phase of the scrape; 4m30s late (refused at 1m scrapes) leaves it empty, which
is SLODataMissing on a healthy service and fast page pairs that cannot fire (measured live in round 47)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_tool
from tests.test_scrape_interval import _compile

RECORD = 'count(slo:sli_total:rate5m{service="api",slo="availability"})'


def _case(eval_time: str, present: bool) -> dict[str, object]:
    samples = [{"labels": "{}", "value": 1}] if present else []
    return {"expr": RECORD, "eval_time": eval_time, "exp_samples": samples}


def test_the_5m_record_holds_two_scrapes_up_to_the_delay_the_compile_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    promtool = require_tool("promtool")
    code, err, out = _compile(tmp_path, capsys, "    scrape_interval: 1m\n    ingest_delay: 3m\n")
    assert code == 0, err
    test = {
        "rule_files": [str(out / "prometheus/rules/api.yaml")],
        "evaluation_interval": "15s",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{job="api",code="200"}', "values": "0+600x10 _x10"},
                    {"series": 'http_requests_total{job="api",code="500"}', "values": "0+0x10 _x10"},
                    {"series": 'up{job="api"}', "values": "1x20"},
                ],
                # 3m late at 45s past the newest arrived scrape (rules run every 15s here), then 4m30s late
                "promql_expr_test": [_case("13m45s", True), _case("14m30s", False)],
            }
        ],
    }
    path = tmp_path / "late.test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    run = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
