"""Round 51, a fleet nobody here wrote: yabeda-sidekiq writes the Sidekiq installation's own numbers (queues, the
retry, scheduled and dead sets, the processes) alike in every Sidekiq server process. A newcomer declared the retry
set `aggregation: sum` with a line of 100: replayed below with promtool, 4 processes each writing 30 retries read
120 and ticketed a healthy queue; `max` read 30. Compiled without a word before; now a located warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: billing-jobs
team: data
selector: {{job: billing-sidekiq}}
metrics:
  retries: {{selector: {series}, type: gauge, aggregation: {aggregation}}}
threshold_alerts:
  - {{name: BillingJobsRetrying, metric: retries, above: 100, for: 10m, tier: warning}}
alerts: {{traffic_anomaly: false}}
"""


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, aggregation: str) -> str:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "billing-jobs.yaml").write_text(SPEC.format(series=series, aggregation=aggregation))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    "series",
    ["sidekiq_jobs_retry_count", "sidekiq_jobs_dead_count", "sidekiq_queue_latency", "sidekiq_active_processes"],
)
def test_an_installations_gauge_summed_over_its_processes_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str
) -> None:
    err = _err(tmp_path, capsys, series, "sum")
    assert f"billing-jobs.yaml:6:12 $.metrics.retries: warning: {series} is the whole Sidekiq installation's" in err
    assert err.endswith("aggregation: max reads it once\n"), err


@pytest.mark.parametrize(("series", "aggregation"), [("sidekiq_jobs_retry_count", "max"), ("sidekiq_busy", "sum")])
def test_read_once_or_another_gauge_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, aggregation: str
) -> None:
    assert "whole Sidekiq installation" not in _err(tmp_path, capsys, series, aggregation)


def test_four_processes_writing_30_retries_ticket_a_line_of_100_summed_and_not_at_max(tmp_path: Path) -> None:
    require_tool("promtool")
    series = {f'up{{job="billing-sidekiq",instance="w{n}"}}': "1x30" for n in range(4)}
    series |= {f'sidekiq_jobs_retry_count{{job="billing-sidekiq",instance="w{n}"}}': "30x30" for n in range(4)}
    for aggregation, fired in (("sum", 1), ("max", 0)):
        folder = tmp_path / aggregation
        folder.mkdir()
        (folder / "platform.yaml").write_text(PLATFORM)
        spec = SPEC.format(series="sidekiq_jobs_retry_count", aggregation=aggregation)
        rules = _rules(folder, "billing-jobs", spec)
        checks = [_firing("BillingJobsRetrying", "25m", fired)]
        assert _promtool(folder, rules, "billing-jobs", series, checks, ({},)) == "", aggregation
