"""An inherited critical error-rate line below the lowest page line of the SLO over the same requests is a located
warning, with the SLO's page line as the line that fits.

At 95% over 30d the SLO pages from 30% errors (its 6h/30m pair: 6x the 5% budget); the built-in 10% page fired on
12% errors, a 2.4x burn the SLO only tickets. Replayed with promtool (1m steps, 10 req/s, 0.5% errors for 1h, 12%
for 3h, 0.5% for 2h): ServiceHighErrorRate paged from 1h10m to 4h09m (180 evaluations), the SLO's burn page never
fired, its slowest ticket came at 1h46m. At 90% the inherited page is the whole budget: a 1.2x burn paged for three
hours and the SLO did not even ticket. Until round 39 only a line below the budget was said.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from tests.cli_helpers import run_obsc
from tests.promtool_helpers import alert_fires
from tests.test_healthy_lines import PLATFORM

REPORTS = """\
apiVersion: obsc/v1
service: reports
team: data
selector: {job: reports}
metrics:
  requests: http_requests_total
  errors: http_requests_total{status=~"5.."}
slos:
  - {name: availability, objective: 95, sli: {errors: errors, total: requests}}
alerts: {error_rate: {warning: false}}
"""
WARNING = (
    "reports.yaml:9:5 $.slos[0]: warning: the availability SLO pages from an error ratio of 30% (its 6h/30m pair, "
    "6x the 5% budget), but ServiceHighErrorRate inherits a critical line of 10% (the built-in table): a steady "
    "error rate between the two, a burn of 2x to 6x that the SLO tickets or lets pass, pages for as long as it "
    "lasts; set alerts: {error_rate: {critical: 30%}} in this spec"
)


def _specs(tmp_path: Path, spec: str, platform: str = PLATFORM) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(platform)
    (specs / "reports.yaml").write_text(spec)
    return specs


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_an_inherited_page_below_the_slos_page_line_is_said_at_the_slo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = ["--out", str(tmp_path / "out"), "--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, str(_specs(tmp_path, REPORTS)), *out)
    assert result.code == 0, result.err
    assert WARNING in result.err
    assert result.err.count("inherits a") == 1  # the ticket line the spec wrote is its own


def test_at_90_percent_the_page_at_the_whole_budget_names_the_platform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = PLATFORM + "defaults:\n  alerts: {error_rate: {critical: {threshold: 10%, for: 5m}}}\n"
    spec = REPORTS.replace("objective: 95", "objective: 90")
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec, platform)))
    assert result.code == 0, result.err
    assert (
        "pages from an error ratio of 60% (its 6h/30m pair, 6x the 10% budget), but ServiceHighErrorRate inherits a "
        "critical line of 10% (platform defaults, " in result.err
    )
    assert "platform.yaml:9:" in result.err
    assert "a burn of 1x to 6x" in result.err and "{error_rate: {critical: 60%}}" in result.err


@pytest.mark.parametrize(
    "spec",
    [
        REPORTS.replace("warning: false", "critical: 10%, warning: false"),  # the team's own choice
        REPORTS.replace("objective: 95", "objective: 99"),  # pages from 6%: the 10% page comes sooner, on a page
        REPORTS.replace("objective: 95", "objective: 99.9"),  # the SLO takes the page (demoted to a ticket)
        REPORTS.replace("warning: false", "critical: 30%, warning: false"),  # the line the warning names
        REPORTS.replace("sli: {errors", "alerts: {critical: false}, sli: {errors"),  # the SLO does not page
    ],
    ids=["written-in-the-spec", "99-percent", "99.9-percent", "at-the-page-line", "slo-without-page"],
)
def test_no_warning_for_a_page_the_spec_wrote_or_one_at_or_above_the_page_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec)))
    assert result.code == 0, result.err
    assert "inherits a" not in result.err


def _fires(tmp_path: Path, spec: str, alert: str, failing_share: float) -> bool:
    """Whether `alert` fires after 1h healthy (0.5% failing) and 2h at `failing_share`, at 10 requests a second."""
    bundle = compile_specs([str(_specs(tmp_path, spec))], CompileOptions()).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/reports.yaml")
    counter = 'http_requests_total{job="reports",instance="a",status="%s"}'
    bad = 600 * failing_share
    series = {
        'up{job="reports",instance="a"}': "1x180",
        counter % "200": f"0+597x60 35820+{600 - bad:g}x120",
        counter % "500": f"0+3x60 180+{bad:g}x120",
    }
    return alert_fires(tmp_path, rules, alert, series, eval_time="3h")


def test_the_line_the_warning_names_pages_what_the_slo_would(tmp_path: Path) -> None:
    inherited = REPORTS
    assert _fires(tmp_path / "inherited", inherited, "ServiceHighErrorRate", 0.12)  # a 2.4x burn pages
    assert not _fires(tmp_path / "slo-12", inherited, "SLOErrorBudgetBurnFast", 0.12)  # the SLO does not page it
    fitted = REPORTS.replace("warning: false", "critical: 30%, warning: false")
    assert not _fires(tmp_path / "fitted-12", fitted, "ServiceHighErrorRate", 0.12)
    assert _fires(tmp_path / "fitted-40", fitted, "ServiceHighErrorRate", 0.4)


PARTIAL = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  alerts: {error_rate: {critical: {threshold: 10%, for: 10m}, warning: false}}
teams:
  data:
    routing:
      critical: {webhook: {url: "https://pager.example.com/data"}}
      warning: {webhook: {url: "https://tickets.example.com/data"}}
"""


def test_a_spec_that_writes_only_the_hold_still_inherits_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`{critical: {for: 15m}}` in the spec keeps the platform's 10% line: until round 39 the tier counted as the
    spec's own (its last writer), and the 10% page at 95% was not said."""
    spec = REPORTS.replace("warning: false}", "critical: {for: 15m}}")
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec, PARTIAL)))
    assert result.code == 0, result.err
    assert "inherits a critical line of 10% (platform defaults, " in result.err
    assert "platform.yaml:4:47)" in result.err  # the line's own place, not the tier's


def test_a_hold_written_alone_keeps_the_below_budget_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The round-27 warning had the same blind spot: the built-in 1% ticket under `{warning: {for: 30m}}`."""
    spec = REPORTS.replace("warning: false}", "critical: false, warning: {for: 30m}}")
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec)))
    assert result.code == 0, result.err
    assert "inherits a warning line of 1% (the built-in table)" in result.err


def test_verbose_says_where_each_inherited_line_and_hold_comes_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = REPORTS.replace("warning: false}", "critical: 40%}")
    result = run_obsc(capsys, "-v", "validate", str(_specs(tmp_path, spec, PARTIAL)))
    assert result.code == 0, result.err
    assert "reports: error_rate critical: its hold 10m from platform defaults, " in result.err
    assert "platform.yaml:4:57" in result.err
    assert "its line 40%" not in result.err  # the spec wrote it
    assert "reports: traffic_anomaly warning: its line 50% from the built-in table and its hold 30m from" in result.err


def test_the_fit_is_rounded_up_to_a_line_at_or_above_the_page_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Round 39's review: 6 x 3.667% is 22.002%; rounded to the nearest it read 22%, a page below the SLO's line."""
    specs = _specs(tmp_path, REPORTS.replace("objective: 95", "objective: 96.333"))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert "set alerts: {error_rate: {critical: 22.01%}}" in result.err, result.err
