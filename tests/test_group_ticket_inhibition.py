"""A grouped SLO's page (`by: [tenant]`) holds back its own group's tickets, not every group's.

Round 35's hunt (README "Known limits, round 35", a fleet unlike ours, (1)): inhibition was keyed on team, service
and SLO (and incident), so while a noisy tenant paged, every other tenant's tickets and digests of that SLO, and of
the SLO kept for the whole service over the same failures, were held back: a second tenant burning its budget
slowly for a cause of its own reached nobody until the noisy tenant's page ended. A page of a group now silences
the tickets of the same group values and the incident's tickets kept for the whole service; a page kept for the
whole service still silences every group's. Shown on a real Alertmanager 0.25 (amtool cannot test inhibition).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from tests.conftest import require_tool
from tests.e2e import servers

ROUTING = """\
routing:
  critical: {webhook: {url: "https://pager.example.net/tenancy"}}
  warning: {webhook: {url: "https://queue.example.net/tenancy"}}
  info: {webhook: {url: "https://digest.example.net/tenancy"}}
"""
# a multi-tenant API: an SLO per tenant beside the one for the whole service, over the same failures (one incident)
TENANTS = (
    """\
apiVersion: obsc/v1
service: tenant-api
team: tenancy
selector: {job: tenant-api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: overall, objective: 99.5, sli: {errors: errors, total: requests}}
  - {name: availability, objective: 99.5, by: [tenant], sli: {errors: errors, total: requests}}
"""
    + ROUTING
)
# a mobile client's screen loads per platform and region (two group labels), an SLO of its own
SCREENS = (
    """\
apiVersion: obsc/v1
service: screens
team: tenancy
selector: {job: collector}
metrics:
  requests: screen_loads_total
  errors: screen_load_failures_total
  timeouts: screen_load_timeouts_total
slos:
  - {name: loads, objective: 99, by: [platform, region], sli: {errors: errors, total: requests}}
  # kept per region alone (other failures): a page of `loads` is still one of a platform and a region
  - {name: timeouts, objective: 99, by: [region], sli: {errors: timeouts, total: requests}}
"""
    + ROUTING
)


def _alert(name: str, severity: str, service: str, slo: str, **extra: str) -> dict[str, Any]:
    labels = {"alertname": name, "severity": severity, "service": service, "team": "tenancy", "slo": slo, **extra}
    return {"labels": labels}


def _tenant(name: str, severity: str, slo: str = "availability", **extra: str) -> dict[str, Any]:
    return _alert(name, severity, "tenant-api", slo, incident="overall", **extra)


FAST, SLOW, LOW = names.SLO_BURN_FAST, names.SLO_BURN_SLOW, "SLOErrorBudgetLow"
SOURCES = [
    _tenant(FAST, "critical", tenant="noisy", burn_window="fast"),
    _alert(FAST, "critical", "screens", "loads", platform="ios", region="eu", burn_window="fast"),
    # a spec's threshold page over an SLO's errors, kept per tenant too: no burn alert, its rule is the service's
    _alert("TenantErrorsHigh", "critical", "tenant-ops", "overall", tenant="noisy"),
    # the whole service's page (another service of the same shape, so that the noisy tenant's does not decide)
    {"labels": {**_tenant(FAST, "critical", slo="overall", burn_window="fast")["labels"], "service": "tenant-web"}},
]
TARGETS = {
    # the paging group's own tickets and digests, and the incident's kept for the whole service: one outage
    "same-tenant-ticket": (_tenant(SLOW, "warning", tenant="noisy", burn_window="slow"), "suppressed"),
    "same-tenant-digest": (_tenant(LOW, "info", tenant="noisy"), "suppressed"),
    "whole-service-ticket": (_tenant(SLOW, "warning", slo="overall", burn_window="slow"), "suppressed"),
    "whole-service-key-ticket": (_tenant("ServiceHighErrorRate", "warning", slo="overall"), "suppressed"),
    # another tenant burning for a cause of its own: its ticket and digest notify
    "other-tenant-ticket": (_tenant(SLOW, "warning", tenant="quiet", burn_window="slow"), "active"),
    "other-tenant-digest": (_tenant(LOW, "info", tenant="quiet"), "active"),
    # two group labels: the same platform and region only
    "same-group-ticket": (_alert(SLOW, "warning", "screens", "loads", platform="ios", region="eu"), "suppressed"),
    "other-region-ticket": (_alert(SLOW, "warning", "screens", "loads", platform="ios", region="us"), "active"),
    "other-platform-ticket": (_alert(SLOW, "warning", "screens", "loads", platform="android", region="eu"), "active"),
    # ... so it still holds back its SLO's tickets of no tenant (whatever another spec's `by:` says)
    "ticket-beside-threshold-page": (_alert(SLOW, "warning", "tenant-ops", "overall"), "suppressed"),
    # the page kept for the whole service still holds back every tenant's tickets (a fleet-wide outage)
    "tenant-ticket-beside-whole-page": (
        {"labels": {**_tenant(SLOW, "warning", tenant="quiet")["labels"], "service": "tenant-web"}},
        "suppressed",
    ),
}
SENTINEL_SOURCE = _alert("ServiceDown", "critical", "zz-sentinel", "")
SENTINEL = _alert("ServiceCPUSaturation", "warning", "zz-sentinel", "")


def _states(url: str) -> dict[str, str]:
    alerts = servers.api_json(url + "/api/v2/alerts")
    return {json.dumps(a["labels"], sort_keys=True): a["status"]["state"] for a in alerts}


def _key(alert: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in alert["labels"].items() if v}, sort_keys=True)


def test_a_groups_page_holds_back_its_own_groups_tickets_only(tmp_path: Path) -> None:
    binary = require_tool("prometheus-alertmanager")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "tenant-api.yaml").write_text(TENANTS)
    (specs / "tenant-web.yaml").write_text(TENANTS.replace("service: tenant-api", "service: tenant-web"))
    (specs / "screens.yaml").write_text(SCREENS)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    with servers.alertmanager(binary, tmp_path / "out" / names.ALERTMANAGER_CONFIG, tmp_path) as server:
        servers.api_json(server.url + "/api/v2/alerts", [*SOURCES, SENTINEL_SOURCE])
        servers.api_json(server.url + "/api/v2/alerts", [SENTINEL])
        servers.wait_until(lambda: _states(server.url).get(_key(SENTINEL)) == "suppressed", 10, 0.05, "the inhibitor")
        servers.api_json(server.url + "/api/v2/alerts", [alert for alert, _ in TARGETS.values()])
        found = _states(server.url)
    got = {name: found[_key(alert)] for name, (alert, _) in TARGETS.items()}
    assert got == {name: state for name, (_, state) in TARGETS.items()}
    assert all(found[_key(source)] == "active" for source in SOURCES)  # a page is never held back by another


def _compiled(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(parents=True)
    (specs / "tenant-api.yaml").write_text(TENANTS)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    return tmp_path / "out" / names.ALERTMANAGER_CONFIG


def _page(tenant: str) -> dict[str, Any]:
    return _tenant(FAST, "critical", tenant=tenant, burn_window="fast")


def _ticket(tenant: str) -> dict[str, Any]:
    return _tenant(SLOW, "warning", tenant=tenant, burn_window="slow")


def _wait(route: dict[str, Any]) -> str:
    """A page's group waits 1s, a ticket's 3s: the page is known first, as in production (5m against 30s)."""
    return "1s" if 'severity="critical"' in route.get("matchers", []) else "3s"


def _notifications(tmp_path: Path, alerts: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    """Each receiver's notifications, as the tenants of their alerts ("" for none): the first alert (a page) is
    posted alone and delivered, then all of them, as Prometheus would send them a cycle apart."""
    binary = require_tool("prometheus-alertmanager")
    work = tmp_path / str(len(alerts))
    with servers.webhook() as hook:
        config = servers.alertmanager_test_config(_compiled(work), _wait, hook.url, send_resolved=True)
        with servers.alertmanager(binary, config, work) as server:
            servers.api_json(server.url + "/api/v2/alerts", alerts[:1])
            servers.wait_until(lambda: hook.by_receiver(), 15, what="the page")
            servers.api_json(server.url + "/api/v2/alerts", alerts)
            time.sleep(5)  # over a ticket's group_wait: anything still to come would have been delivered
            got = hook.by_receiver()
    return {
        receiver: [sorted(a["labels"].get("tenant", "") for a in body["alerts"]) for body in bodies]
        for receiver, bodies in got.items()
    }


def test_a_second_tenants_ticket_is_delivered_beside_a_noisy_tenants_page(tmp_path: Path) -> None:
    """The noisy tenant's own and the whole service's tickets are held back by its page; the second tenant's
    slow burn is delivered (before: no ticket at all while the page lasted)."""
    alerts = [_page("noisy"), _ticket("noisy"), _tenant(SLOW, "warning", slo="overall"), _ticket("second")]
    assert _notifications(tmp_path, alerts) == {"tenant-api-critical": [["noisy"]], "tenant-api-warning": [["second"]]}


def test_200_tenants_failing_at_once_are_one_page_and_no_ticket(tmp_path: Path) -> None:
    """A fleet-wide outage: the first page, then one update of it with every tenant and the whole service (one
    PagerDuty incident), and every ticket held back by its own tenant's page or the whole service's."""
    tenants = [f"t{i:03d}" for i in range(200)]
    whole = [_tenant(FAST, "critical", slo="overall"), _tenant(SLOW, "warning", slo="overall")]
    alerts = [_page(tenants[0]), *map(_page, tenants[1:]), *map(_ticket, tenants), *whole]
    got = _notifications(tmp_path, alerts)
    assert list(got) == ["tenant-api-critical"]
    assert [len(tenants) for tenants in got["tenant-api-critical"]] == [1, 201]
