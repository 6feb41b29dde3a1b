"""A ServiceDown held behind its relay (`relay:`) waits longer than its spec says (two evaluation intervals since
round 51, a minute before), but its crash-loop windows are twice the written hold (model/relays.py crash_loop_hold:
the relay's windows at equal holds). The generated crash-loop cases replayed the rule with windows twice its `for`:
for a relayed page held 15s (1m15s in the rule then, 30s windows) they expected a page in a loop that the rule,
rightly, does not give (its 30s windows read one sample a minute and flap), and promtool rejected obsc's own tests
(exit 1, drawn settings seed 607, round 50).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {scrape_interval: 15s}
  routing: {critical: fallback}
teams:
  web: {}
  obs: {}
receivers:
  fallback: {webhook: {url: 'https://pager.example/hook'}}
alertmanager: {default_receiver: fallback}
"""
COLLECTOR = """\
apiVersion: obsc/v1
service: otel-collector
team: obs
selector: {job: otel-collector}
metrics:
  requests: otelcol_receiver_accepted_spans_total
  errors: otelcol_receiver_refused_spans_total
slos:
  - {name: intake, objective: 99.9, sli: {errors: errors, total: requests}}
alerts: {service_down: {critical: {for: 0s}}}
"""
CART = """\
apiVersion: obsc/v1
service: cart
team: web
selector: {service_name: cart-api, span_kind: SPAN_KIND_SERVER}
targets: {job: otel-collector}
targets_via: collector
relay: {service: otel-collector, team: obs}
metrics:
  requests: traces_span_metrics_calls_total
  errors: traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
alerts: {service_down: {critical: {for: HOLD}, info: {for: 3m}}}
"""


def _compile(capsys: pytest.CaptureFixture[str], tmp_path: Path, hold: str, *flags: str) -> tuple[int, str, Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "otel-collector.yaml").write_text(COLLECTOR)
    (specs / "cart.yaml").write_text(CART.replace("HOLD", hold))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "-q", *flags)
    return result.code, result.err, tmp_path / "out"


@pytest.mark.parametrize("hold", ["15s", "2m"])
def test_a_relayed_page_passes_its_own_crash_loop_cases(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hold: str
) -> None:
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    code, err, _ = _compile(capsys, tmp_path, hold)
    assert code == 0, err[-3000:]


def test_the_loop_case_expects_no_page_of_a_relayed_15s_hold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The rule's 30s windows at one sample a minute: two instances up in turn are both down one minute in three,
    never the 2m15s the page holds; the 3m notice's 6m windows see the loop."""
    code, err, out = _compile(capsys, tmp_path, "15s", "--no-validate")
    assert code == 0, err[-3000:]
    tests = yaml.safe_load((out / "prometheus" / "tests" / "cart.scrapes.test.yaml").read_text())["tests"]
    loop = next(t for t in tests if "in turn (a crash loop)" in t["name"])
    fired = {e["exp_labels"]["severity"] for check in loop["alert_rule_test"] for e in check["exp_alerts"]}
    assert fired == {"info"}, fired
