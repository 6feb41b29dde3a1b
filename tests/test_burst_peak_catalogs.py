"""A platform's own burn-window catalog without a 5m window (12h/1h and 1d/2h tickets only), round 49.

The dense-burst gate's peak operand (counted_short._dense_peak) reads the busiest 5m of the burst window, so the
rule has it only where the SLO records 5m; the generated cases of a dense burst's end (slo_peak_states.py)
assumed it always did, and expected the ticket to end where the rule, without the operand, holds it (a clean
1h too thin to end it alone): promtool rejected obsc's own test, exit 1, for every ratio SLO under such a catalog
(drawn settings seeds 10, 43, 164, 193, 198). The cases now read the SLO's recorded windows as the rule does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import PLATFORM

API = """\
apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
"""
TICKETS = "        - {tier: warning, name: slow, long: 12h, short: 1h, factor: 2}\n"
TICKETS += "        - {tier: warning, name: slower, long: 1d, short: 2h, factor: 3}\n"
PAGE = "        - {tier: critical, name: fast, long: 1h, short: 5m, factor: 14.4}\n"
PEAK_OPERAND = "max_over_time(slo:sli_errors:rate5m"


def _catalog(rows: str) -> str:
    return PLATFORM + "defaults:\n  slo_alerts:\n    windows:\n      30d:\n" + rows


def _case_names(tmp_path: Path) -> str:
    tests = yaml.safe_load((tmp_path / "out" / "prometheus" / "tests" / "api.test.yaml").read_text())["tests"]
    return "\n".join(str(t["name"]) for t in tests)


def test_a_catalog_without_5m_passes_its_own_dense_burst_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool", "PROMTOOL")
    code, err, rules = compile_one(capsys, tmp_path, _catalog(TICKETS), "api", API, "-q")
    assert code == 0, err[-3000:]
    assert PEAK_OPERAND not in rules
    assert "its busiest 5m" not in _case_names(tmp_path)


def test_a_catalog_with_5m_keeps_the_peak_and_its_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, rules = compile_one(capsys, tmp_path, _catalog(PAGE + TICKETS), "api", API, "-q", "--no-validate")
    assert code == 0, err
    assert PEAK_OPERAND in rules
    assert "its busiest 5m" in _case_names(tmp_path)
