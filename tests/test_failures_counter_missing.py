"""A failures counter of its own name, renamed away (round 21, from a round-20 hunt). `checkout_failures_total`
over `http_requests_total`: a release that renames the counter leaves no failure series, the SLI reads no
failures, and neither the burn alerts nor SLODataMissing fired while every request failed. SLODataMissing now
asks for the counter too (at the labels it shares with its total; in a raw SLI's errors query, the service's).
Inputs written here by hand."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_specs
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: checkout
team: core
selector: {job: checkout}
metrics: {requests: http_requests_total, failures: 'checkout_failures_total{reason!="client"}'}
slos: [{name: checkout, objective: 99.5, sli: {errors: failures, total: requests}}]
"""
RAW = """apiVersion: obsc/v1
service: checkout
team: core
selector: {job: checkout}
slos:
  - name: checkout
    objective: 99.5
    sli:
      raw:
        errors: sum(rate(checkout_failures_total{$selector,reason!="client"}[$window]))
        total: sum(rate(http_requests_total{$selector}[$window]))
"""
_TRAFFIC = {'http_requests_total{job="checkout",code="200"}': "0+600x40", 'up{job="checkout"}': "1x40"}


def test_a_renamed_failures_counter_is_data_missing(tmp_path: Path) -> None:
    # every request fails, counted under the new name the spec does not read: the SLI sees no failures
    series = {**_TRAFFIC, 'checkout_errors_total{job="checkout",reason="card"}': "0+600x40"}
    checks = [_firing("SLODataMissing", "30m", 1), _firing("SLOErrorBudgetBurnFast", "30m", 0)]
    assert _promtool(tmp_path, _rules(tmp_path, "checkout", SPEC), "checkout", series, checks) == ""


def test_a_raw_sli_whose_failures_counter_is_renamed_is_data_missing(tmp_path: Path) -> None:
    series = {**_TRAFFIC, 'checkout_errors_total{job="checkout",reason="card"}': "0+600x40"}
    checks = [_firing("SLODataMissing", "30m", 1), _firing("SLOErrorBudgetBurnFast", "30m", 0)]
    assert _promtool(tmp_path, _rules(tmp_path, "checkout", RAW), "checkout", series, checks) == ""
    quiet, case = {**_TRAFFIC, 'checkout_failures_total{job="checkout"}': "0x40"}, tmp_path / "quiet"
    case.mkdir()
    assert (
        _promtool(case, _rules(case, "checkout", RAW), "checkout", quiet, [_firing("SLODataMissing", "30m", 0)]) == ""
    )


def test_a_failures_counter_at_zero_is_data(tmp_path: Path) -> None:
    # no failure yet, but the counter is there (a client library starts one without labels at 0; a labelled
    # one has each label value created at start): quiet
    at_zero = ('checkout_failures_total{job="checkout"}', 'checkout_failures_total{job="checkout",reason="card"}')
    for i, failures in enumerate(at_zero):
        series, case = {**_TRAFFIC, failures: "0x40"}, tmp_path / str(i)
        case.mkdir()
        checks = [_firing("SLODataMissing", "30m", 0)]
        assert _promtool(case, _rules(case, "checkout", SPEC), "checkout", series, checks) == ""


def test_the_alert_and_its_runbook_say_why(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    rules = _rules(specs, "checkout", SPEC)
    assert 'absent(sum(rate(checkout_failures_total{job="checkout"}[5m])))' in rules.read_text()
    assert "`checkout_failures_total`, the failures counter, has no series" in rules.read_text()
    rules.unlink()
    bundle = compile_specs([str(specs)]).bundle
    (page,) = (a.content for a in bundle.artifacts if a.path.endswith("SLODataMissing-checkout.md"))
    assert "Does the failures counter return anything?" in page
    assert 'sum(rate(checkout_failures_total{job="checkout"}[5m]))' in page
