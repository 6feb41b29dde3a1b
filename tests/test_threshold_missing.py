"""Missing data of a threshold alert on a counter's narrower series (found by a hunt): an errors counter
(`outcome="error"`) has no series until the first failure, so a healthy service got a missing-data ticket.
A counter compared `above` is missing only when its whole family is gone. Inputs written here by hand."""

from __future__ import annotations

from pathlib import Path

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
