"""A failed scrape does not restart a key-metric or threshold alert's hold (found by a hunt, round 25).

Prometheus marks every series of a target stale as soon as a scrape fails (no 5-minute lookback), so a
gauge's recorded signal vanished for one evaluation and the pending alert started its `for` over: an
exporter failing one scrape in eight never let a 10m hold complete, and a 90% memory or a queue five times
its line read as healthy for hours; a deployment or new-error notice ended there and was sent again a scrape
later. The alerts read the signal's last value of the past 5 minutes. Inputs written here by hand, 1m steps,
`stale` for a failed scrape."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: ingest
team: core
selector: {job: ingest}
metrics:
  depth: {selector: queue_depth, type: gauge, aggregation: max}
  memory: sum(container_memory_working_set_bytes{$selector}) / sum(kube_pod_container_resource_limits{$selector})
  cert: {selector: probe_ssl_earliest_cert_expiry, type: gauge}
alerts: {memory: {warning: {threshold: 80%, for: 10m}}}
threshold_alerts:
  - {name: DepthHigh, metric: depth, above: 1000, for: 10m}
  - {name: CertExpiring, metric: cert, within: 14d, for: 1h}
"""
SEL = 'job="ingest",instance="i1"'


def _flaky(value: str, every: int, minutes: int) -> str:
    """`value` at each 1m scrape, but every `every`th scrape failed (a stale marker)."""
    return " ".join(value if (m + 1) % every else "stale" for m in range(minutes + 1))


def test_a_gauge_alert_fires_though_one_scrape_in_eight_fails(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "ingest", SPEC)
    series = {
        f"queue_depth{{{SEL}}}": _flaky("5000", 8, 120),
        f"container_memory_working_set_bytes{{{SEL}}}": _flaky("900", 8, 120),
        f"kube_pod_container_resource_limits{{{SEL}}}": "1000x120",
        f"up{{{SEL}}}": "1x120",
    }
    # breached from the start: each fires once its hold has run (with a scrape failed at 7m in it)
    checks = [_firing("DepthHigh", "9m", 0), _firing("ServiceMemorySaturation", "9m", 0)]
    checks += [
        _firing(alert, f"{m}m", 1) for m in (11, 30, 60, 120) for alert in ("DepthHigh", "ServiceMemorySaturation")
    ]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_a_certificate_probe_failing_every_40_minutes_still_warns(tmp_path: Path) -> None:
    # the blackbox exporter writes no probe_ssl_* series for a failed probe: the hour's hold never completed
    rules = _rules(tmp_path, "ingest", SPEC)
    expiry = " ".join(str(86400 + 60 * m) if (m + 1) % 40 else "stale" for m in range(181))  # a day left
    series = {f"probe_ssl_earliest_cert_expiry{{{SEL}}}": expiry, f"up{{{SEL}}}": "1x180"}
    checks = [_firing("CertExpiring", "59m", 0), _firing("CertExpiring", "61m", 1), _firing("CertExpiring", "3h", 1)]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_a_value_back_under_the_line_still_resolves(tmp_path: Path) -> None:
    # the last value is read, not the highest: recovery at 30m ends the alert after keep_firing_for (5m)
    rules = _rules(tmp_path, "ingest", SPEC)
    series = {f"queue_depth{{{SEL}}}": "5000x30 10x30", f"up{{{SEL}}}": "1x60"}
    checks = [_firing("DepthHigh", "29m", 1), _firing("DepthHigh", "34m", 1), _firing("DepthHigh", "36m", 0)]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


NOTICES = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  build_info: app_build_info
alerts: {traffic_anomaly: false, traffic_milestone: false}
"""


def test_a_failed_scrape_does_not_end_a_notice_and_send_it_again(tmp_path: Path) -> None:
    # One pod: 1.0 until 30m, then 1.1, whose first 503s come with it; its scrape at 45m fails. The deployment
    # and new-error notices resolved there and fired again a scrape later (45m is a coarse evaluation too).
    rules = _rules(tmp_path, "api", NOTICES)
    a, b = 'job="api",instance="a"', 'job="api",instance="b"'
    series = {
        f'app_build_info{{{a},version="1.0"}}': "1x30",
        f'app_build_info{{{b},version="1.1"}}': "_x30 1x14 stale 1x60",
        f"up{{{a}}}": "1x30",
        f"up{{{b}}}": "_x30 1x14 0 1x60",
        f'http_requests_total{{{a},code="200"}}': "0+10x30",
        f'http_requests_total{{{b},code="200"}}': "_x30 0+10x14 stale 150+10x60",
        f'http_requests_total{{{b},code="503"}}': "_x30 0+1x14 stale 15+1x60",
    }
    checks = [_firing("ServiceDeployed", f"{m}m", 1) for m in range(41, 80)]
    checks += [_firing("ServiceNewErrorType", f"{m}m", 1) for m in range(35, 86, 5)]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""
