"""An inherited p99 line that pages while the latency SLO over the same histogram is met is a located warning.

A report builder whose latency SLO counts renders within 30s as good inherited the built-in 5s p99 page: every
render at 10s meets the objective (100% good) and paged for as long as it lasted (promtool below; found by the
round 34 fleet review, a 95%/7d builds SLO beside a 90% one on 2m builds). A 90% latency SLO lets 10% of requests
be slow while a p99 line fires at 1%, whatever the line. compile and validate now say so at the SLO, with the line
that fits (the SLO's threshold, or false when its budget is over 1%); promtool shows that line quiet at 10s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from tests.cli_helpers import run_obsc
from tests.promtool_helpers import alert_fires

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  print-ops:
    routing:
      critical: {webhook: {url: "https://pager.example.net/print-ops"}}
      warning: {webhook: {url: "https://queue.example.net/print-ops"}}
"""
RENDER = """\
apiVersion: obsc/v1
service: pdf-render-2
team: print-ops
selector: {job: pdf-render}
metrics:
  requests: pdf_render_requests_total
  latency: pdf_render_seconds
slos:
  - {name: render-time, objective: 99, period: 14d, sli: {latency: latency, threshold: 30s}}
"""
SLOW_LINE = (
    "pdf-render-2.yaml:9:5 $.slos[0]: warning: the render-time SLO counts requests within 30s as good, but "
    "ServiceHighLatencyP99 inherits a critical line of 5s (the built-in table), crossed once 1% of requests are "
    "slower: a service that meets the objective pages for as long as it lasts; set alerts: "
    "{latency_p99: {critical: 30s}} in this spec"
)
WIDE_BUDGET = (
    "pdf-render-2.yaml:9:5 $.slos[0]: warning: the render-time SLO counts requests within 800ms as good and lets "
    "10% be slower, but ServiceHighLatencyP99 inherits a critical line of 5s (the built-in table), crossed once 1% "
    "of requests are slower: a service that meets the objective pages for as long as it lasts; set alerts: "
    "{latency_p99: {critical: false}} in this spec"
)


def _specs(tmp_path: Path, spec: str, platform: str = PLATFORM) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(platform)
    (specs / "pdf-render-2.yaml").write_text(spec)
    return specs


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_a_p99_line_below_the_slo_threshold_is_said_at_the_slo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    specs = str(_specs(tmp_path, RENDER))
    out = ["--out", str(tmp_path / "out"), "--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, specs, *out)
    assert result.code == 0, result.err
    assert SLOW_LINE in result.err


def test_a_latency_budget_over_one_percent_is_said_whatever_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = RENDER.replace("objective: 99,", "objective: 90,").replace("threshold: 30s", "threshold: 800ms")
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec)))
    assert result.code == 0, result.err
    assert WIDE_BUDGET in result.err


def test_a_platform_line_names_the_platform(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    platform = PLATFORM + "defaults:\n  alerts: {latency_p99: {critical: 10s}}\n"
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, RENDER, platform)))
    assert "inherits a critical line of 10s (platform defaults, " in result.err
    assert "platform.yaml:9:" in result.err


@pytest.mark.parametrize(
    "spec",
    [
        RENDER + "alerts: {latency_p99: {critical: 5s}}\n",  # the team's own choice
        RENDER.replace("threshold: 30s", "threshold: 2s"),  # 1% over 5s is 1% over 2s: the SLO burns too
        RENDER.replace("objective: 99,", "objective: 99.9,").replace("30s", "5s"),  # the line is the threshold
        RENDER + "alerts: {latency_p99: {critical: 30s}}\n",
    ],
    ids=["written-in-the-spec", "threshold-below-the-line", "line-at-the-threshold", "fitted"],
)
def test_no_warning_for_a_line_the_spec_wrote_or_one_the_slo_breaks_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec)))
    assert result.code == 0, result.err
    assert "inherits a" not in result.err


def _pages(tmp_path: Path, spec: str, render_seconds: int) -> bool:
    """Whether ServiceHighLatencyP99 fires after 2h of 60 renders a minute, each taking `render_seconds`."""
    bundle = compile_specs([str(_specs(tmp_path, spec))], CompileOptions()).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/pdf-render-2.yaml")
    base = 'pdf_render_seconds_bucket{job="pdf-render",instance="r1"'
    series = {'up{job="pdf-render",instance="r1"}': "1x150"}
    for le in ("1", "5", "10", "30", "60", "+Inf"):
        within = le == "+Inf" or render_seconds <= float(le)
        series[f'{base},le="{le}"}}'] = "0+60x150" if within else "0x150"
    series['pdf_render_seconds_count{job="pdf-render",instance="r1"}'] = "0+60x150"
    series['pdf_render_requests_total{job="pdf-render",instance="r1"}'] = "0+60x150"
    return alert_fires(tmp_path, rules, "ServiceHighLatencyP99", series)


def test_the_line_the_warning_names_fits_the_slo(tmp_path: Path) -> None:
    assert _pages(tmp_path / "inherited", RENDER, 10)  # every render good by the SLO, and a page
    fitted = RENDER + "alerts: {latency_p99: {critical: 30s}}\n"
    assert not _pages(tmp_path / "fitted-10", fitted, 10)
    assert _pages(tmp_path / "fitted-60", fitted, 60)  # every render over the threshold: a page
