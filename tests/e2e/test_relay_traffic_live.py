"""Round 50's relay traffic quiet live: a relay down pages its owner once, and the team behind it gets nothing.

relaytraffic50 (model/relays.py, model/drop_pages.py): a spec naming its relay (`relay:`) has its
ServiceUnusualTraffic drop branch quiet for the hour after the relay's page, as its ServiceDown is quiet while the
relay's page fires (round 49). tests/test_relay_traffic_one_notification.py replays it with promtool in one group at
5m steps; here Prometheus 2.42 runs each service's groups on timers of their own (the relay's page in the
collector's key group, each reader in the relayed service's) and Alertmanager 0.25 routes and inhibits with the
generated configuration.

One second stands for one minute (tests/e2e/scaled_rules.py: the rules the alerts read, as compiled, every
duration divided by 60; the held page's two extra minutes and its 4m look-back too). A week of history (5s steps) is
backfilled without any ALERTS. The collector (team obs) answers no scrape for 40 "minutes": its `up` is 0 and the
span metrics of cart (team web, `relay:` naming it) go stale with it. cart-control is the same spec under another
name whose loaded ticket lacks the relay clause: it tickets web after the page (promtool: +60m to +75m), the
notification the clause prevents.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.types import Tier
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.e2e.scaled_rules import scale_groups
from tests.test_relay_down_one_page import COLLECTOR, NAMED, PLATFORM, RELAYED

SCALE = 60  # one second stands for one minute
RELAY = "otel-collector"
# The held page waits its relay's 5m and two evaluation intervals more (model/relays.py, round 51). With one, scaled
# to a second, the relay's page fired only 0.26 to 1 s before the held page's would have (three runs at load 20-30):
# a slow evaluation of the relay's group would let cart's page fire and quiet its own ticket (round 49's clause),
# and the relay's clause would go untested; this test held cart 10m then. Two leave a second past the phase gap.
SPECS = {
    RELAY: COLLECTOR.format(name=RELAY, team="obs"),
    "cart": RELAYED.format(name="cart", team="web", relay=NAMED),
    "cart-control": RELAYED.format(name="cart-control", team="web", relay=NAMED),
}
DOWN, TICKET = names.KEY_ALERT_NAMES["service_down"], "ServiceUnusualTraffic"
KEPT = (DOWN, names.SLO_TRAFFIC_STOPPED, TICKET, "service:requests:rate5m")
RATE = 10.0  # spans a second of each relayed service, and accepted by the collector: 600 a "minute"
HISTORY = 7 * 24 * 60 + 3 * 60  # seconds ("minutes") backfilled: the week the ticket compares with, and some
WARM = 10  # seconds of the rules' evaluations before the outage
OUTAGE = 40
WATCH = OUTAGE + 40  # from the outage's start: the relay's page over (promtool: +51), the control's ticket due
SLACK = 600  # waits for what must happen, 10x what it takes here
# round 50's clause: the drop waits out the hour after the relay's page
CLAUSE = re.compile(r'\nunless on \(\)\nmax_over_time\(ALERTS\{[^}]*service="otel-collector"[^}]*\}\[\w+\]\)')
Notice = tuple[str, str, str, str]  # receiver, service, alertname, startsAt


@dataclass
class Exporter:
    """The collector at RATE from `start` (its own intake and each relayed service's span metrics); answering 503
    during the outage (`up` 0, every series of it stale), the counters flat across it."""

    start: float
    outage_from: float = float("inf")

    def text(self, path: str) -> str | None:
        now = time.time()
        if self.outage_from <= now < self.outage_from + OUTAGE:
            return None
        lost = max(0.0, min(now, self.outage_from + OUTAGE) - self.outage_from)
        total = f"{RATE * (HISTORY + now - self.start - lost):.3f}"
        lines = [f"otelcol_receiver_accepted_spans_total {total}\n"]
        lines += [f"{_calls(service)} {total}\n" for service in SPECS if service != RELAY]
        return "".join(lines)


def _calls(service: str, scraped: str = "") -> str:
    return f'traces_span_metrics_calls_total{{{scraped}service_name="{service}-api",span_kind="SPAN_KIND_SERVER"}}'


def _backfill(promtool: str, tsdb: Path, work: Path, target: str, end: int) -> None:
    """HISTORY seconds of steady traffic up to `end`, with the collector's `up` and each service's recorded rate the
    ticket compares with, labelled as the live scrapes and rules write them; no ALERTS."""
    scraped = f'instance="{target}",job="{RELAY}",'
    steps = range(end - HISTORY, end + 1, 5)
    counters = [f"otelcol_receiver_accepted_spans_total{{{scraped[:-1]}}}"]
    counters += [_calls(service, scraped) for service in SPECS if service != RELAY]
    lines = [f"{counter} {RATE * (ts - end + HISTORY):.3f} {ts}" for counter in counters for ts in steps]
    lines += [f"up{{{scraped[:-1]}}} 1 {ts}" for ts in steps]
    for service in SPECS:
        lines += [f'service:requests:rate5m{{service="{service}"}} {RATE} {ts}' for ts in steps]
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(sorted(lines, key=lambda line: line.split(" ")[0]))))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)], check=True, capture_output=True
    )


def _rules(out: Path, staged: Path) -> int:
    """The compiled groups of the rules the alerts read, scaled, cart-control's ticket without round 50's clause;
    how many groups."""
    count = 0
    for service in SPECS:
        text = (out / names.prometheus_rules_path(service)).read_text()
        groups = scale_groups(yaml.safe_load(text)["groups"], SCALE, lambda r: r.get("alert", r.get("record")) in KEPT)
        for rule in (r for g in groups for r in g["rules"] if r.get("alert") == TICKET and service == "cart-control"):
            assert CLAUSE.search(rule["expr"]), rule["expr"]
            rule["expr"] = CLAUSE.sub("", rule["expr"])
        (staged / f"{service}.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        count += len(groups)
    return count


def _notified(hook: servers.Webhook) -> list[Notice]:
    """Every firing alert of every notification, in the order received."""
    return [
        (receiver, a["labels"]["service"], a["labels"]["alertname"], a["startsAt"])
        for receiver, bodies in hook.by_receiver().items()
        for body in bodies
        for a in body["alerts"]
        if a["status"] == "firing"
    ]


def _firing(prometheus: str) -> set[tuple[str, str]]:
    alerts: list[dict[str, Any]] = servers.get_json(prometheus + "/api/v1/alerts")["data"]["alerts"]
    return {(a["labels"]["service"], a["labels"]["alertname"]) for a in alerts if a["state"] == "firing"}


def test_a_relay_down_pages_its_owner_once_and_the_team_behind_it_gets_nothing_live(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    specs, out, staged, loaded = (tmp_path / name for name in ("specs", "generated", "staged", "loaded"))
    for directory in (specs, staged, loaded):
        directory.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for service, spec in SPECS.items():
        (specs / f"{service}.yaml").write_text(spec)
    compilation = compile_specs([str(specs)], CompileOptions(jobs=1))
    writer.write(writer.plan(compilation.bundle, str(out)))
    relay = next(s for s in compilation.fleet.services if s.name == RELAY)
    pager = relay.route(Tier.CRITICAL).receiver  # type: ignore[union-attr]
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
                config = servers.prometheus_config_by_path(tmp_path, loaded, target, am.url, {RELAY: f"/{RELAY}"})
                with servers.prometheus(prometheus_bin, config, tmp_path / "tsdb", tmp_path) as prom:
                    servers.wait_for_scrapes(prom, 1, 20)  # the rules start once the scrapes fill their windows
                    for path in staged.iterdir():
                        shutil.copy(path, loaded / path.name)
                    servers.reload_rules(prom, groups)
                    warm_until = time.time() + WARM
                    while time.time() < warm_until:
                        before.append(_firing(prom.url))
                        time.sleep(1)
                    exporter.outage_from = time.time()
                    while time.time() < exporter.outage_from + WATCH:
                        seen.append(_firing(prom.url))
                        time.sleep(1)

                    def ticketed() -> bool:  # the control's ticket delivered
                        return any(n[1:3] == ("cart-control", TICKET) for n in _notified(hook))

                    servers.wait_until(ticketed, SLACK, 1, "the control's traffic ticket")
                    time.sleep(5)  # two group waits: a late notification of the others would be in
    assert not set().union(*before), before
    notified = _notified(hook)
    # the relay's owner: one page (one alert, notified once), and nothing else
    assert [n[:3] for n in notified if n[1] == RELAY] == [(pager, RELAY, DOWN)], notified
    assert any((RELAY, DOWN) in firing for firing in seen), "the relay's page fired on the server"
    # the team behind it: no page and no ticket, at the receiver nor on the server
    assert not [n for n in notified if n[1] == "cart"], notified
    assert not [firing for firing in seen if any(service == "cart" for service, _ in firing)], seen
    # the control: without the clause, the relay's outage tickets web once the page is over
    assert [n[2] for n in notified if n[1] == "cart-control"] == [TICKET], notified
