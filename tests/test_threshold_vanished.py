"""One instance's series of a threshold alert split `by: [instance]` vanish while the others report (found by
a hunt: the data=missing twin waited for every series to go, so a broken instance read as healthy). The twin
now also fires for an instance still on `up` that had the series within a day; a scale-down or a deploy that
renamed the pods (gone from `up` too), an instance that never had them, and a counter's narrower series gone
at a restart stay quiet. Inputs written here by hand, 1m steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.fleet import platform_text
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: queue
team: core
selector: {job: queue}
metrics:
  depth: {selector: queue_depth, type: gauge, aggregation: max}
  requests: jobs_total
  errors: 'jobs_total{outcome="error"}'
  lag: {selector: consumer_lag, type: gauge, aggregation: max}
threshold_alerts:
  - {name: QueueDeep, metric: depth, above: 1000, for: 5m, by: [instance]}
  - {name: JobErrorsBurst, metric: errors, above: 2/s, by: [instance]}
  - {name: TopicLagHigh, metric: lag, above: 1000, by: [instance, topic]}
"""


def _missing(alert: str, at: str, instances: list[str]) -> dict[str, object]:
    """The data=missing twin's firing alerts at `at`, by instance ('' for the whole signal gone)."""
    expr = f'count by (instance) (ALERTS{{alertname="{alert}",data="missing",alertstate="firing"}})'
    samples = [{"labels": f'{{instance="{i}"}}' if i else "{}", "value": 1} for i in instances]
    return {"expr": expr, "eval_time": at, "exp_samples": samples}


def _compiled(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, spec: str) -> tuple[Path, str]:
    """`spec` compiled with validation (which runs the generated tests): the output and its test files' text."""
    require_tool("promtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(platform_text())
    (specs / f"{name}.yaml").write_text(spec)
    out = tmp_path / "out"
    done = run_obsc(capsys, "compile", str(specs), "--out", str(out), "-q")
    assert done.code == 0, done.err
    return out, "\n".join(p.read_text() for p in out.rglob("*.yaml") if "tests" in p.parts)


def _depth(instance: str, values: str) -> dict[str, str]:
    return {f'queue_depth{{job="queue",instance="{instance}"}}': values}


def _up(instance: str, values: str) -> dict[str, str]:
    return {f'up{{job="queue",instance="{instance}"}}': values}


def test_an_instance_still_scraped_whose_series_vanished_fires_after_the_hold(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "queue", SPEC)
    # b reports for 30 minutes, then its exporter stops writing queue_depth; its target stays up
    series = {**_depth("a", "5x90"), **_depth("b", "5x30 _x60"), **_up("a", "1x90"), **_up("b", "1x90")}
    checks = [_missing("QueueDeep", "30m", []), _missing("QueueDeep", "44m", []), _missing("QueueDeep", "60m", ["b"])]
    assert _promtool(tmp_path, rules, "queue", series, checks) == ""


def test_a_scale_down_or_a_renamed_pod_stays_quiet(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "queue", SPEC)
    # b leaves `up` with its series (scaled down); c replaces d mid-way (a deploy renamed the pod)
    series = {
        **_depth("a", "5x90"),
        **_up("a", "1x90"),
        **_depth("b", "5x30"),
        **_up("b", "1x30"),
        **_depth("d", "5x30"),
        **_up("d", "1x30"),
        **_depth("c", "_x31 5x59"),
        **_up("c", "_x31 1x59"),
    }
    assert _promtool(tmp_path, rules, "queue", series, [_missing("QueueDeep", "80m", [])]) == ""


def test_an_instance_that_never_had_the_series_stays_quiet(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "queue", SPEC)
    # an exporter's series carry its own instance, not the targets' (`exporter:9100`)
    series = {**_depth("exporter:9100", "5x90"), **_up("a", "1x90"), **_up("b", "1x90")}
    assert _promtool(tmp_path, rules, "queue", series, [_missing("QueueDeep", "80m", [])]) == ""


def test_every_series_gone_is_one_alert_for_the_whole_signal(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "queue", SPEC)
    series = {**_depth("a", "5x30"), **_depth("b", "5x30"), **_up("a", "1x90"), **_up("b", "1x90")}
    assert _promtool(tmp_path, rules, "queue", series, [_missing("QueueDeep", "80m", [""])]) == ""


def test_a_topic_gone_from_an_instance_that_reports_others_is_not_a_vanished_instance(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "queue", SPEC)
    lag = 'consumer_lag{{job="queue",instance="{}",topic="{}"}}'
    series = {
        lag.format("a", "orders"): "5x90",
        lag.format("b", "orders"): "5x90",
        lag.format("b", "refunds"): "5x30",  # the topic deleted
        **_up("a", "1x90"),
        **_up("b", "1x90"),
    }
    assert _promtool(tmp_path, rules, "queue", series, [_missing("TopicLagHigh", "80m", [])]) == ""
    del series[lag.format("b", "orders")]  # every topic of b gone while b is scraped: vanished
    series[lag.format("b", "orders")] = "5x30"
    assert _promtool(tmp_path, rules, "queue", series, [_missing("TopicLagHigh", "80m", ["b"])]) == ""


def test_an_errors_counter_of_a_restarted_instance_is_not_vanished_while_its_family_reports(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "queue", SPEC)
    # b had failures, restarted at 30m: its error series is gone until the next failure, its `ok` series back
    series = {
        'jobs_total{job="queue",instance="a",outcome="error"}': "0+60x90",
        'jobs_total{job="queue",instance="a",outcome="ok"}': "0+600x90",
        'jobs_total{job="queue",instance="b",outcome="error"}': "0+60x30",
        'jobs_total{job="queue",instance="b",outcome="ok"}': "0+600x30 0+600x59",
        **_up("a", "1x90"),
        **_up("b", "1x90"),
    }
    checks = [_missing("JobErrorsBurst", "80m", [])]
    assert _promtool(tmp_path, rules, "queue", series, checks) == ""
    # the whole family of b gone while b is scraped: vanished
    del series['jobs_total{job="queue",instance="b",outcome="ok"}']
    series['jobs_total{job="queue",instance="b",outcome="ok"}'] = "0+600x30"
    assert _promtool(tmp_path, rules, "queue", series, [_missing("JobErrorsBurst", "80m", ["b"])]) == ""


def test_the_generated_tests_feed_a_vanished_instance_and_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, tests = _compiled(tmp_path, capsys, "queue", SPEC)
    for alert in ("QueueDeep", "JobErrorsBurst"):
        assert f"{alert}: an instance still scraped whose series stopped fires after 10m, with its labels" in tests
    runbook = (out / "runbooks" / "queue" / "QueueDeep.md").read_text()
    assert "labelled with the instance, for an instance still scraped" in runbook
    assert "One group going quiet while others report is not detected" not in runbook


TOPICS = """apiVersion: obsc/v1
service: ingest
team: core
selector: {job: ingest}
metrics:
  lag: {selector: 'kafka_consumergroup_lag{group="ingest"}', service_selector: false, type: gauge, aggregation: sum}
  failed: ingest_failed_total
threshold_alerts:
  - {name: LagHigh, metric: lag, above: 1000, for: 10m, by: [topic]}
  - {name: FailuresHigh, metric: failed, above: 1/s, by: [topic]}
"""


def _topic_missing(alert: str, at: str, topics: list[str]) -> dict[str, object]:
    expr = f'count by (topic) (ALERTS{{alertname="{alert}",data="missing",alertstate="firing"}})'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": f'{{topic="{t}"}}', "value": 1} for t in topics]}


def test_a_topic_that_stops_being_reported_past_its_line_is_missing_data(tmp_path: Path) -> None:
    # Round 25 (a round-21 known limit): orders lags 5000 behind, then the exporter stops reporting it at 30m;
    # LagHigh resolved as if it had caught up. refunds, healthy, is deleted at 30m: nothing says it should exist.
    rules = _rules(tmp_path, "ingest", TOPICS)
    lag = 'kafka_consumergroup_lag{{group="ingest",topic="{}",partition="0"}}'
    series = {lag.format("orders"): "5000x30 stale", lag.format("refunds"): "10x30 stale", lag.format("audit"): "5x90"}
    checks = [_topic_missing("LagHigh", "39m", []), _topic_missing("LagHigh", "41m", ["orders"])]
    checks += [_topic_missing("LagHigh", "90m", ["orders"]), _firing("LagHigh", "36m", 1)]  # the handover
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_a_counters_topic_without_series_has_no_events_and_stays_quiet(tmp_path: Path) -> None:
    # failures of one topic over the line, then the process restarts: its failure series appear with the next one
    rules = _rules(tmp_path, "ingest", TOPICS)
    failed = 'ingest_failed_total{{job="ingest",topic="{}"}}'
    series = {failed.format("orders"): "0+6000x30 stale", failed.format("audit"): "0+1x90"}
    assert _promtool(tmp_path, rules, "ingest", series, [_topic_missing("FailuresHigh", "80m", [])]) == ""


CERTS = """apiVersion: obsc/v1
service: certs
team: core
selector: {job: certs}
metrics:
  expiry: {selector: 'probe_ssl_earliest_cert_expiry{module="tls"}', service_selector: false, type: gauge}
  temp: {selector: node_temp_celsius, type: gauge, aggregation: avg}
threshold_alerts:
  - {name: CertSoon, metric: expiry, within: 1h, for: 5m, by: [domain]}
  - {name: TempHot, metric: temp, above: 80, for: 20m, by: [rack, row]}
  - {name: TempCold, metric: temp, below: -5.5, for: 0s, by: [rack], tier: info}
"""


def test_the_generated_tests_feed_a_group_that_stopped_past_its_line_and_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a stopped timestamp's time left shrinks while the test runs: fed as if it had not, the quiet group of a
    # `within: 1h` alert crossed the line before the twin could fire (the generated test failed)
    out, tests = _compiled(tmp_path, capsys, "certs", CERTS)
    for alert, hold in (("CertSoon", "10m"), ("TempHot", "20m"), ("TempCold", "10m")):
        assert f"{alert}: a group whose series stopped past the line fires after {hold}, with its labels" in tests
    runbook = (out / "runbooks" / "certs" / "TempHot.md").read_text()
    assert "labelled with the group (rack, row), for a group whose last value" in runbook
