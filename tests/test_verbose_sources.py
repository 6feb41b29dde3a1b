"""`-v` names where each SLO number the spec did not write comes from (round 39): its period, its min_bad_events
floor and its burn-window catalog, as it names the key alerts' inherited lines and holds. A floor of 100 from the
platform held a quiet service's total outage back for hours (tests/test_verify_event_floor.py) and `-v` listed
only the alerts skipped; the period and the catalog were said nowhere either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
defaults:
  slo_alerts:
    min_bad_events: 100
    windows:
      7d:
        - {tier: critical, name: fast, long: 1h, short: 5m, factor: 14.4, for: 2m}
        - {tier: warning, name: slow, long: 1d, short: 2h, factor: 1, for: 5m}
"""
)
SPEC = """\
apiVersion: obsc/v1
service: shop
team: shop
selector: {job: shop}
metrics: {requests: shop_requests_total, errors: 'shop_requests_total{code=~"5.."}'}
slos:
  - {name: weekly, objective: 99, period: 7d, sli: {errors: errors, total: requests}}
  - {name: monthly, objective: 99.9, sli: {errors: errors, total: requests}, min_bad_events: 5}
"""


def test_verbose_names_the_source_of_each_inherited_slo_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "shop.yaml").write_text(SPEC)
    result = run_obsc(capsys, "-v", "validate", str(tmp_path))
    assert result.code == 0, result.err
    platform = tmp_path / "platform.yaml"
    assert (
        f"shop: slo weekly: its floor of 100 failed events (min_bad_events) from platform defaults, {platform}:5:21, "
        f"its burn windows from the platform's 7d catalog, {platform}:7:7"
    ) in result.err
    assert (
        "shop: slo monthly: its period 30d from the built-in table, its burn windows from the built-in 30d catalog"
        in (result.err)
    )


def test_verbose_says_a_counters_bare_line_is_per_second(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Round 45 (a newcomer): `below: 10` on a settlements counter meant a few a minute and is 10 a second (its
    rate); `-v` said nothing of it. A line with its unit (`10/m`) and a gauge's line need no note."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    alerts = """\
metrics:
  requests: shop_requests_total
  errors: 'shop_requests_total{code=~"5.."}'
  settlements: {selector: settlements_total, unit: ops}
  queue: {selector: shop_queue_depth, type: gauge, aggregation: max}
threshold_alerts:
  - {name: SettlementsLow, metric: settlements, below: 10, for: 10m, tier: warning}
  - {name: SettlementsStalled, metric: settlements, below: 1/h, for: 1h, tier: warning}
  - {name: QueueDeep, metric: queue, above: 500, for: 10m, tier: warning}
"""
    spec = SPEC.replace(SPEC.splitlines(keepends=True)[4], alerts)  # its one-line metrics
    (tmp_path / "shop.yaml").write_text(spec)
    result = run_obsc(capsys, "-v", "validate", str(tmp_path))
    assert result.code == 0, result.err
    notes = [line.split("shop: ", 1)[1] for line in result.err.splitlines() if "threshold alert" in line]
    assert notes == [
        "threshold alert SettlementsLow: below 10 reads settlements as events per second (600/m); write 10/m or "
        "10/h for that many a minute or an hour"
    ], result.err
