"""A time-slice page pair started on one bad slice only because no page of its SLO fired within its long window
(counted_short.started_by_counted_short): at the generated tests' next 30m step its own page, fired at the first,
is in that window and its hold (the instant ALERTS, 30m old) past the lookback, so it stops there; a 1m evaluation
holds it. Packed beside a ticket pair with its own `for: 1m` (checked at 30m), the case was predicted still firing
at 30m and promtool rejected obsc's own test, exit 1 (drawn settings seeds 329, 345, round 49). Such a state is
now checked at its own times only: never packed, laned or merged beside a case checked later."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, InputSeries, merge
from compiler.targets.prometheus.promtool.slo_state import _State
from compiler.targets.prometheus.promtool.state_packing import pack
from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import PLATFORM

CATALOG = """\
defaults:
  slo_alerts:
    windows:
      30d:
        - {tier: critical, name: fast, long: 1h, short: 5m, factor: 14.4}
        - {tier: warning, name: slow, long: 1d, short: 2h, factor: 3, for: 1m}
"""
PROBES = """\
apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  probe_ok: {selector: probe_success, type: gauge, aggregation: min}
slos:
  - {name: probes, objective: 99, sli: {good_when: probe_ok == 1}}
"""


def test_a_slice_slo_beside_a_held_ticket_passes_its_own_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool", "PROMTOOL")
    code, err, _ = compile_one(capsys, tmp_path, PLATFORM + CATALOG, "api", PROBES, "-q")
    assert code == 0, err[-3000:]


def _state(*windows: int) -> _State:
    return _State({s: Decimal("0.1") for s in windows})


def test_a_state_with_a_horizon_is_not_packed_beside_one_checked_later() -> None:
    stray, ticket = _state(3600, 300), _state(21600, 1800)  # disjoint windows: one bin without horizons
    assert pack([stray, ticket]) == [[0, 1]]
    assert pack([stray, ticket], [0, 1800], [0, None]) == [[0], [1]]
    assert pack([stray, ticket], [0, 0], [0, None]) == [[0, 1]]  # both checked at 0 only


def test_a_case_predicting_until_its_first_check_runs_apart_when_asked_later() -> None:
    page = (Firing((("alertname", "Burn"),), ()),)

    def case(name: str, checked: tuple[int, ...], until: int | None) -> Case:
        checks = tuple(AlertCheck(at, "Burn", page) for at in checked)
        fed = (InputSeries(f"s_{name}", (), "1+0x2"),)
        return Case(name, 1800, fed, checks, predict=lambda alert, at: page, until=until)

    assert [c.name for c in merge([[case("stray", (0,), 0)], [case("held", (0, 1800), None)]])] == ["stray", "held"]
