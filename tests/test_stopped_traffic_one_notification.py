"""Traffic stopped where no `up` shows it (an ingress, `targets_via`): SLOTrafficStopped's page alone.

Round 48 (tickets48): shop-ingress at 1 request/s for 7d12h, then none for 3h with the controller up. The page
fired from +15m; ServiceUnusualTraffic (no `slo`, so no inhibit rule held it back) ticketed from +75m and stayed
30 minutes past the page's end, its hour's mean still low. Its drop branch is now quiet while the page fired within
the hour it averages. Where no page fired (yesterday quiet at this hour) the stop is the ticket's, and a drop that
is no stop (a fifth of the traffic) tickets as before. promtool replays, at 5m steps, the compiled rules the two
alerts read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from compiler.api import CompileOptions, load_fleet
from compiler.targets import TargetOptions, prometheus, runbooks
from tests.promtool_helpers import firing_by_minute

SPEC = """\
apiVersion: obsc/v1
service: shop-ingress
team: edge
selector: {namespace: shop, ingress: shop-web}
targets: {job: ingress-nginx-controller-metrics}
targets_via: ingress
metrics:
  requests: nginx_ingress_controller_requests
  errors: nginx_ingress_controller_requests{status=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "https://oncall.example.net/hooks/edge"}}
  warning: {webhook: {url: "https://tickets.example.net/hooks/edge"}}
"""
STEP = 5  # minutes
STOP = 7 * 24 * 60 + 12 * 60  # 7d12h
END = STOP + 5 * 60
YESTERDAY = range((6 * 24 + 10) * 60, (6 * 24 + 16) * 60)  # the hours around STOP a day before
KEPT = ("SLOTrafficStopped", "ServiceUnusualTraffic", "service:requests:rate5m")
Rate = Callable[[int], float]  # minute -> requests a second


def _rules(tmp_path: Path) -> Path:
    """The service's rules that the two alerts read, as compiled (the rest costs promtool minutes)."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop-ingress.yaml").write_text(SPEC)
    fleet, _ = load_fleet([str(tmp_path / "specs")], CompileOptions(), {})
    rules = []
    for artifact in prometheus.service_artifacts(fleet, fleet.services, TargetOptions()):
        if artifact.path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(artifact.content).get("groups", []):
                rules += [r for r in group["rules"] if r.get("alert", r.get("record")) in KEPT]
    assert sorted({r.get("alert", r.get("record")) for r in rules}) == sorted(KEPT)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "shop", "interval": f"{STEP}m", "rules": rules}]}))
    return path


def _counter(rate: Rate) -> str:
    total, values = 0.0, []
    for minute in range(0, END + STEP, STEP):
        values.append(f"{total:g}")
        total += rate(minute) * 60 * STEP
    return " ".join(values)


def _replay(tmp_path: Path, rate: Rate) -> tuple[list[int], list[int]]:
    """Minutes after STOP at which the page and the ticket fire, checked every 15 minutes."""
    checks = range(STOP, END, 15)
    series = 'nginx_ingress_controller_requests{ingress="shop-web",namespace="shop"}'
    test = {
        "rule_files": [str(_rules(tmp_path))],
        "evaluation_interval": f"{STEP}m",
        "tests": [
            {
                "interval": f"{STEP}m",
                "input_series": [
                    {"series": series, "values": _counter(rate)},
                    {"series": 'up{job="ingress-nginx-controller-metrics"}', "values": f"1x{END // STEP}"},
                ],
                "promql_expr_test": [
                    {"expr": 'count by (alertname) (ALERTS{alertstate="firing"})', "eval_time": f"{at}m"}
                    for at in checks
                ],
            }
        ],
    }
    fired = firing_by_minute(test, tmp_path / "replay.yaml", checks)
    return (
        [at - STOP for at, got in sorted(fired.items()) if '"SLOTrafficStopped"' in got],
        [at - STOP for at, got in sorted(fired.items()) if '"ServiceUnusualTraffic"' in got],
    )


def _stopped(minutes: int, idle_yesterday: bool = False) -> Rate:
    """1 request/s but for `minutes` from STOP (and, with `idle_yesterday`, the hours around it a day before)."""
    return lambda m: 0.0 if STOP <= m < STOP + minutes or (idle_yesterday and m in YESTERDAY) else 1.0


@pytest.mark.parametrize("minutes", [40, 180])
def test_a_stop_at_the_ingress_pages_and_tickets_nothing(tmp_path: Path, minutes: int) -> None:
    """Before (replayed with checks every 5m): stopped 40 minutes, the page fired +15m to +40m and the ticket +65m to
    +75m; stopped 3h, the page +15m to +3h and the ticket +65m to +3h35m. An inhibit rule (muting only while the
    page fires) would hold back neither the first ticket nor the second one's last 35 minutes."""
    paged, ticketed = _replay(tmp_path, _stopped(minutes))
    assert paged and paged[0] == 15 and max(paged) < minutes + 15, paged
    assert ticketed == [], ticketed


def test_a_stop_with_no_page_still_tickets(tmp_path: Path) -> None:
    """Yesterday idle at this hour: no page (the stop may be a schedule), so the drop is the ticket's."""
    paged, ticketed = _replay(tmp_path, _stopped(180, idle_yesterday=True))
    assert paged == []
    assert ticketed and ticketed[0] == 75, ticketed


def test_a_drop_that_is_no_stop_still_tickets(tmp_path: Path) -> None:
    """A fifth of the traffic for 3h: requests still come, so no page, and the drop tickets."""
    paged, ticketed = _replay(tmp_path, lambda m: 0.2 if STOP <= m < STOP + 180 else 1.0)
    assert paged == []
    assert ticketed and ticketed[0] <= 75 and max(ticketed) >= 180, ticketed


def test_the_runbook_says_a_stop_is_the_page(tmp_path: Path) -> None:
    """The ticket's runbook names SLOTrafficStopped where the service has it, and only there (both have ServiceDown,
    whose outage a drop within the hour after it is too: tests/test_down_traffic_one_notification.py)."""
    direct = SPEC.replace("shop-ingress", "shop-web").replace("targets_via: ingress\n", "")
    (tmp_path / "specs").mkdir()
    for name, text in (("shop-ingress", SPEC), ("shop-web", direct)):
        (tmp_path / "specs" / f"{name}.yaml").write_text(text)
    fleet, _ = load_fleet([str(tmp_path / "specs")], CompileOptions(), {})
    pages = {a.path: a.content for a in runbooks.service_artifacts(fleet, fleet.services, TargetOptions())}
    said = "A stop is not this alert's: for an hour after {} fires"
    assert said.format("SLOTrafficStopped or ServiceDown") in pages["runbooks/shop-ingress/ServiceUnusualTraffic.md"]
    assert said.format("ServiceDown") in pages["runbooks/shop-web/ServiceUnusualTraffic.md"]
