"""Rules that read other alerts' `ALERTS` series pin the team as well as the service (round 50, hostile50).

A burn pair holds while its own alert is up, a page pair's first start on one failure waits while a page of its SLO
fired within its long window (counted_short.paged_within), and ServiceDown stays up while it fired and the SLO burns
(down_handover.py). Those three reads named the alert, the service and the SLO, not the team. An `ALERTS` series
of another team's rule (a hand-written or mixin rule beside obsc's, `service` taken from Kubernetes service
discovery, routed to that team by its own `team` label) with the same alert name and service then counted as ours.
Replayed in promtool before the fix:
- another team's `SLOErrorBudgetBurnFast{service="stone",slo="avail"}` firing kept stone's page quiet through a
  10-hour 100x burn at 10 requests an hour (it pages at 3h15 without it);
- another team's `ServiceDown{service="shop-web"}` firing turned shop-web's SLO burn, its targets up, into a
  ServiceDown page "shop-web is down" beside the burn page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import firing_by_minute, pairs_firing, rules_read_by

STONE = """apiVersion: obsc/v1
service: stone
team: quarry
selector: {job: stone}
metrics: {reqs: rpc_calls_total, fails: 'rpc_calls_total{outcome="fail"}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos: [{name: avail, objective: 99.9, sli: {errors: fails, total: reqs}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
SHOP = """apiVersion: obsc/v1
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
# Every ALERTS read with its matchers, and the matchers one by one.
_ALERTS_READ = re.compile(r"\bALERTS(?:_FOR_STATE)?\{([^}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"')


def _rules(tmp_path: Path, spec: str, service: str) -> str:
    (tmp_path / "specs").mkdir(exist_ok=True)
    (tmp_path / "specs" / f"{service}.yaml").write_text(spec)
    bundle = compile_specs([str(tmp_path / "specs")]).bundle
    return next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path(service))


def _counters(per_minute: list[int]) -> str:
    out, count = [], 0
    for events in per_minute:
        count += events
        out.append(str(count))
    return " ".join(out)


@pytest.mark.parametrize("intruder", [False, True])
def test_another_teams_page_of_the_same_name_leaves_the_first_page(tmp_path: Path, intruder: bool) -> None:
    """10 requests an hour, the one on each hour failing (100x at 99.9%): the 6h/30m page starts on one failure in
    its thin 30m window (no page of its SLO fired in 6h) and fires at 3h15 (tests/test_burn_gaps.py). Another
    team's page of the same name and service, firing throughout, does not change that. Before: never fired."""
    minutes = 10 * 60
    requests = [1 if m % 6 == 0 and m > 0 else 0 for m in range(minutes)]
    failed = [1 if m % 60 == 0 and m > 0 else 0 for m in range(minutes)]
    rules = rules_read_by(
        _rules(tmp_path, STONE, "stone"),
        alert=lambda r: isinstance(r["labels"], dict) and r["labels"].get("burn_window") in ("fast", "medium"),
    )
    series = {
        'up{job="stone"}': f"1x{minutes}",
        'rpc_calls_total{job="stone"}': _counters(requests),
        'rpc_calls_total{job="stone",outcome="fail"}': _counters(failed),
    }
    if intruder:  # no burn_window: pairs_firing's checks do not count it
        other = 'ALERTS{alertname="SLOErrorBudgetBurnFast",alertstate="firing",service="stone",slo="avail",team="ops"}'
        series[other] = f"1x{minutes}"
    watched = range(60, minutes, 5)
    fired = pairs_firing(tmp_path, rules, series, "avail", ("fast", "medium"), watched, evaluation_interval="5m")
    assert fired["fast"] == []
    assert fired["medium"] and fired["medium"][0] == 3 * 60 + 15 and fired["medium"][-1] == minutes - 5, fired


def test_another_teams_service_down_of_the_same_name_pages_no_service_down(tmp_path: Path) -> None:
    """shop-web up throughout, half its requests failing from minute 60 (the burn page's), and another team's
    ServiceDown of a service named shop-web firing throughout: shop-web's ServiceDown stays quiet. Before: it fired
    from minute 65 (its handover branch read the other team's alert as its own, firing, and the SLO burning)."""
    minutes = 150
    rules = rules_read_by(_rules(tmp_path, SHOP, "shop-web"), alert=lambda r: r["alert"] == "ServiceDown")
    (tmp_path / "rules.yaml").write_text(rules)
    other = 'ALERTS{alertname="ServiceDown",alertstate="firing",service="shop-web",severity="critical",team="pay"}'
    inputs = [
        {"series": 'up{job="shop-web",instance="a"}', "values": f"1x{minutes}"},
        {"series": 'http_requests_total{job="shop-web"}', "values": _counters([60] * minutes)},
        {"series": 'http_requests_total{code="500",job="shop-web"}', "values": _counters([0] * 60 + [30] * 90)},
        {"series": other, "values": f"1x{minutes}"},
    ]
    checks = range(30, minutes, 5)
    test = {
        "rule_files": [str(tmp_path / "rules.yaml")],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": inputs,
                "promql_expr_test": [
                    {"expr": 'count by (alertname) (ALERTS{alertstate="firing",team="web"})', "eval_time": f"{at}m"}
                    for at in checks
                ],
            }
        ],
    }
    fired = firing_by_minute(test, tmp_path / "replay.yaml", checks)
    assert fired == {}, fired


RELAYED = """apiVersion: obsc/v1
service: cart
team: web
selector: {service_name: cart-api, span_kind: SPAN_KIND_SERVER}
targets: {job: otel-collector}
targets_via: collector
relay: {service: otel-collector, team: obs}
metrics:
  requests: traces_span_metrics_calls_total
  errors: traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}
slos:
  - {name: availability, objective: 99.9, period: 14d, sli: {errors: errors, total: requests}}
routing: {critical: {webhook: {url: "https://pager.example/web"}}, warning: {webhook: {url: "https://t.example/web"}}}
"""
COLLECTOR = """apiVersion: obsc/v1
service: otel-collector
team: obs
selector: {job: otel-collector}
metrics:
  requests: otelcol_receiver_accepted_spans_total
  errors: otelcol_receiver_refused_spans_total
slos:
  - {name: intake, objective: 99.9, period: 14d, sli: {errors: errors, total: requests}}
routing: {critical: {webhook: {url: "https://pager.example/obs"}}, warning: {webhook: {url: "https://t.example/obs"}}}
"""


@pytest.mark.parametrize(
    "fleet", ["specs", "examples", "tests/golden/grouped/specs", "tests/golden/slo-kinds/specs", "relay"]
)
def test_every_alerts_read_names_a_service_and_its_team(tmp_path: Path, fleet: str) -> None:
    """Every rule's read of ALERTS names a service and a team with exact matchers: the rule's own, or (relay:) the
    relay's, which the spec names with its team. Before: the pair holds, the first-page wait and ServiceDown's
    handover named no team."""
    if fleet == "relay":
        (tmp_path / "cart.yaml").write_text(RELAYED)
        (tmp_path / "otel-collector.yaml").write_text(COLLECTOR)
        fleet = str(tmp_path)
    bundle = compile_specs([fleet]).bundle
    reads = 0
    for artifact in bundle.artifacts:
        if not artifact.path.startswith("prometheus/rules/"):
            continue
        for group in yaml.safe_load(artifact.content)["groups"]:
            for rule in group["rules"]:
                for read in _ALERTS_READ.finditer(str(rule["expr"])):
                    exact = {label: value for label, op, value in _MATCHER.findall(read.group(1)) if op == "="}
                    assert exact.get("service") and exact.get("team"), (rule.get("alert") or rule["record"], read[0])
                    labels = rule.get("labels", {})
                    if exact["service"] == labels.get("service"):  # its own service's alerts: its own team's
                        assert exact["team"] == labels["team"], (rule.get("alert") or rule["record"], read[0])
                    reads += 1
    assert reads > 0
