"""A page pair started on one failure is checked at its own times only (promtool/slo_plan.py `first_only`).

Its start holds only while no page of its SLO fired within its long window (round 49). At the main file's 30m steps
a pair without `for` fires at 0, and at 30m its own page (fired at 0) is in that window while its hold (the instant
`ALERTS`, 30m old) is past the lookback: it stops there, where a 1m evaluation holds it. A case packed beside it
and checked at 30m asked it to fire there, and promtool rejected obsc's own tests (exit 1): drawn settings seed 609
(round 50), a platform catalog's 30m/3m page of a 90% SLO. Time-slice pairs were kept alone already (seeds 329, 345).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  period: 28d
  routing: {critical: fallback, warning: fallback, info: fallback}
  slo_alerts:
    windows:
      28d:
        - {tier: critical, name: fast, long: 30m, short: 3m, factor: 20}
        - {tier: warning, name: slow, long: 12h, short: 1h, budget_share: 5%, for: 2m}
teams:
  payments: {}
receivers:
  fallback: {webhook: {url: 'http://127.0.0.1:9/hook'}}
alertmanager: {default_receiver: fallback}
"""
BATCH = """\
apiVersion: obsc/v1
service: batch
team: payments
selector: {job: batch}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: s1, objective: 90, sli: {errors: errors, total: requests}}
"""


def test_a_page_started_on_one_failure_passes_its_own_tests(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "batch.yaml").write_text(BATCH)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "-q")
    assert result.code == 0, result.err[-3000:]
