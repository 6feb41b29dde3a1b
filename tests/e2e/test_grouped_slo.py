"""A grouped SLO (`by: [route]`) on the real servers (Prometheus 2.42 and Alertmanager 0.25 on loopback).

shop keeps its availability SLO per route. Two days of traffic on two routes end in a 7h total outage of
/checkout while /search stays healthy: exactly one page arrives, it carries route="/checkout" (label and
summary), and no burn alert of /search exists on the server. The ratio of sums per route is what the
server records: /search's recorded error ratio stays at its healthy share.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.types import Fleet, Tier
from tests.e2e import history, servers, stack

FLEET = Path(__file__).parent / "grouped"
HOUR = 3600
RPS = 10
BURNING, HEALTHY = "/checkout", "/search"
HEALTHY_SHARE = 0.0002  # a fifth of the 0.1% budget
PAGE_WAIT = 20  # seconds; longer than Prometheus takes to discover Alertmanager (see test_one_page.py)
OBSERVE = 15  # after the page: a second page (the other route, another group) would be in by then


@dataclass
class Run:
    prometheus: str
    hook: servers.Webhook
    fleet: Fleet


def _route_series(route: str, share_at: Any, start: int, end: int) -> Iterator[str]:
    """2xx and 5xx counters of one route; `share_at(ts)` is the share of failing requests at `ts`."""
    ok = bad = 0.0
    ok_lines, bad_lines = [], []
    for ts in range(start, end + 1, history.STEP):
        share = share_at(ts)
        bad += RPS * share * history.STEP
        ok += RPS * (1 - share) * history.STEP
        ok_lines.append(f'http_requests_total{{code="200",job="shop",route="{route}"}} {ok:.3f} {ts}')
        bad_lines.append(f'http_requests_total{{code="500",job="shop",route="{route}"}} {bad:.3f} {ts}')
    yield from ok_lines
    yield from bad_lines


def _backfill(promtool: str, fleet: Fleet, tsdb: Path, work: Path) -> None:
    end = int(time.time())
    start = end - 2 * 24 * HOUR
    outage_from = end - 7 * HOUR
    lines = list(_route_series(BURNING, lambda ts: 1.0 if ts > outage_from else HEALTHY_SHARE, start, end))
    lines += list(_route_series(HEALTHY, lambda ts: HEALTHY_SHARE, start, end))
    lines += [f'up{{instance="shop:8080",job="shop"}} 1 {ts}' for ts in range(start, end + 1, history.STEP)]
    shop = fleet.services[0]
    for alert in service_alerts(shop):
        # `for:` state as a server that ran through the outage would have it, for both routes' burn alerts
        # (and the error-rate alert): only the condition decides which one fires.
        if alert.window is not None:
            for route in (BURNING, HEALTHY):
                lines.extend(
                    history.for_state({"alertname": alert.name, **alert.labels(), "route": route}, end - HOUR, end)
                )
        elif alert.name == names.KEY_ALERT_NAMES["error_rate"]:
            lines.extend(history.for_state({"alertname": alert.name, **alert.labels()}, end - HOUR, end))
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=72h", str(source), str(tsdb)],
        check=True,
        capture_output=True,
    )


def _group_wait(route: dict[str, Any]) -> str:
    wait = PAGE_WAIT if 'severity="critical"' in route.get("matchers", []) else PAGE_WAIT + 10
    return f"{wait}s"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with stack.compiled_stack(tmp_path_factory.mktemp("grouped"), FLEET, _backfill, _group_wait) as up:
        yield Run(up.prometheus_url, up.hook, up.fleet)


def _pages(run: Run) -> list[dict[str, Any]]:
    receiver = run.fleet.services[0].route(Tier.CRITICAL)
    assert receiver is not None
    return run.hook.by_receiver().get(receiver.receiver, [])


def _alerts(run: Run) -> list[dict[str, Any]]:
    return list(servers.get_json(run.prometheus + "/api/v1/alerts")["data"]["alerts"])


def test_only_the_burning_route_pages_once_with_its_route(run: Run) -> None:
    servers.wait_until(lambda: _pages(run), 60 + PAGE_WAIT, what="the page")
    time.sleep(OBSERVE)
    pages = _pages(run)
    assert len(pages) == 1, [[a["labels"] for a in p["alerts"]] for p in pages]
    alerts = pages[0]["alerts"]
    assert {(a["labels"]["alertname"], a["labels"]["slo"], a["labels"]["route"]) for a in alerts} == {
        (names.SLO_BURN_FAST, "availability", BURNING)
    }
    assert all(f"[route={BURNING}]" in a["annotations"]["summary"] for a in alerts), alerts
    # The healthy route has no burn alert at all on the server, not even pending.
    burns = [a["labels"] for a in _alerts(run) if a["labels"]["alertname"].startswith("SLOErrorBudgetBurn")]
    assert burns and all(labels["route"] == BURNING for labels in burns), burns


def test_each_route_records_its_own_error_ratio(run: Run) -> None:
    def ratios() -> dict[str, float]:
        query = f'{names.sli_error_ratio("1h")}{{service="shop",slo="availability"}}'
        result = servers.get_json(f"{run.prometheus}/api/v1/query?query={query}")["data"]["result"]
        return {r["metric"]["route"]: float(r["value"][1]) for r in result}

    found = servers.wait_until(lambda: ratios() if len(ratios()) == 2 else None, 30, what="both routes' 1h ratios")
    assert found[BURNING] == pytest.approx(1.0)
    assert found[HEALTHY] == pytest.approx(HEALTHY_SHARE, rel=0.05)
