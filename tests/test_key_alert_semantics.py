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
metrics:
  requests: rpc_handled_total
  errors: rpc_handled_total{code!="OK"}
  depth: {selector: ledger_queue_depth, type: gauge}
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
