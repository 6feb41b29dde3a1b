"""A freshness SLI over a CronJob's schedule time (round 50, a tenth fleet nobody here wrote).

A newcomer's hourly CronJob, watched through kube-state-metrics, read `kube_cronjob_status_last_schedule_time` as
its last success: the controller writes it whenever it creates a Job, so a job whose every run fails stays fresh.
Replayed below with promtool, 6 hours of failing runs raised nothing on it, while the same SLO over
`kube_cronjob_status_last_successful_time` ticketed. Now `compile` and `validate` warn at its `last_success`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _promtool, _rules

HEAD = """apiVersion: obsc/v1
service: reports
team: core
selector: {job: kube-state-metrics, namespace: reports, cronjob: hourly-report}
targets: false
alerts: {traffic_anomaly: false}
metrics:
  succeeded: {selector: kube_cronjob_status_last_successful_time, type: gauge, aggregation: max}
  scheduled: {selector: kube_cronjob_status_last_schedule_time, type: gauge, aggregation: max}
  started: {selector: kube_job_status_start_time, type: gauge, aggregation: max}
slos:
"""
SCHEDULED = "  - {name: scheduled, objective: 99, sli: {last_success: scheduled, max_age: 2h}}\n"
STARTED = "  - {name: started, objective: 99, sli: {last_success: started, max_age: 2h}}\n"
SUCCEEDED = "  - {name: succeeded, objective: 99, sli: {last_success: succeeded, max_age: 2h}}\n"


def _validate(tmp_path: Path, spec: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return [line for line in done.output.splitlines() if "says nothing of a run that succeeded" in line]


def test_a_schedule_or_start_time_read_as_the_last_success_is_warned_of_at_last_success(tmp_path: Path) -> None:
    found = _validate(tmp_path, HEAD + SCHEDULED + STARTED)
    assert len(found) == 2, found
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:12:") and " $.slos[0].sli.last_success: warning: " in found[0]
    assert "reads kube_cronjob_status_last_schedule_time" in found[0]
    assert "read kube_cronjob_status_last_successful_time" in found[0]
    assert found[1].startswith(f"{tmp_path / 'svc.yaml'}:13:") and "kube_job_status_start_time" in found[1]


def test_the_last_successful_time_is_not_warned_of(tmp_path: Path) -> None:
    assert _validate(tmp_path, HEAD + SUCCEEDED) == []


def test_failing_runs_keep_the_schedule_time_fresh_and_the_last_success_stale(tmp_path: Path) -> None:
    require_tool("promtool")
    # 5 hours at 1m steps; the CronJob creates a Job every hour, and every run fails from the 3rd hour on.
    at = 'job="kube-state-metrics",namespace="reports",cronjob="hourly-report"'
    series = {
        f"kube_cronjob_status_last_schedule_time{{{at}}}": " ".join(str(m // 60 * 3600) for m in range(301)),
        f"kube_cronjob_status_last_successful_time{{{at}}}": " ".join(str(min(m // 60, 2) * 3600) for m in range(301)),
    }
    (tmp_path / "platform.yaml").write_text(sink_platform())
    rules = _rules(tmp_path, "reports", HEAD + SCHEDULED + SUCCEEDED)
    checks = []
    for slo, stale in (("scheduled", 0), ("succeeded", 1)):
        expr = f'count(ALERTS{{alertname="SLOFreshnessStale",alertstate="firing",slo="{slo}"}}) or vector(0)'
        checks.append({"expr": expr, "eval_time": "300m", "exp_samples": [{"labels": "{}", "value": stale}]})
    assert _promtool(tmp_path, rules, "reports", series, checks) == ""


@pytest.mark.parametrize(
    ("series", "said"),
    [
        ("kube_cronjob_next_schedule_time", "when the CronJob will next create a Job"),
        ("kube_cronjob_created", "when the CronJob object was created"),
        ("kube_job_created", "when a Job object was created"),
    ],
)
def test_a_next_schedule_or_creation_time_is_warned_of_too(tmp_path: Path, series: str, said: str) -> None:
    """kube-state-metrics' other times that say nothing of a success (review51: each one's entry dropped alone
    left every test passing)."""
    spec = HEAD.replace("kube_job_status_start_time", series) + STARTED
    found = _validate(tmp_path, spec)
    assert len(found) == 1 and f"reads {series}, {said}" in found[0], found
