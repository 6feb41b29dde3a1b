"""An inherited error-rate line below the error budget of the SLO over the same requests is a located warning.

A 0.5 req/s admin API at 95% over 7d inherits ServiceHighErrorRate's 1% ticket: a steady 3% error rate spends 60%
of the budget, meets the objective, and ticketed for as long as it lasted (promtool below; round 27). compile and
validate now say so at the SLO, with the line that fits; promtool shows that line quiet at 3% and firing at 6%.
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
  data:
    routing:
      critical: {webhook: {url: "https://pager.example.com/data"}}
      warning: {webhook: {url: "https://tickets.example.com/data"}}
"""
ADMIN = """\
apiVersion: obsc/v1
service: admin
team: data
selector: {job: admin}
metrics:
  requests: http_requests_total
  errors: http_requests_total{status=~"5.."}
slos:
  - {name: availability, objective: 95, period: 7d, sli: {errors: errors, total: requests}}
"""
WARNING = (
    "admin.yaml:9:5 $.slos[0]: warning: the availability SLO lets 5% of requests fail, but ServiceHighErrorRate "
    "inherits a warning line of 1% (the built-in table): a steady error rate between the two meets the objective "
    "and tickets for as long as it lasts; set alerts: {error_rate: {warning: 5%}} in this spec"
)


def _specs(tmp_path: Path, spec: str, platform: str = PLATFORM) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(platform)
    (specs / "admin.yaml").write_text(spec)
    return specs


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_an_inherited_line_below_the_budget_is_said_at_the_slo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    specs = str(_specs(tmp_path, ADMIN))
    out = ["--out", str(tmp_path / "out"), "--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, specs, *out)
    assert result.code == 0, result.err
    assert WARNING in result.err
    assert "critical line" not in result.err  # 10% is above the 5% budget: a steady 10% does not meet it


def test_a_platform_line_names_the_platform(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    platform = PLATFORM + "defaults:\n  alerts: {error_rate: {warning: 2%}}\n"
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, ADMIN, platform)))
    assert "inherits a warning line of 2% (platform defaults, " in result.err
    assert "platform.yaml:9:" in result.err


@pytest.mark.parametrize(
    "spec",
    [
        ADMIN + "alerts: {error_rate: {warning: 1%}}\n",  # the team's own choice
        ADMIN.replace("objective: 95", "objective: 99.5"),  # 1% is above a 0.5% budget
        ADMIN + "alerts: {error_rate: {warning: 5%}}\n",
    ],
    ids=["written-in-the-spec", "budget-below-the-line", "line-at-the-budget"],
)
def test_no_warning_for_a_line_the_spec_wrote_or_one_at_or_above_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    result = run_obsc(capsys, "validate", str(_specs(tmp_path, spec)))
    assert result.code == 0, result.err
    assert "inherits a" not in result.err


def _fires(tmp_path: Path, spec: str, failing_per_minute: float) -> bool:
    """Whether ServiceHighErrorRate fires after 2h of 30 requests a minute (0.5/s), `failing_per_minute` failing."""
    bundle = compile_specs([str(_specs(tmp_path, spec))], CompileOptions()).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/admin.yaml")
    counter = 'http_requests_total{job="admin",instance="a",status="%s"}'
    series = {
        'up{job="admin",instance="a"}': "1x150",
        counter % "200": f"0+{30 - failing_per_minute}x150",
        counter % "500": f"0+{failing_per_minute}x150",
    }
    return alert_fires(tmp_path, rules, "ServiceHighErrorRate", series)


def test_the_line_the_warning_names_fits_the_budget(tmp_path: Path) -> None:
    assert _fires(tmp_path / "inherited", ADMIN, 0.9)  # 3%: meets the 95% objective, and tickets
    fitted = ADMIN + "alerts: {error_rate: {warning: 5%}}\n"
    assert not _fires(tmp_path / "fitted-3", fitted, 0.9)
    assert _fires(tmp_path / "fitted-6", fitted, 1.8)  # 6%: over the budget
