"""A failures counter of its own name (`checkout_failures_total` over `http_requests_total`), replayed with promtool.

Round 21: a release that renames the counter leaves no failure series, the SLI reads no failures, and neither the
burn alerts nor SLODataMissing fired while every request failed; SLODataMissing then asked for the counter. But a
labelled counter has no series until its first failure (client libraries create each label value then), so a
healthy service ticketed from 0:10 for as long as none came, and again after each restart (round 37's fleet).
Round 38: SLODataMissing asks for the counter only when it had series in the last day (renamed, dropped by a
relabelling, or the service restarted since its last failure); one never seen is no ticket but, after 6 hours
of events without it, an info notice (SLOFailuresCounterUnseen: no failure yet, or a typo?). Inputs written
here by hand: 1m scrapes, a rule evaluation a minute."""

from __future__ import annotations

from pathlib import Path

import yaml

from compiler.api import compile_specs
from tests.promtool_helpers import promtool_report, rules_checked_by
from tests.test_sli_semantics import _rules

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
DAY = 1440  # samples
TOTAL = 'http_requests_total{job="checkout",code="200"}'
UP = 'up{job="checkout"}'
CARD = 'checkout_failures_total{job="checkout",reason="card"}'
MISSING = "SLODataMissing"
UNSEEN = "SLOFailuresCounterUnseen"


def _firing(alert: str, at: str, count: int) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def _replay(
    tmp_path: Path, spec: str, series: dict[str, str], checks: list[dict[str, object]], every: str = "1m"
) -> str:
    """promtool's report ('' when every check passes) on the rules of `spec` that the checks read, evaluated
    `every` (1m: the hand-written timings are to the minute)."""
    case = tmp_path / str(len(list(tmp_path.iterdir())))
    case.mkdir()
    rules = _rules(case, "checkout", spec)
    checked = rules_checked_by(rules.read_text(), [str(c["expr"]) for c in checks])
    (case / "checked.yaml").write_text(checked)
    order = [g["name"] for g in yaml.safe_load(checked)["groups"]]
    return promtool_report(case, "checked.yaml", series, checks, evaluation_interval=every, group_eval_order=order)


def _traffic(samples: int) -> dict[str, str]:
    return {TOTAL: f"0+600x{samples}", UP: f"1x{samples}"}


def test_a_healthy_service_with_no_failure_series_for_two_days_is_no_ticket(tmp_path: Path) -> None:
    # no failure in two days: the labelled counter never had a series (round 37: a ticket from 0:10 to the end);
    # the info notice from 6:01 (pending from 0:01, the first 5m rate of the total) to the end. Its start is
    # read to the minute (evaluated every minute up to it); the rest of the two days at 5m steps, which a
    # 10m-held ticket or a notice that ends would fire or stop at as well: a third of the 1m steps' promtool CPU.
    first = [_firing(MISSING, at, 0) for at in ("30m", "6h")] + [_firing(UNSEEN, "6h", 0), _firing(UNSEEN, "6h2m", 1)]
    rest = [_firing(MISSING, at, 0) for at in ("1d", "47h")] + [_firing(UNSEEN, "47h", 1)]
    for spec in (SPEC, RAW):
        assert _replay(tmp_path, spec, _traffic(6 * 60 + 2), first) == ""
        assert _replay(tmp_path, spec, _traffic(47 * 60), rest, every="5m") == ""


def test_the_first_failure_after_three_hours_creates_the_series_and_nothing_tickets(tmp_path: Path) -> None:
    series = {**_traffic(480), CARD: "_x180 1+0x300"}
    checks = [_firing(alert, at, 0) for alert in (MISSING, UNSEEN) for at in ("2h", "3h5m", "3h30m", "8h")]
    assert _replay(tmp_path, SPEC, series, checks) == ""


def test_the_notice_ends_at_a_first_failure_after_it(tmp_path: Path) -> None:
    series = {**_traffic(600), CARD: "_x480 1+0x120"}
    checks = [_firing(UNSEEN, "7h", 1), _firing(UNSEEN, "8h1m", 0), _firing(MISSING, "9h", 0)]
    assert _replay(tmp_path, SPEC, series, checks) == ""


def test_a_failures_counter_dropped_by_a_relabelling_tickets(tmp_path: Path) -> None:
    # a failure at 0:30 creates the series; at 3:00 a relabel change drops it while requests count on
    series = {**_traffic(360), CARD: "_x30 1+0x150"}
    checks = [_firing(MISSING, "2h", 0), _firing(MISSING, "3h10m", 0), _firing(MISSING, "3h20m", 1)]
    checks += [_firing(MISSING, "6h", 1), _firing(UNSEEN, "6h", 0)]
    assert _replay(tmp_path, SPEC, series, checks) == ""
    assert _replay(tmp_path, RAW, series, checks) == ""


def test_a_restart_after_a_failure_tickets_until_the_next_one(tmp_path: Path) -> None:
    # a failure at 3:00 creates the series; the service restarts at 5:00 (counters from 0, the labelled one gone
    # with the process): as a rename in that deploy would look, it tickets until the next failure (7:00) creates it
    series = {TOTAL: "0+600x300 0+600x180", UP: "1x480", CARD: "_x180 1+0x120 _x119 1+0x60"}
    checks = [_firing(MISSING, "4h", 0), _firing(MISSING, "5h20m", 1), _firing(MISSING, "6h50m", 1)]
    checks += [_firing(MISSING, "7h10m", 0), _firing(UNSEEN, "7h10m", 0)]
    assert _replay(tmp_path, SPEC, series, checks) == ""


def test_a_renamed_failures_counter_is_data_missing(tmp_path: Path) -> None:
    # the old name had a series (a failure at 0:10); from 1:00 every request fails, counted under a new name the
    # spec does not read: the SLI sees no failures
    series = {
        **_traffic(180),
        CARD: "_x10 1+0x50",
        'checkout_errors_total{job="checkout",reason="card"}': "_x60 0+600x120",
    }
    checks = [_firing(MISSING, "50m", 0), _firing(MISSING, "1h30m", 1), _firing("SLOErrorBudgetBurnFast", "1h30m", 0)]
    assert _replay(tmp_path, SPEC, series, checks) == ""
    assert _replay(tmp_path, RAW, series, checks) == ""


def test_a_typod_failures_counter_is_a_notice_not_a_ticket(tmp_path: Path) -> None:
    # the spec's name never had a series (the service writes checkout_failures_total): as for a counter before its
    # first failure, no ticket; the notice from 6:01 says both
    typo = SPEC.replace("checkout_failures_total", "checkout_failure_total")
    series = {**_traffic(480), CARD: "0+1x480"}
    checks = [_firing(MISSING, at, 0) for at in ("1h", "8h")] + [_firing(UNSEEN, "5h", 0), _firing(UNSEEN, "8h", 1)]
    assert _replay(tmp_path, typo, series, checks) == ""


def test_the_total_missing_still_tickets(tmp_path: Path) -> None:
    series = {UP: "1x480", CARD: "0+1x480"}
    checks = [_firing(MISSING, "9m", 0), _firing(MISSING, "20m", 1), _firing(UNSEEN, "8h", 0)]
    assert _replay(tmp_path, SPEC, series, checks) == ""
    # neither the counter nor the total: the ticket, not the notice (it asks for events)
    assert _replay(tmp_path, SPEC, {UP: "1x480"}, [_firing(MISSING, "20m", 1), _firing(UNSEEN, "8h", 0)]) == ""


def test_an_outage_whose_first_failures_create_the_series_pages(tmp_path: Path) -> None:
    # healthy for 3 h with no failure series; at 3:00 every request fails, the counter's first series appearing
    # with them (mid-window of every burn rate): the fast burn pages within minutes, no data-missing ticket
    series = {**_traffic(300), CARD: "_x180 600+600x120"}
    checks = [_firing("SLOErrorBudgetBurnFast", "2h59m", 0), _firing("SLOErrorBudgetBurnFast", "3h10m", 1)]
    checks += [_firing(MISSING, at, 0) for at in ("3h10m", "4h")]
    assert _replay(tmp_path, SPEC, series, checks) == ""


def test_a_failures_counter_at_zero_is_data(tmp_path: Path) -> None:
    # no failure yet, but the counter is there (a client library starts one without labels at 0; a labelled
    # one has each label value created at start): quiet
    for failures in ('checkout_failures_total{job="checkout"}', CARD):
        assert _replay(tmp_path, SPEC, {**_traffic(60), failures: "0x60"}, [_firing(MISSING, "30m", 0)]) == ""


def test_the_alert_and_its_runbook_say_why(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    rules = _rules(specs, "checkout", SPEC).read_text()
    family = 'checkout_failures_total{job="checkout"}'
    seen = f"absent(sum(rate({family}[5m]))) and on () max_over_time((group({family}))[1d:10m])"
    assert seen in " ".join(rules.split())
    assert "`checkout_failures_total`, the failures counter, had series in the last 1d and has none now" in rules
    notice = f"absent(sum(rate({family}[5m]))) unless on () max_over_time((group({family}))[1d:10m]) and on ()"
    assert notice + ' sum(rate(http_requests_total{job="checkout"}[5m])) for: "6h"' in " ".join(rules.split())
    (specs / "rules.yaml").unlink()
    bundle = compile_specs([str(specs)]).bundle
    (page,) = (a.content for a in bundle.artifacts if a.path.endswith("SLODataMissing-checkout.md"))
    assert "Does the failures counter return anything?" in page
    assert f"sum(rate({family}[5m]))" in page
    (unseen,) = (a.content for a in bundle.artifacts if a.path.endswith("SLOFailuresCounterUnseen-checkout.md"))
    assert "Create each label value the SLO reads at 0 when the service starts" in unseen
    assert 'count by (__name__) ({job="checkout", __name__=~"(?i).*(fail|err).*"})' in unseen


def test_errors_on_the_totals_own_metric_read_no_family(tmp_path: Path) -> None:
    # `http_requests_total{code="500"}` has no series while only 200s come: its family is the total, which the
    # ticket already asks for; neither the ticket nor the notice (there is none) fires
    same = SPEC.replace("'checkout_failures_total{reason!=\"client\"}'", "'http_requests_total{code=\"500\"}'")
    assert "SLOFailuresCounterUnseen" not in _rules(tmp_path, "checkout", same).read_text()
    assert _replay(tmp_path, same, _traffic(480), [_firing(MISSING, at, 0) for at in ("1h", "8h")]) == ""


def test_an_slo_without_info_alerts_gets_no_notice(tmp_path: Path) -> None:
    """`alerts: {info: false}` turns the SLO's notices off, this one too; its ticket stays."""
    quiet = SPEC.replace("sli: {errors: failures", "alerts: {info: false}, sli: {errors: failures")
    rules = _rules(tmp_path, "checkout", quiet).read_text()
    assert "SLOFailuresCounterUnseen" not in rules and "alert: SLODataMissing" in rules
