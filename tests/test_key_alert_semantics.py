"""What the key-metric and threshold alerts do on inputs written here by hand, not by obsc's own test generator:
crash loops, scrape gaps, sparse counters. Found by a hunt on specs unlike examples/; each case runs the
compiled rule file through `promtool test rules`."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules

LEDGER = """apiVersion: obsc/v1
service: ledger
team: core
selector: {app: ledger, env: prod}
targets: {app: ledger, env: prod}
metrics:
  requests: rpc_handled_total
  errors: rpc_handled_total{code!="OK"}
  depth: {selector: ledger_queue_depth, type: gauge, aggregation: sum}
alerts: {traffic_anomaly: false, new_error_type: false, traffic_milestone: false}
threshold_alerts: [{name: LedgerQueueDeep, metric: depth, above: 100, tier: critical}]
"""


def _each_minute(alert: str, start: int, end: int, count: int) -> list[dict[str, object]]:
    return [_firing(alert, f"{m}m", count) for m in range(start, end + 1)]


def test_a_crash_looping_service_is_one_service_down_page(tmp_path: Path) -> None:
    # Up for one scrape every 11 minutes (each restart), down otherwise: ServiceDown resolved at each blip and
    # paged again 5 minutes later, a page per restart.
    rules = _rules(tmp_path, "ledger", LEDGER)
    series = {'up{app="ledger",env="prod",instance="a"}': " ".join(("1 " + "0 " * 10).split() * 12)}
    report = _promtool(tmp_path, rules, "ledger", series, _each_minute("ServiceDown", 6, 120, 1))
    assert report == ""


def test_a_scrape_gap_does_not_end_a_firing_page(tmp_path: Path) -> None:
    # 20% of requests fail throughout; the target's scrapes time out for 6 minutes at 20m-26m. The 5m rate
    # the error-rate page reads and the queue-depth gauge vanish for a few minutes: each page resolved and
    # paged again after its `for`.
    rules = _rules(tmp_path, "ledger", LEDGER)
    sel = 'app="ledger",env="prod",instance="a"'
    series = {
        f'rpc_handled_total{{{sel},code="OK"}}': "0+80x20 _x6 2160+80x40",
        f'rpc_handled_total{{{sel},code="Unavailable"}}': "0+20x20 _x6 540+20x40",
        f"ledger_queue_depth{{{sel}}}": "500x20 _x6 500x40",
        f"up{{{sel}}}": "1x20 0x6 1x40",
    }
    checks = _each_minute("ServiceHighErrorRate", 19, 60, 2) + _each_minute("LedgerQueueDeep", 19, 60, 1)
    assert _promtool(tmp_path, rules, "ledger", series, checks) == ""


def test_a_page_resolves_after_recovery(tmp_path: Path) -> None:
    # keep_firing_for bounds the tail: recovered at 30m, the pages are gone ten minutes later.
    rules = _rules(tmp_path, "ledger", LEDGER)
    sel = 'app="ledger",env="prod",instance="a"'
    series = {
        f'rpc_handled_total{{{sel},code="OK"}}': "0+80x30 2400+100x30",
        f'rpc_handled_total{{{sel},code="Unavailable"}}': "0+20x30 600x30",
        f"ledger_queue_depth{{{sel}}}": "500x30 0x30",
        f"up{{{sel}}}": "1x60",
    }
    checks = [
        _firing("ServiceHighErrorRate", "25m", 2),
        _firing("LedgerQueueDeep", "25m", 1),
        *_each_minute("ServiceHighErrorRate", 46, 60, 0),
        *_each_minute("LedgerQueueDeep", 40, 60, 0),
    ]
    assert _promtool(tmp_path, rules, "ledger", series, checks) == ""


JOBS = """apiVersion: obsc/v1
service: jobs
team: core
selector: {job: jobs}
metrics:
  done: jobs_done_total
alerts: {service_down: false, traffic_anomaly: false, traffic_milestone: false}
threshold_alerts:
  - {name: FewJobsDone, metric: done, below: 10/h, for: 30m}
  - {name: ManyJobsDone, metric: done, above: 10/h, for: 10m}
"""


def _every(minutes: int, hours: int) -> str:
    """A counter's 1m samples gaining one event every `minutes` minutes."""
    return " ".join(str(m // minutes) for m in range(hours * 60 + 1))


def test_a_counter_line_per_hour_is_read_over_an_hour(tmp_path: Path) -> None:
    # Over 5m a line of 10/h is less than one event: each 5m rate is 0 or 12/h and more, so 5 jobs an hour
    # (half the line) never stayed below 10/h for 30 minutes, and ManyJobsDone fired on single events.
    rules = _rules(tmp_path, "jobs", JOBS)
    up = {'up{job="jobs"}': "1x240"}
    half = {**up, 'jobs_done_total{job="jobs"}': _every(12, 4)}
    checks = [_firing("FewJobsDone", "3h30m", 1), *_each_minute("ManyJobsDone", 60, 240, 0)]
    assert _promtool(tmp_path, rules, "jobs", half, checks) == ""
    double = {**up, 'jobs_done_total{job="jobs"}': _every(3, 4)}  # 20 an hour
    checks = [*_each_minute("FewJobsDone", 60, 240, 0), _firing("ManyJobsDone", "3h30m", 1)]
    assert _promtool(tmp_path, rules, "jobs", double, checks) == ""


GRPC = """apiVersion: obsc/v1
service: grpcsvc
team: core
selector: {job: grpcsvc}
metrics:
  requests: grpc_server_handled_total
  errors: grpc_server_handled_total{grpc_code!="OK"}
alerts: {service_down: false, traffic_anomaly: false, traffic_milestone: false, error_rate: false}
"""


def test_a_new_error_type_counts_from_its_first_error_not_its_series(tmp_path: Path) -> None:
    # go-grpc-prometheus creates every code's series at 0 on start: read by existence, every error type was
    # always there and ServiceNewErrorType never fired. Unavailable occurs first after 26h here.
    rules = _rules(tmp_path, "grpcsvc", GRPC)
    sel = 'grpc_server_handled_total{{job="grpcsvc",grpc_code="{}"}}'
    series = {
        sel.format("OK"): "0+60x1800",
        sel.format("Internal"): "0x1800",
        sel.format("Unavailable"): "0x1560 1+5x240",
    }
    checks = [_firing("ServiceNewErrorType", "25h", 0), _firing("ServiceNewErrorType", "26h30m", 1)]
    report = _promtool(tmp_path, rules, "grpcsvc", series, checks)
    assert report == ""


CART = """apiVersion: obsc/v1
service: cart
team: core
selector: {job: cart}
metrics:
  requests: http_requests_total{service=~"cart|cart-canary"}
  errors: http_requests_total{service=~"cart|cart-canary",code=~"5.."}
alerts: {service_down: false, traffic_anomaly: false, traffic_milestone: false, error_rate: false}
"""


def test_a_new_error_type_fires_when_the_errors_selector_matches_a_service_label(tmp_path: Path) -> None:
    # Found by a hunt (round 20): the error types were grouped by every label the errors selector matches by regex,
    # `service` (a Kubernetes Service label) included, and the record then set obsc's own `service`: with both
    # Services failing, two types became one labelset, the recording rule failed and the alert never fired (the
    # generated test fed a series with two `service` labels, so `obsc compile` failed with promtool's output).
    rules = _rules(tmp_path, "cart", CART)
    sel = 'http_requests_total{{job="cart",service="{}",code="{}"}}'
    series = {
        sel.format("cart", "500"): "0+1x1800",
        sel.format("cart-canary", "500"): "0+1x1800",
        sel.format("cart-canary", "503"): "0x1560 1+5x240",
    }
    checks = [_firing("ServiceNewErrorType", "25h", 0), _firing("ServiceNewErrorType", "26h30m", 1)]
    assert _promtool(tmp_path, rules, "cart", series, checks) == ""
