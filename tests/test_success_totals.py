"""A ratio SLI whose total counts only the successes (round 48, an eighth fleet nobody here wrote).

A newcomer's Celery spec divided `celery_task_failed_total` by `celery_task_succeeded_total`: when every task fails
the total's rate is 0 and the SLO has no ratio. Replayed below with promtool: no page 20 minutes into such an
outage, where the raw SLI the warning offers pages. Across two counters the name is the clue (a located warning);
the same counter with errors and total that pass no value in common is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.success_totals import success_total_warnings
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.spec_errors import spec_errors
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: thumbs\nteam: core\nselector: {job: thumbs}\n"
RATIO = "metrics: {failed: '%s', all: '%s'}\nslos: [{name: tasks, objective: 99, sli: {errors: failed, total: all}}]\n"
RAW = (
    "slos:\n  - name: tasks\n    objective: 99\n    sli:\n      raw:\n"
    "        errors: sum(rate(celery_task_failed_total{$selector}[$window]))\n"
    "        total: %s\n"
)


def _warnings(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "thumbs.yaml").write_text(HEAD + body)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in success_total_warnings(fleet.services)]


@pytest.mark.parametrize(
    ("failed", "total", "why"),
    [
        ("celery_task_failed_total", "celery_task_succeeded_total", "its name says succeeded"),
        ("sidekiq_jobs_failed_total", "sidekiq_jobs_success_total", "its name says success"),
        ("jobs_failed_total", 'jobs_total{status="success"}', 'it keeps status="success"'),
        ("http_errors_total", 'http_requests_total{code=~"2.."}', 'it keeps code=~"2.."'),
        # any case, and the class written as 2xx (hand mutants of round 48 passed these)
        ("tasks_failed_total", "tasks_Succeeded_total", "its name says succeeded"),
        ("jobs_failed_total", 'jobs_total{status="SUCCESS"}', 'it keeps status="SUCCESS"'),
        ("http_errors_total", 'http_requests_total{code_class=~"2xx"}', 'it keeps code_class=~"2xx"'),
    ],
    ids=["celery", "sidekiq", "status-label", "status-class", "name-case", "value-case", "class-2xx"],
)
def test_a_total_of_successes_beside_a_failures_counter_is_warned_of_at_the_slo(
    tmp_path: Path, failed: str, total: str, why: str
) -> None:
    found = _warnings(tmp_path, RATIO % (failed, total))
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'thumbs.yaml'}:") and " $.slos[0].sli.total: SLO 'tasks' " in found[0]
    assert f"({total.split('{')[0]}: {why})" in found[0]
    assert "when every event fails the total's rate is 0" in found[0]


@pytest.mark.parametrize(
    ("failed", "total"),
    [
        ("celery_task_failed_total", "celery_task_received_total"),  # every task the workers took
        ("jobs_failed_total", "jobs_total"),
        ('jobs_total{status="failed"}', "jobs_total"),  # one counter: selector_cover's to judge
        ("jobs_failed_total", 'jobs_total{queue="mail"}'),
        ('probes_ok_total{result="failed"}', "probes_ok_total"),  # one counter: its name is no clue
        ("http_errors_total", 'http_requests_total{code=~"2..|5.."}'),  # the 5xx count too
    ],
    ids=["received", "all-jobs", "same-counter", "other-label", "same-counter-success", "class-and-failures"],
)
def test_a_total_of_every_attempt_is_not_warned_of(tmp_path: Path, failed: str, total: str) -> None:
    assert _warnings(tmp_path, RATIO % (failed, total)) == []


def test_errors_and_total_of_one_counter_that_share_no_value_are_refused(tmp_path: Path) -> None:
    body = (
        "metrics: {requests: 'http_requests_total{code=~\"2..\"}', errors: 'http_requests_total{code=~\"5..\"}'}\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
    )
    found = spec_errors(tmp_path, {"thumbs.yaml": HEAD + body})
    assert [f.split(":")[0] for f in found] == ["metrics.errors", "slos.0.sli.errors"], found
    assert "pass no code value in common: they share no series" in found[1]
    assert "when every event fails the total reads 0 and nothing pages" in found[1]


def test_an_outage_of_every_task_pages_only_with_the_failures_in_the_total(tmp_path: Path) -> None:
    require_tool("promtool")
    # 600 tasks a minute, 1 failing, for 2h; then every task fails: the succeeded counter stands still
    at = 'job="thumbs",name="make_thumb"'
    series = {
        f"celery_task_succeeded_total{{{at}}}": "0+600x120 72000x30",
        f"celery_task_failed_total{{{at}}}": "0+1x120 120+600x30",
        'up{job="thumbs"}': "1x150",
    }
    both = (
        "sum(rate(celery_task_succeeded_total{$selector}[$window])) + sum(rate(celery_task_failed_total{$selector}"
        "[$window])) or sum(rate(celery_task_succeeded_total{$selector}[$window])) or "
        "sum(rate(celery_task_failed_total{$selector}[$window]))"
    )
    specs = {
        "successes": RATIO % ("celery_task_failed_total", "celery_task_succeeded_total"),
        "every-task": RAW % both,
    }
    for name, body in specs.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "thumbs", HEAD + body)
        pages = 0 if name == "successes" else 1  # 20 minutes in: the fast pair, or nothing
        checks = [_firing("SLOErrorBudgetBurnFast", "140m", pages), _firing("SLODataMissing", "140m", 0)]
        assert _promtool(folder, rules, "thumbs", series, checks) == "", name


def test_a_summed_total_series_beside_per_code_series_is_not_refused(tmp_path: Path) -> None:
    # OpenSLO's own example counts `code="total"` beside `code=~"2xx|3xx"`: one counter, a summed series (round 48's
    # refusal read it as a total of successes and refused the spec's own example)
    body = (
        "metrics: {requests: 'http_requests_total{code=\"total\"}', errors: 'http_requests_total{code=~\"5..\"}'}\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
    )
    assert spec_errors(tmp_path, {"thumbs.yaml": HEAD + body}) == []
