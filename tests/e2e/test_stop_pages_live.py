"""Round 49's drop clause live: a stop or a whole-service outage pages, and no traffic ticket follows it.

ServiceUnusualTraffic's drop branch is quiet for the hour after SLOTrafficStopped or the whole service's ServiceDown
fired (model/drop_pages.py), read as `max_over_time(ALERTS{...firing...}[1h])`. promtool replays
(tests/test_stopped_traffic_one_notification.py, tests/test_down_traffic_one_notification.py) write ALERTS as each
rule is evaluated in file order; here Prometheus 2.42 writes it, each group on its own timer (SLOTrafficStopped is
in the SLO group, the ticket in the key-metric group), and marks it stale when the page resolves; Alertmanager 0.25
routes and inhibits with the generated configuration.

One second stands for one minute (tests/e2e/scaled_rules.py): the rules the alerts read, as compiled, with every
duration divided by 60. A week of history (at 5s steps) is backfilled without any ALERTS, so every ALERTS sample the
ticket reads is the live server's. shop-ingress's traffic stops for 40 "minutes" with its controller up; shop-web's
targets are down for 40. Each has a control, the same spec under another name whose loaded ticket has the clause
removed: it tickets after the page, the notification the clause prevents.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.e2e.scaled_rules import scale_groups

SCALE = 60  # one second stands for one minute
INGRESS = """\
apiVersion: obsc/v1
service: {name}
team: edge
selector: {{namespace: shop, ingress: {name}}}
targets: {{job: {name}-controller}}
targets_via: ingress
metrics:
  requests: nginx_ingress_controller_requests
  errors: nginx_ingress_controller_requests{{status=~"5.."}}
slos:
  - {{name: availability, objective: 99.5, sli: {{errors: errors, total: requests}}}}
routing:
  critical: {{webhook: {{url: "https://oncall.example.net/hooks/edge"}}}}
  warning: {{webhook: {{url: "https://tickets.example.net/hooks/edge"}}}}
"""
DIRECT = """\
apiVersion: obsc/v1
service: {name}
team: web
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: 'http_requests_total{{code=~"5.."}}'
slos:
  - {{name: availability, objective: 99.5, sli: {{errors: errors, total: requests}}}}
routing:
  critical: {{webhook: {{url: "https://oncall.example.net/hooks/web"}}}}
  warning: {{webhook: {{url: "https://tickets.example.net/hooks/web"}}}}
"""
STOPPED, DOWN, TICKET = names.SLO_TRAFFIC_STOPPED, names.KEY_ALERT_NAMES["service_down"], "ServiceUnusualTraffic"
# service → (spec, the page its outage raises); a `-control` twin of each loads its ticket without the clause
SERVICES = {"shop-ingress": (INGRESS, STOPPED), "shop-web": (DIRECT, DOWN)}
KEPT = (STOPPED, DOWN, TICKET, "service:requests:rate5m")
RATE = 10.0  # requests a second: 600 a "minute"
HISTORY = 7 * 24 * 60 + 3 * 60  # seconds ("minutes") backfilled: the week the ticket compares with, and some
WARM = 10  # seconds of the rules' evaluations before the outage
OUTAGE = 40
WATCH = OUTAGE + 75  # from the outage's start: past the control's ticket (production: +60m to +75m)
SLACK = 600  # waits for what must happen, 10x what it takes here
CLAUSE = re.compile(r"\nunless on \(\)\nmax_over_time\(ALERTS\{[^}]*\}\[\w+\]\)")


def _services() -> dict[str, tuple[str, str]]:
    return {f"{name}{twin}": page for name, page in SERVICES.items() for twin in ("", "-control")}


@dataclass
class Exporter:
    """Each service's counter at RATE from `start`; during the outage an ingress's stays flat with its controller
    up, a directly scraped service's target answers 503 (up 0, its series stale)."""

    start: float
    outage_from: float = float("inf")

    def counting(self, now: float) -> float:
        lost = max(0.0, min(now, self.outage_from + OUTAGE) - self.outage_from)
        return max(0.0, now - self.start) - lost

    def down(self, now: float) -> bool:
        return self.outage_from <= now < self.outage_from + OUTAGE

    def text(self, service: str) -> str | None:
        now = time.time()
        total = f"{RATE * (HISTORY + self.counting(now)):.3f}"
        if service.startswith("shop-ingress"):
            return f'nginx_ingress_controller_requests{{ingress="{service}",namespace="shop"}} {total}\n'
        return None if self.down(now) else f'http_requests_total{{code="200"}} {total}\n'


def _job(service: str) -> str:
    return f"{service}-controller" if service.startswith("shop-ingress") else service


def _backfill(promtool: str, tsdb: Path, work: Path, target: str, end: int) -> None:
    """HISTORY seconds of steady traffic up to `end`, with `up` and the recorded rate the ticket compares with,
    labelled as the live scrapes and rules write them; no ALERTS."""
    lines: list[str] = []
    for service in _services():
        scraped = f'job="{_job(service)}",instance="{target}"'
        if service.startswith("shop-ingress"):
            counter = f'nginx_ingress_controller_requests{{ingress="{service}",{scraped},namespace="shop"}}'
        else:
            counter = f'http_requests_total{{code="200",{scraped}}}'
        for ts in range(end - HISTORY, end + 1, 5):
            lines.append(f"{counter} {RATE * (ts - end + HISTORY):.3f} {ts}")
        lines += [f"up{{{scraped}}} 1 {ts}" for ts in range(end - HISTORY, end + 1, 5)]
        recorded = f'service:requests:rate5m{{service="{service}"}}'
        lines += [f"{recorded} {RATE} {ts}" for ts in range(end - HISTORY, end + 1, 5)]
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(sorted(lines, key=lambda line: line.split(" ")[0]))))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)],
        check=True,
        capture_output=True,
    )


def _rules(out: Path, loaded: Path) -> int:
    """The compiled groups of the rules the alerts read, scaled, the controls' tickets without the clause; how
    many groups."""
    count = 0
    for service in _services():
        text = (out / names.prometheus_rules_path(service)).read_text()
        groups = scale_groups(yaml.safe_load(text)["groups"], SCALE, lambda r: r.get("alert", r.get("record")) in KEPT)
        for group in groups:
            for rule in group["rules"]:
                if service.endswith("-control") and rule.get("alert") == TICKET:
                    assert CLAUSE.search(rule["expr"]), rule["expr"]
                    rule["expr"] = CLAUSE.sub("", rule["expr"])
        (loaded / f"{service}.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        count += len(groups)
    return count


def _notified(hook: servers.Webhook) -> list[tuple[str, str, str]]:
    """(service, alertname, status) of every alert of every notification, in the order received."""
    return [
        (a["labels"]["service"], a["labels"]["alertname"], a["status"])
        for _, body in list(hook.received)
        for a in body["alerts"]
    ]


def _firing(prometheus: str) -> set[tuple[str, str]]:
    alerts = servers.get_json(prometheus + "/api/v1/alerts")["data"]["alerts"]
    return {(a["labels"]["service"], a["labels"]["alertname"]) for a in alerts if a["state"] == "firing"}


def test_a_stop_or_an_outage_pages_and_no_traffic_ticket_follows_live(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    specs, out, staged, loaded = (tmp_path / name for name in ("specs", "generated", "staged", "loaded"))
    for directory in (specs, staged, loaded):
        directory.mkdir()
    for service, (spec, _) in _services().items():
        (specs / f"{service}.yaml").write_text(spec.format(name=service))
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions(jobs=1)).bundle, str(out)))
    groups = _rules(out, staged)
    end = int(time.time())
    exporter = Exporter(start=end)
    before: list[set[tuple[str, str]]] = []  # what fired before the outage: nothing may
    seen: list[set[tuple[str, str]]] = []
    with servers.exporter_by_path(exporter.text) as target:
        _backfill(promtool, tmp_path / "tsdb", tmp_path, target, end)
        with servers.webhook() as hook:
            am_config = servers.alertmanager_test_config(out / names.ALERTMANAGER_CONFIG, lambda r: "2s", hook.url)
            with servers.alertmanager(alertmanager_bin, am_config, tmp_path) as am:
                paths = {_job(s): f"/{s}" for s in _services()}
                config = servers.prometheus_config_by_path(tmp_path, loaded, target, am.url, paths)
                with servers.prometheus(prometheus_bin, config, tmp_path / "tsdb", tmp_path) as prom:
                    # the rules start once the scrapes fill their windows: the backfill ends tens of seconds
                    # ("minutes") before the first scrape, a gap a stop would be read in
                    servers.wait_for_scrapes(prom, len(_services()), 20)
                    for path in staged.iterdir():
                        shutil.copy(path, loaded / path.name)
                    servers.reload_rules(prom, groups)
                    warm_until = time.time() + WARM
                    while time.time() < warm_until:
                        before.append(_firing(prom.url))
                        time.sleep(1)
                    exporter.outage_from = time.time()
                    deadline = exporter.outage_from + WATCH
                    while time.time() < deadline:
                        seen.append(_firing(prom.url))
                        time.sleep(1)

                    def ticketed() -> bool:  # both controls' tickets delivered
                        got = {(s, n) for s, n, status in _notified(hook) if status == "firing"}
                        return all((f"{s}-control", TICKET) in got for s in SERVICES)

                    servers.wait_until(ticketed, SLACK, 1, "the controls' traffic tickets")
                    time.sleep(5)  # two group waits: a late ticket of the others would be in
    assert not set().union(*before), before
    notified = _notified(hook)
    for service, (_, page) in SERVICES.items():
        for twin in (service, f"{service}-control"):
            assert (twin, page, "firing") in notified, (twin, notified)
            assert any((twin, page) in firing for firing in seen), twin
        # the control: its ticket fires, and after the page (muted while it fired, it is delivered then)
        control = [n for s, n, _ in notified if s == f"{service}-control"]
        assert control.index(TICKET) > control.index(page), control
        # the clause: the same outage tickets nothing, neither on the server nor at the receiver
        assert not any((service, TICKET) in firing for firing in seen), service
        assert not [n for n in notified if n[:2] == (service, TICKET)], notified
