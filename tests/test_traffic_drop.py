"""A traffic drop to no series at all (found by a hunt): a labelled counter's series exist only once a request
came, so pods that stop getting any leave no series. The unusual-traffic alert averaged the samples left and
read the drop as the hour's old traffic: it never fired. Inputs written here by hand, rules run in promtool."""

from __future__ import annotations

from pathlib import Path

from tests.promtool_helpers import promtool_report, rules_checked_by
from tests.test_sli_semantics import _firing, _rules

SPEC = """apiVersion: obsc/v1
service: shop
team: core
selector: {job: shop}
metrics: {requests: http_requests_total}
alerts: {traffic_milestone: false}
"""
WEEK = 7 * 24 * 60  # minutes


def _promtool(tmp_path: Path, rules: Path, series: dict[str, str], checks: list[dict[str, object]]) -> str:
    """promtool's report ('' when the checks pass), evaluating every 5m: a week at 30s is slow to replay. The
    rules are cut to the alert checked and what it reads: every other rule would be evaluated for a week too."""
    rules.write_text(rules_checked_by(rules.read_text(), [str(check["expr"]) for check in checks]))
    return promtool_report(tmp_path, rules.name, series, checks, evaluation_interval="5m")


def test_requests_that_vanish_fire_the_traffic_drop(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "shop", SPEC)
    # 10 req/s for a week, then the series are gone (no sample), while the targets stay up
    series = {
        'http_requests_total{job="shop",code="200"}': f"0+600x{WEEK}",
        'up{job="shop"}': f"1x{WEEK + 150}",
    }
    checks = [_firing("ServiceUnusualTraffic", "10070m", 0), _firing("ServiceUnusualTraffic", f"{WEEK + 120}m", 1)]
    assert _promtool(tmp_path, rules, series, checks) == ""


def test_steady_traffic_stays_quiet(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "shop", SPEC)
    series = {'http_requests_total{job="shop",code="200"}': f"0+600x{WEEK + 150}", 'up{job="shop"}': f"1x{WEEK + 150}"}
    assert _promtool(tmp_path, rules, series, [_firing("ServiceUnusualTraffic", f"{WEEK + 120}m", 0)]) == ""
