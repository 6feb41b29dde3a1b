"""Missing data of a threshold alert on a counter's narrower series (found by a hunt): an errors counter
(`outcome="error"`) has no series until the first failure, so a healthy service got a missing-data ticket.
A counter compared `above` is missing only when its whole family is gone. Inputs written here by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.targets.prometheus.promtool.threshold_cases import OTHER_SERVICE
from tests.bench.fleet import platform_text
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: hooks
team: core
selector: {job: hooks}
metrics: {requests: hook_deliveries_total, errors: 'hook_deliveries_total{outcome="error"}'}
threshold_alerts: [{name: DeliveryErrorsBurst, metric: errors, above: 2/s}]
"""
MISSING = 'count(ALERTS{alertname="DeliveryErrorsBurst",data="missing",alertstate="firing"}) or vector(0)'


def _missing(at: str, count: int) -> dict[str, object]:
    return {"expr": MISSING, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def test_no_failure_yet_is_not_missing_data(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "hooks", SPEC)
    series = {'hook_deliveries_total{job="hooks",outcome="ok"}': "0+60x90", 'up{job="hooks"}': "1x90"}
    checks = [_missing("1h", 0), _firing("DeliveryErrorsBurst", "1h", 0)]
    assert _promtool(tmp_path, rules, "hooks", series, checks) == ""


def test_the_whole_family_gone_is_missing_data(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "hooks", SPEC)
    series = {'hook_deliveries_total{job="renamed",outcome="ok"}': "0+60x90", 'up{job="hooks"}': "1x90"}
    assert _promtool(tmp_path, rules, "hooks", series, [_missing("1h", 1)]) == ""


@pytest.mark.parametrize("missing", ["alert", "ignore"])
def test_a_service_named_like_the_tests_other_service_gets_tests_that_pass(
    missing: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The generated tests feed a series of "another service" that must not stand in for this one: it was
    # named obsc-other-service whatever this service's name, so a service of that name failed every compile.
    require_tool("promtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(platform_text())
    name = OTHER_SERVICE
    (specs / f"{name}.yaml").write_text(
        f"apiVersion: obsc/v1\nservice: {name}\nteam: core\nselector: {{job: {name}}}\n"
        "metrics: {lag: {selector: consumer_lag, type: gauge, aggregation: sum}}\n"
        f"threshold_alerts: [{{name: LagHigh, metric: lag, above: 100, for: 10m, missing: {missing}}}]\n"
    )
    done = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "-q")  # validated
    assert done.code == 0, done.err
