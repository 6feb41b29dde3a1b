"""A latency SLI's threshold bucket is counted gone after the missed scrapes of a minute and one more, at the
platform's declared scrape interval (round 47, late and sparse samples).

Round 46 counted a bucket gone after 2 missed scrapes of its `+Inf` bucket's at any interval. At a declared 15s
that is 30s: a bucket whose remote-write shard ran 45s behind left the SLI, and one missing one scrape in six
(round 46's own model of late delivery) raised SLODataMissing on a healthy service (gone from 3m, firing at
13m). Now 5 at 15s, 3 at 30s, 2 at 1m and slower: a bucket up to a minute late stays in the SLI, and one that
really stops is still reported (its requests of a minute read as slow, as at 1m before). Inputs by hand, 15s
steps."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.scrape_windows import bucket_missed_scrapes
from tests.conftest import require_tool
from tests.promtool_helpers import promtool_report
from tests.test_sli_semantics import ROUTING

PLATFORM = """apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {scrape_interval: 15s}
"""
SPEC = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  latency: {selector: http_request_duration_seconds, type: histogram}
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}
"""
SEL = 'job="api",instance="i1"'
DATA_MISSING = 'count(ALERTS{alertname="SLODataMissing",alertstate="firing"}) or vector(0)'
UNBUCKETED = 'count(slo:sli_unbucketed:series{service="api"}) or vector(0)'


@pytest.mark.parametrize(
    ("scrape", "missed"), [(5, 13), (10, 7), (15, 5), (20, 4), (30, 3), (45, 3), (60, 2), (150, 2)]
)
def test_a_minutes_scrapes_and_one_more(scrape: int, missed: int) -> None:
    assert bucket_missed_scrapes(scrape) == missed


def _rules(tmp_path: Path) -> Path:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(SPEC + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    rules = tmp_path / "rules.yaml"
    rules.write_text(next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("api")))
    return rules


def _run(tmp_path: Path, bucket: str, scrapes: int, checks: list[tuple[str, str, int]]) -> str:
    """promtool's report on `checks` ((expr, eval time, value)) with the `+Inf` bucket scraped every 15s for
    `scrapes` scrapes at 15 requests a scrape and the threshold bucket's values as written; '' if they pass."""
    series = {
        f"up{{{SEL}}}": f"1+0x{scrapes}",
        f'http_request_duration_seconds_bucket{{{SEL},le="+Inf"}}': f"0+15x{scrapes}",
        f'http_request_duration_seconds_bucket{{{SEL},le="0.25"}}': bucket,
    }
    exprs = [{"expr": e, "eval_time": at, "exp_samples": [{"labels": "{}", "value": v}]} for e, at, v in checks]
    return promtool_report(
        tmp_path, _rules(tmp_path).name, series, exprs, evaluation_interval="1m", input_interval="15s"
    )


def test_a_bucket_missing_one_scrape_in_six_at_15s_stays_in_the_sli(tmp_path: Path) -> None:
    """Round 46's rules: SLODataMissing firing at 30m (the bucket gone from its second missed scrape on)."""
    require_tool("promtool")
    scrapes = 120
    bucket = " ".join("_" if i % 6 == 5 else str(15 * i) for i in range(scrapes + 1))
    checks = [(DATA_MISSING, "30m", 0), (UNBUCKETED, "30m", 0)]
    assert _run(tmp_path, bucket, scrapes, checks) == ""


def test_a_bucket_45s_behind_at_15s_stays_in_the_sli(tmp_path: Path) -> None:
    """The bucket's last 3 scrapes not in yet at 10m (a shard 45s behind): counted; round 46's rules left it out."""
    require_tool("promtool")
    checks = [(UNBUCKETED, "10m", 0)]
    assert _run(tmp_path, "0+15x37 _x3", 40, checks) == ""


def test_a_bucket_that_stops_without_a_marker_at_15s_is_still_reported(tmp_path: Path) -> None:
    """Its last sample at 1m45s (scrape 7): gone at its fifth missed scrape (3m), SLODataMissing a 10m hold later."""
    require_tool("promtool")
    checks = [(UNBUCKETED, "2m", 0), (UNBUCKETED, "3m", 1), (DATA_MISSING, "12m", 0), (DATA_MISSING, "13m", 1)]
    assert _run(tmp_path, "0+15x7 _x60", 67, checks) == ""


@pytest.mark.parametrize("scrape", ["1s", "2s", "5s"])
def test_the_generated_bucket_cases_pass_at_a_few_seconds_scrape(tmp_path: Path, scrape: str) -> None:
    """Round 47's bucket cases ended the bucket 10 scrapes in, within the first minute at these intervals, where
    the SLI reads no rate yet: SLODataMissing was pending from 0m, and the staleness-marker case, expecting it
    quiet a step before its hold ends, failed, so `obsc compile` refused its own output (exit 1)."""
    promtool = require_tool("promtool", "PROMTOOL")
    (tmp_path / "platform.yaml").write_text(PLATFORM.replace("15s", scrape))
    (tmp_path / "api.yaml").write_text(SPEC + ROUTING)
    out = tmp_path / "out"
    for artifact in compile_specs([str(tmp_path)]).bundle.artifacts:
        if artifact.path.startswith("prometheus/"):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_text(artifact.content)
    run = subprocess.run(
        [promtool, "test", "rules", "tests/api.scrapes.test.yaml"], cwd=out / "prometheus", capture_output=True
    )
    assert run.returncode == 0, run.stdout.decode()[-2000:] + run.stderr.decode()[-2000:]
