"""A counter metric written as two queries added or subtracted, either of which may have no series (round 43).

Round 42 warned of `A + B` in a raw SLI's queries only. `requests: {expr: 'web + mobile', type: counter}` before the
mobile app's first request has no series, so the error-rate key alert divides by nothing: 50% of web requests
failing for 30 minutes fired neither its 2% ticket nor its 10% page (promtool), and a threshold alert over `failed
+ rejected` before the first rejection fired only its "no data" twin at 100 failures a minute. Compiled without a
word before; now a located warning at the metric. The remedy it names, `A + B or A or B`, pages (replayed below)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

WEB = "sum(rate(web_requests_total{$selector}[$window]))"
MOBILE = "sum(rate(mobile_requests_total{$selector}[$window]))"
FAILED = "sum(rate(upload_failed_total{$selector}[$window]))"
REJECTED = "sum(rate(upload_rejected_total{$selector}[$window]))"
SPEC = """apiVersion: obsc/v1
service: uploads
team: data
selector: {job: uploads}
metrics:
  requests: {expr: 'REQUESTS', type: counter}
  errors: {expr: 'sum(rate(web_requests_total{$selector,code=~"5.."}[$window]))', type: counter}
  failed_uploads: {expr: 'FAILURES', type: counter}
  memory_used: {expr: 'sum(mem_total_bytes{$selector}) - sum(mem_available_bytes{$selector})', type: gauge}
threshold_alerts:
  - {name: UploadFailures, metric: failed_uploads, above: 5/m, for: 5m, tier: warning}
alerts: {error_rate: {warning: 2%}, traffic_anomaly: false}
"""


def _spec(requests: str, failures: str) -> str:
    return SPEC.replace("REQUESTS", requests).replace("FAILURES", failures)


def _warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "uploads.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


def test_a_counter_expression_joined_with_a_side_that_may_be_empty_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _warnings(tmp_path, capsys, _spec(f"{WEB} + {MOBILE}", f"{FAILED} + {REJECTED}"))
    for line, name in ((6, "requests"), (8, "failed_uploads")):
        assert f"uploads.yaml:{line}:" in err and f"$.metrics.{name}.expr: warning: counter metric '{name}'" in err
    assert err.count("joins two queries with `+`") == 2 and "write `A + B or A or B`" in err, err
    assert "'memory_used'" not in err  # a gauge's series are kept by its exporter from its start


def test_a_guarded_counter_expression_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(f"{WEB} + {MOBILE} or {WEB} or {MOBILE}", f"{FAILED} - {REJECTED} or {FAILED}")
    assert "joins two queries" not in _warnings(tmp_path, capsys, spec)


def test_half_the_requests_failing_pages_only_with_the_guarded_total(tmp_path: Path) -> None:
    # web fails half its requests from minute 10; the mobile counter was never created, nor the rejections one
    series = {
        'up{job="uploads",instance="a"}': "1x30",
        'web_requests_total{job="uploads",instance="a",code="200"}': "0+600x10 6000+300x20",
        'web_requests_total{job="uploads",instance="a",code="503"}': "0x10 0+300x20",
        'upload_failed_total{job="uploads",instance="a"}': "0x10 0+100x20",
    }
    for name, pages in (("joined", 0), ("guarded", 1)):
        folder = tmp_path / name
        folder.mkdir()
        requests, failures = f"{WEB} + {MOBILE}", f"{FAILED} + {REJECTED}"
        if pages:
            requests, failures = f"{requests} or {WEB} or {MOBILE}", f"{failures} or {FAILED} or {REJECTED}"
        rules = _rules(folder, "uploads", _spec(requests, failures).replace("team: data", "team: core"))
        checks = [_firing("ServiceHighErrorRate", "25m", pages), _firing("UploadFailures", "25m", 1)]  # the 10% page
        checks.append({"expr": 'count(ALERTS{data="missing"}) or vector(0)', "eval_time": "25m",
                       "exp_samples": [{"labels": "{}", "value": 1 - pages}]})  # fmt: skip
        assert _promtool(folder, rules, "uploads", series, checks) == "", name
