"""A threshold alert on kube_job_status_failed (a Job's failed pods) read as "the job failed" (round 43).

`above: 0` on it fired at a CronJob's first failed attempt (02:00, retried to success at once) and held through
the end of a 2-day replay with the next night's run clean (promtool): the gauge keeps the Job's failed pods for as
long as the object is kept. Compiled without a word before; now a located warning at `above:`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: report
team: data
selector: {namespace: reports}
targets: false
metrics:
  failed: METRIC
threshold_alerts:
  - {name: ReportFailed, metric: failed, above: 0, for: 1m, tier: warning, missing: ignore}
"""


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "report.yaml").write_text(SPEC.replace("METRIC", metric))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    "metric",
    [
        "{selector: kube_job_status_failed, type: gauge, aggregation: sum}",
        """{expr: 'sum(kube_job_status_failed{$selector, job_name=~"nightly-report-.*"})', type: gauge}""",
    ],
    ids=["selector", "expr"],
)
def test_a_jobs_failed_pods_read_at_an_instant_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str
) -> None:
    err = _err(tmp_path, capsys, metric)
    assert "report.yaml:9:49 $.threshold_alerts[0].above: warning: kube_job_status_failed counts" in err, err
    assert "failedJobsHistoryLimit" in err and "last_success" in err, err


@pytest.mark.parametrize(
    "metric",
    [
        "{expr: 'sum(increase(kube_job_status_failed{$selector}[$window]))', type: gauge}",
        """{selector: 'kube_job_failed{condition="true"}', type: gauge, aggregation: sum}""",
    ],
    ids=["increase", "job-condition"],
)
def test_a_change_or_the_jobs_condition_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str
) -> None:
    assert "counts a Job's failed pods" not in _err(tmp_path, capsys, metric)


def test_an_alert_below_a_line_on_failed_pods_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The warning says the alert fires at the first failed attempt and stays: true of `above:` only. `below: 1`
    (no pod has failed) is no such alert (round 44's review: with the comparison unread it was warned too)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    metric = "{selector: kube_job_status_failed, type: gauge, aggregation: sum}"
    (specs / "report.yaml").write_text(SPEC.replace("METRIC", metric).replace("above: 0", "below: 1"))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    assert "counts a Job's failed pods" not in result.err, result.err
