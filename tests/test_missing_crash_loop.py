"""An exporter in a crash loop fires the missing-data twin (round 25's known limit).

Answering one scrape every 12 minutes against a 15m hold, it restarted the twin's `absent` at each answer (pending
for good), and the alert itself read each answer for 10 minutes only (its hold never completed): neither fired.
The twin now also holds while the signal was missing 3/4 of the last 4/3 of its hold. A healthy exporter failing
a scrape, or down for less than the hold and back, still fires nothing. Inputs by hand, 1m steps, `stale` for
a failed scrape (promtool; the default subquery step is the evaluation interval, 1m here)."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: ingest
team: core
selector: {job: ingest}
metrics:
  depth: {selector: queue_depth, type: gauge, aggregation: max}
  memory: sum(container_memory_working_set_bytes{$selector}) / sum(kube_pod_container_resource_limits{$selector})
threshold_alerts:
  - {name: DepthHigh, metric: depth, above: 1000, for: 15m}
"""
SEL = 'job="ingest",instance="i1"'
MINUTES = 120


def _count(alert: str, at: str, count: int, missing: bool) -> dict[str, object]:
    data = ',data="missing"' if missing else ',data=""'
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing"{data}}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def _answers(value: str, every: int) -> str:
    """`value` at one scrape in `every` minutes, every other scrape failed (a stale marker)."""
    return " ".join(value if m % every == 0 else "stale" for m in range(MINUTES + 1))


def _series(depth: str, memory: str) -> dict[str, str]:
    return {
        f"queue_depth{{{SEL}}}": depth,
        f"container_memory_working_set_bytes{{{SEL}}}": memory,
        f"kube_pod_container_resource_limits{{{SEL}}}": f"1000x{MINUTES}",
        f"up{{{SEL}}}": f"1x{MINUTES}",
    }


def test_an_exporter_answering_every_12_minutes_fires_the_twins(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "ingest", SPEC)
    series = _series(_answers("5000", 12), _answers("900", 12))
    checks = []
    for alert in ("DepthHigh", "ServiceMemorySaturation"):
        # each answer read for less than the alert's hold: the alert itself never fires; its twin does
        checks += [_count(alert, at, 0, False) for at in ("60m", "96m", "120m")]
        checks += [_count(alert, at, 1, True) for at in ("60m", "96m", "120m")]  # 96m, 120m: at an answer
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_a_healthy_exporter_failing_scrapes_or_down_less_than_the_hold_fires_nothing(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "ingest", SPEC)
    flaky = " ".join("stale" if m % 10 == 9 else "10" for m in range(MINUTES + 1))  # one scrape in ten fails
    # down 14 minutes (under the 15m hold) from 40m, then back
    outage = " ".join("stale" if 40 <= m < 54 else "500" for m in range(MINUTES + 1))
    series = _series(flaky, outage)
    checks = []
    for alert in ("DepthHigh", "ServiceMemorySaturation"):
        checks += [_count(alert, at, 0, True) for at in ("30m", "53m", "55m", "60m", "70m", "120m")]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


DOWN = """apiVersion: obsc/v1
service: mailer
team: data
selector: {job: celery-exporter}
metrics:
  oldest_age: {selector: 'celery_queue_oldest_task_age_seconds{queue="mail"}', type: gauge, aggregation: max, unit: s}
threshold_alerts:
  - {name: MailQueueStale, metric: oldest_age, above: 10m, for: 5m, tier: critical}
"""
CELERY = 'job="celery-exporter",instance="c1"'


def _exporter_down_40_minutes(series_back: bool) -> dict[str, str]:
    """The exporter (the service's only target) fails every scrape from 40m to 80m, then answers again, with its
    queue-age series or (an upgrade that renamed it) without."""
    down = range(40, 80)
    back = "30" if series_back else "stale"
    age = " ".join("30" if m < 40 else "stale" if m in down else back for m in range(MINUTES + 1))
    return {
        f'celery_queue_oldest_task_age_seconds{{{CELERY},queue="mail"}}': age,
        f"up{{{CELERY}}}": " ".join("0" if m in down else "1" for m in range(MINUTES + 1)),
    }


def test_the_exporter_down_pages_service_down_alone_and_its_twin_never_after_it(tmp_path: Path) -> None:
    """Alertmanager inhibits the twin only while ServiceDown fires. The twin fired from 10m into the outage and,
    reading it in its sparse window and then kept firing, outlived ServiceDown: live (Prometheus 2.42, Alertmanager
    0.25), the exporter down 80 minutes paged ServiceDown, then the twin 6.5 minutes after it was back."""
    rules = _rules(tmp_path, "mailer", DOWN)
    checks = [_count("ServiceDown", "50m", 1, False), _count("ServiceDown", "95m", 0, False)]
    checks += [_count("MailQueueStale", at, 0, True) for at in ("50m", "79m", "82m", "86m", "90m", "100m", "120m")]
    assert _promtool(tmp_path, rules, "mailer", _exporter_down_40_minutes(True), checks) == ""


def test_a_series_still_missing_once_the_exporter_is_back_fires_the_twin(tmp_path: Path) -> None:
    """The gate ends a sparse window (13m20s) after the outage: a series the upgrade renamed is still missing data."""
    rules = _rules(tmp_path, "mailer", DOWN)
    checks = [_count("MailQueueStale", at, 0, True) for at in ("90m", "100m")]
    checks += [_count("MailQueueStale", at, 1, True) for at in ("105m", "120m")]
    assert _promtool(tmp_path, rules, "mailer", _exporter_down_40_minutes(False), checks) == ""


def test_without_service_down_the_twin_is_the_word_of_a_dead_exporter(tmp_path: Path) -> None:
    """The gate is for a service whose ServiceDown pages the outage: with service_down off, the twin is the only
    alert a dead exporter raises, so it fires while every target is down (a gate kept here paged nothing)."""
    rules = _rules(tmp_path, "mailer", DOWN + "alerts: {service_down: false}\n")
    checks = [_count("MailQueueStale", at, 1, True) for at in ("60m", "79m")]
    assert _promtool(tmp_path, rules, "mailer", _exporter_down_40_minutes(True), checks) == ""
