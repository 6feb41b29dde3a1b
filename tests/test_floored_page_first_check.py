"""A floored page pair started at a case's first check is not expected up at the main file's next 30m step.

Drawn settings seed 1056 (round 52) exited 1: a 7d SLO with `min_bad_events: 50` under a platform catalog of a
30m/3m page (no `for`) and a 3d/6h ticket held `for: 1m`. The plan packed the page's "both at 1.25x" case (fires at
0) beside the ticket's (fires at 30m, the next step), so the page was checked at 30m too. Its short window holds
37.8 failures, under the floor of 50; at 30m its own page, fired at 0, is within its 30m window and its instant
ALERTS is past the 5m lookback, so the rule's restart floor stops it there (a 1m evaluation keeps it up: the
waiver reads the page still firing). The case is now checked at its own time only, as round 50's lone-failure
starts were (slo_plan.py `first_only`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler.targets.prometheus.promtool.pair_start import own_page_stops, starts
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  period: 7d
  slo_alerts:
    windows:
      7d:
      - {tier: warning, name: w0, long: 3d, short: 6h, factor: 1, for: 1m}
      - {tier: critical, name: w3, long: 30m, short: 3m, budget_share: 5%}
teams:
  data: {}
receivers:
  fallback: {webhook: {url: "http://127.0.0.1:9/hook"}}
alertmanager:
  default_receiver: fallback
"""
JOBS = """\
apiVersion: obsc/v1
service: jobs
team: data
routing: {critical: fallback, warning: fallback, info: fallback}
selector: {job: jobs}
metrics:
  requests: jobs_total
  errors: jobs_failed_total
slos:
  - {name: jobs, objective: 99, min_bad_events: 50, sli: {errors: errors, total: requests}}
"""


def test_a_floored_page_started_under_its_floor_passes_its_own_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "jobs.yaml").write_text(JOBS)
    done = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "-q")
    assert done.code == 0, done.err[-3000:]


class _LoneFailure:
    """A 5m short window at 0.01 events/s with one failure in it: a burn at the 1.44% line shows 0.04 of a failure,
    so a first page starts on it (the lone-failure start) and a start after a page does not (less one is 0)."""

    def window(self, seconds: int) -> tuple[Decimal, Decimal, float, float]:
        return Decimal("0.01"), Decimal(0), 1 / seconds, 0.0

    def ratio(self, seconds: int) -> float:
        return (1 / seconds) / 0.01

    def bad_slices(self, seconds: int) -> Decimal:
        return Decimal(0)

    def total_of(self, seconds: int) -> Decimal:
        return Decimal("0.01")


def test_an_unfloored_pair_is_never_stopped_by_its_own_page() -> None:
    """Only a restart floor stops a pair started at the first check (round 52, E03 left by review53: the guard
    dropped, the lone-failure start of an unfloored pair read as stopped and its later checks dropped)."""
    state = _LoneFailure()
    assert starts(state, 300, 0.0144) and not starts(state, 300, 0.0144, paged=True)
    assert not own_page_stops(state, 300, 0.0144, False, 0)
    assert own_page_stops(state, 300, 0.0144, False, 3)  # floored: its own page stops it
