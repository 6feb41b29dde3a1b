"""A directly scraped service down: ServiceDown's page alone, no ServiceUnusualTraffic ticket after it.

Round 49 (ingress49, measured): shop-web at 1 request/s for 7d12h, then its targets down (up 0, its series gone).
Down 40 minutes, ServiceDown paged +5m to +40m and the traffic ticket fired +60m to +75m, after the page; down 3h,
the ticket outlived the page by 35 minutes (the hour's mean still low). An inhibit rule mutes only while the page
fires. The drop branch is now quiet while the same service and team's whole-service ServiceDown fired within the
hour it averages. A drop with the service up, a rise after the outage, one cluster's ServiceDown (a group's, the
rest still serving) and another team's ServiceDown of the same name still ticket. promtool replays, at 5m steps,
the compiled rules the two alerts read.
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
service: shop-web
team: web
selector: {job: shop-web}
metrics:
  requests: http_requests_total
  errors: 'http_requests_total{code=~"5.."}'
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "https://oncall.example.net/hooks/web"}}
  warning: {webhook: {url: "https://tickets.example.net/hooks/web"}}
"""
BY_CLUSTER = SPEC.replace("sli: {errors", "by: [cluster], sli: {errors")
STEP = 5  # minutes
STOP = 7 * 24 * 60 + 12 * 60  # 7d12h
END = STOP + 5 * 60
KEPT = ("ServiceDown", "ServiceUnusualTraffic", "service:requests:rate5m")
Rate = Callable[[int], float | None]  # minute -> requests a second (None: the target is down, its series gone)
OTHER_TEAM_DOWN = (
    'ALERTS{alertname="ServiceDown",alertstate="firing",service="shop-web",severity="critical",team="pay"}'
)


def _rules(tmp_path: Path, spec: str) -> Path:
    """The service's rules that the two alerts read, as compiled (the rest costs promtool minutes)."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop-web.yaml").write_text(spec)
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


def _target(labels: str, rate: Rate) -> list[dict[str, str]]:
    """One target's `up` and request counter: while `rate` is None, up 0 and no requests series."""
    total, ups, counts = 0.0, [], []
    for minute in range(0, END + STEP, STEP):
        now = rate(minute)
        ups.append("1" if now is not None else "0")
        counts.append(f"{total:g}" if now is not None else "_")
        total += (now or 0.0) * 60 * STEP
    return [
        {"series": f'up{{{labels},instance="a"}}', "values": " ".join(ups)},
        {"series": f"http_requests_total{{{labels}}}", "values": " ".join(counts)},
    ]


def _replay(tmp_path: Path, inputs: list[dict[str, str]], spec: str = SPEC) -> tuple[list[int], list[int]]:
    """Minutes after STOP at which shop-web's page and ticket (team web) fire, checked every 5 minutes."""
    checks = range(STOP, END, STEP)
    test = {
        "rule_files": [str(_rules(tmp_path, spec))],
        "evaluation_interval": f"{STEP}m",
        "tests": [
            {
                "interval": f"{STEP}m",
                "input_series": inputs,
                "promql_expr_test": [
                    {"expr": 'count by (alertname) (ALERTS{alertstate="firing",team="web"})', "eval_time": f"{at}m"}
                    for at in checks
                ],
            }
        ],
    }
    fired = firing_by_minute(test, tmp_path / "replay.yaml", checks)
    return (
        [at - STOP for at, got in sorted(fired.items()) if '"ServiceDown"' in got],
        [at - STOP for at, got in sorted(fired.items()) if '"ServiceUnusualTraffic"' in got],
    )


def _down(minutes: int, then: float = 1.0) -> Rate:
    """1 request/s, down for `minutes` from STOP, then `then` requests/s."""
    return lambda m: 1.0 if m < STOP else None if m < STOP + minutes else then


@pytest.mark.parametrize("minutes", [40, 180])
def test_the_service_down_pages_and_tickets_nothing(tmp_path: Path, minutes: int) -> None:
    """Before (replayed with checks every 5m): down 40 minutes, the page +5m to +40m and the ticket +60m to +75m;
    down 3h, the page +5m to +3h and the ticket +60m to +3h35m."""
    paged, ticketed = _replay(tmp_path, _target('job="shop-web"', _down(minutes)))
    assert paged and paged[0] <= 10 and max(paged) < minutes + 10, paged
    assert ticketed == [], ticketed


def test_a_drop_with_the_service_up_still_tickets(tmp_path: Path) -> None:
    """A fifth of the traffic for 3h, targets up: no page, and the drop tickets."""
    paged, ticketed = _replay(tmp_path, _target('job="shop-web"', lambda m: 0.2 if STOP <= m < STOP + 180 else 1.0))
    assert paged == []
    assert ticketed and ticketed[0] <= 75 and max(ticketed) >= 180, ticketed


def test_a_rise_after_the_outage_still_tickets(tmp_path: Path) -> None:
    """Down 40 minutes, then four times the traffic: the rise tickets within the hour after the page (the clause
    holds back the drop branch only)."""
    paged, ticketed = _replay(tmp_path, _target('job="shop-web"', _down(40, then=4.0)))
    assert paged and max(paged) < 50, paged
    assert ticketed and ticketed[0] < 40 + 60 + 5, ticketed  # the page's ALERTS still in the hour


def test_one_clusters_service_down_leaves_the_drop_its_ticket(tmp_path: Path) -> None:
    """Split `by: [cluster]`: c1 (four fifths of the traffic) down 3h pages the group's ServiceDown; the service is
    up, so the drop of the whole is the ticket's."""
    c1 = _target('cluster="c1",job="shop-web"', lambda m: 0.8 if not STOP <= m < STOP + 180 else None)
    c2 = _target('cluster="c2",job="shop-web"', lambda m: 0.2)
    paged, ticketed = _replay(tmp_path, c1 + c2, BY_CLUSTER)
    assert paged and paged[0] <= 10, paged  # the group's page
    assert ticketed and ticketed[0] <= 75 and max(ticketed) >= 180, ticketed


def test_another_teams_service_down_leaves_the_drop_its_ticket(tmp_path: Path) -> None:
    """Another team's ServiceDown of a service of the same name, firing throughout a drop: still a ticket."""
    other = {"series": OTHER_TEAM_DOWN, "values": f"1x{END // STEP}"}
    drop = _target('job="shop-web"', lambda m: 0.2 if STOP <= m < STOP + 180 else 1.0)
    paged, ticketed = _replay(tmp_path, [*drop, other])
    assert paged == []
    assert ticketed and ticketed[0] <= 75 and max(ticketed) >= 180, ticketed


def _compiled(tmp_path: Path, spec: str) -> tuple[str, str]:
    """(ServiceUnusualTraffic's expr, its runbook page) as compiled from `spec`."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop-web.yaml").write_text(spec)
    fleet, _ = load_fleet([str(tmp_path / "specs")], CompileOptions(), {})
    exprs = [
        rule["expr"]
        for artifact in prometheus.service_artifacts(fleet, fleet.services, TargetOptions())
        if artifact.path.startswith("prometheus/rules/")
        for group in yaml.safe_load(artifact.content).get("groups", [])
        for rule in group["rules"]
        if rule.get("alert") == "ServiceUnusualTraffic"
    ]
    pages = {a.path: a.content for a in runbooks.service_artifacts(fleet, fleet.services, TargetOptions())}
    return exprs[0], pages["runbooks/shop-web/ServiceUnusualTraffic.md"]


def test_the_ticket_reads_its_own_whole_service_page(tmp_path: Path) -> None:
    """The clause names the service, its team and the whole service's ServiceDown (`down_group=""`) at a tier at
    least as urgent as the ticket; the runbook says so."""
    expr, page = _compiled(tmp_path, SPEC)
    down = 'ALERTS{alertname="ServiceDown",alertstate="firing",down_group="",service="shop-web",severity="critical",'
    assert f'< 0.5\nunless on ()\nmax_over_time({down}team="web"}}[1h])' in expr, expr
    assert "  A stop is not this alert's: for an hour after ServiceDown fires, a drop is that outage's." in page


def test_a_service_down_digest_holds_back_no_ticket(tmp_path: Path) -> None:
    """ServiceDown as an info digest only (it may notify nobody): the ticket keeps its drop."""
    digest = SPEC.replace("routing:", "alerts: {service_down: {critical: false, info: {threshold: true}}}\nrouting:")
    expr, page = _compiled(tmp_path, digest)
    assert "ServiceDown" not in expr and "A stop is not" not in page, expr


def test_a_service_down_ticket_holds_back_the_drop_ticket(tmp_path: Path) -> None:
    """ServiceDown as a ticket only (critical off, warning on): as urgent as the drop's ticket, so the team gets the
    one ticket for the outage, ServiceDown's (a hand mutant holding the drop only behind a more urgent ServiceDown
    lived: every case above pages)."""
    ticket_only = SPEC.replace("routing:", "alerts: {service_down: {critical: false, warning: {for: 5m}}}\nrouting:")
    paged, ticketed = _replay(tmp_path, _target('job="shop-web"', _down(40)), ticket_only)
    assert paged and paged[0] <= 10, paged  # ServiceDown's ticket: _replay counts each alert of team web
    assert ticketed == [], ticketed


def test_a_page_and_a_ticket_of_service_down_each_hold_back_the_drop_ticket(tmp_path: Path) -> None:
    """ServiceDown at both tiers: the clause reads either (a regex of the two severities), and the 40-minute outage
    tickets no drop (a hand mutant comparing the two severities with `=` matched neither and lived)."""
    both = SPEC.replace("routing:", "alerts: {service_down: {critical: {for: 5m}, warning: {for: 10m}}}\nrouting:")
    paged, ticketed = _replay(tmp_path, _target('job="shop-web"', _down(40)), both)
    assert paged and paged[0] <= 10, paged
    assert ticketed == [], ticketed


def test_a_relayed_services_service_down_holds_back_the_drop_ticket(tmp_path: Path) -> None:
    """Behind a collector (targets_via): the collector down 40 minutes, its `up` 0 and the service's series gone.
    ServiceDown (on the collector's `up`) pages; SLOTrafficStopped waits for the relay's targets, so ServiceDown's
    clause, the second of the two, is the one that holds the drop (a hand mutant keeping the first clause only
    lived)."""
    relayed = SPEC.replace("selector: {job: shop-web}\n", "selector: {job: shop-web}\ntargets: {job: otel-collector}\n")
    relayed = relayed.replace("routing:", "targets_via: collector\nrouting:")
    up, requests = _target('job="shop-web"', _down(40))
    up["series"] = 'up{job="otel-collector",instance="a"}'
    paged, ticketed = _replay(tmp_path, [up, requests], relayed)
    assert paged and paged[0] <= 10, paged
    assert ticketed == [], ticketed
