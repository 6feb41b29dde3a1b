"""relay49 live: one relay down is one page, to the relay's owner, on Prometheus 2.42 and Alertmanager 0.25.

promtool's unit tests evaluate every rule group in file order at each step; a real server runs each group on a
timer of its own, at an offset of its own, and restarts forget every pending `for` shorter than the grace
period. The collector (team obs) is scraped each second and goes away; cart (web) and checkout (pay) name it
as their relay and read its page's `ALERTS` from another group; orders (pay) shares the targets without
`relay:`, the control that shows what an unheld page does. Holds are scaled to 5s (the relayed ones' extra
minute is not scalable: it is what is checked). Then Prometheus restarts mid-outage on the same storage with
the production grace period, so that neither page's `for` is restored and both wait again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.types import Tier
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import servers
from tests.test_relay_down_one_page import COLLECTOR, NAMED, PLATFORM, RELAYED

HOLD = "alerts: {service_down: {critical: {for: 5s}}}\n"
SPECS = {
    "otel-collector": COLLECTOR.format(name="otel-collector", team="obs") + HOLD,
    "cart": RELAYED.format(name="cart", team="web", relay=NAMED) + HOLD,
    "checkout": RELAYED.format(name="checkout", team="pay", relay=NAMED) + HOLD,
    "orders": RELAYED.format(name="orders", team="pay", relay="") + HOLD,
}
DOWN = names.KEY_ALERT_NAMES["service_down"]
HELD = {"cart", "checkout"}
# the held pages' own hold: 5s + the relay's minute; watched past it with slack for a loaded machine
WATCH = 65 + 30


def _down_states(prometheus: str) -> dict[str, str]:
    """service → state of its ServiceDown on the server (absent: inactive)."""
    alerts = servers.get_json(prometheus + "/api/v1/alerts")["data"]["alerts"]
    return {a["labels"]["service"]: a["state"] for a in alerts if a["labels"]["alertname"] == DOWN}


def _watch(prometheus: str, seconds: float) -> Iterator[dict[str, str]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        yield _down_states(prometheus)
        time.sleep(0.5)


def _paged(hook: servers.Webhook) -> dict[str, list[set[str]]]:
    """receiver → the services of each notification it got."""
    return {
        receiver: [{a["labels"]["service"] for a in body["alerts"]} for body in bodies]
        for receiver, bodies in hook.by_receiver().items()
    }


def _collector_up(prometheus: str) -> bool:
    return bool(servers.get_json(prometheus + '/api/v1/query?query=up{job="otel-collector"}==1')["data"]["result"])


def _wait(route: dict[str, Any]) -> str:
    return "2s"


def test_a_relay_down_is_one_page_live_and_across_a_restart(tmp_path: Path) -> None:
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, text in SPECS.items():
        (specs / f"{name}.yaml").write_text(text)
    compilation = compile_specs([str(specs)], CompileOptions())
    out = tmp_path / "generated"
    writer.write(writer.plan(compilation.bundle, str(out)))
    receiver = {s.name: s.route(Tier.CRITICAL).receiver for s in compilation.fleet.services}  # type: ignore[union-attr]
    rules = out / names.PROMETHEUS_DIR / "rules"
    runs: list[list[dict[str, str]]] = []
    with (
        servers.webhook() as hook,
        servers.alertmanager(alertmanager_bin, _am_config(out, hook), tmp_path) as am,
        ExitStack() as collector,
    ):
        target = collector.enter_context(servers.exporter(lambda: "otelcol_receiver_accepted_spans_total 1\n"))
        config = servers.prometheus_test_config(tmp_path, rules, am.url, {"otel-collector": target})
        for run in ("first", "restarted"):
            (tmp_path / run).mkdir()
            # resends each minute as in production (an alert resolves 4m after its last send, not across a
            # restart); the production grace period: a restart restores neither 5s hold, both wait again
            with servers.prometheus(prometheus_bin, config, tmp_path / "tsdb", tmp_path / run, [], "1m") as prom:
                if run == "first":
                    servers.wait_until(lambda: _collector_up(prom.url), 60, what="the collector up")
                    collector.close()  # the collector's target is gone: `up` is 0 from the next scrape
                runs.append(list(_watch(prom.url, WATCH)))
        time.sleep(5)  # two group waits: a late page would be in
    for run, seen in zip(("first", "restarted"), runs, strict=True):
        assert any(s.get("otel-collector") == "firing" for s in seen), (run, seen[-1:])
        assert any(s.get("orders") == "firing" for s in seen), (run, "the control: an unheld relayed page fires")
        held = [s for s in seen if any(s.get(name) == "firing" for name in HELD)]
        assert not held, (run, held[:3])
    paged = _paged(hook)
    assert paged.get(receiver["otel-collector"]) == [{"otel-collector"}], paged
    assert not any(HELD & services for lists in paged.values() for services in lists), paged
    assert any("orders" in services for services in paged.get(receiver["orders"], [])), paged


def _am_config(out: Path, hook: servers.Webhook) -> Path:
    return servers.alertmanager_test_config(out / names.ALERTMANAGER_CONFIG, _wait, hook.url)
