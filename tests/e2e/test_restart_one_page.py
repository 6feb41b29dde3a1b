"""restart50 live: a Prometheus restart mid-outage is one page, under the flags `obsc verify` asks for.

Measured at production timings first (round 50, docs/known-limits.md): with the default grace period a restart
starts ServiceDown's 5m hold again; Alertmanager resolves the page four resend delays after its last send and
pages again when it fires. Here one minute is scaled to 5s (evaluations, scrapes and the resend delay every 5s,
ServiceDown held 25s) so the outage and its restart fit in two minutes. The control runs the production defaults
at that scale (resend delay = evaluation interval, the 10m grace period) and must page twice; `obsc verify`
against it must name the two flags; the same outage and restart under those flags must page once, with the
alert's `activeAt` kept across the restart (its hold restored, not started again). The second stack starts
once the control has paged and verify has named the flags; the two then run at once.
Alertmanager flushes each second: any resolve it sees is a notification, so a second page cannot hide.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event
from typing import Any

import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from compiler.verify import VerifyOptions, verify
from tests.conftest import require_tool
from tests.e2e import servers

PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams:\n  web:\n    routing:\n"
    "      critical: {webhook: {url: 'https://pager.example/web'}}\n"
    "      warning: {webhook: {url: 'https://tickets.example/web'}}\n"
)
SPEC = """\
apiVersion: obsc/v1
service: shop
team: web
selector: {job: shop}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99, sli: {errors: errors, total: requests}}
alerts: {service_down: {critical: {for: 25s}}}
"""
MINUTE = 5  # seconds that stand for one minute
DOWN = names.KEY_ALERT_NAMES["service_down"]
AFTER_RESTART = 60  # watched once firing again: the control's second page comes as it fires (hold 25s in)
SLACK = 300  # waits for what must happen, 10x what it takes here


@dataclass
class Outcome:
    bodies: list[dict[str, Any]] = field(default_factory=list)  # the notifications naming ServiceDown
    active_at: list[str] = field(default_factory=list)  # ServiceDown's activeAt before and after the restart
    findings: list[str] = field(default_factory=list)


def _down(prometheus: str) -> dict[str, Any] | None:
    alerts = servers.get_json(prometheus + "/api/v1/alerts")["data"]["alerts"]
    return next((a for a in alerts if a["labels"]["alertname"] == DOWN and a["state"] == "firing"), None)


def _run(work: Path, flags: list[str], outcome: Outcome, paged_once: Event | None = None) -> Outcome:
    """An outage of shop (its one target refuses every scrape), a restart of Prometheus on the same storage
    once ServiceDown has paged, and what the receiver got. With `paged_once`, verify runs against the server
    once it has paged (its findings in `outcome` before the event is set)."""
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    specs = work / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "shop.yaml").write_text(SPEC)
    out = work / "generated"
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions(jobs=1)).bundle, str(out)))
    resend = next((f.split("=", 1)[1] for f in flags if f.startswith("--rules.alert.resend-delay=")), f"{MINUTE}s")
    extra = [f for f in flags if not f.startswith("--rules.alert.resend-delay=")]
    with servers.webhook() as hook:
        am_config = servers.alertmanager_test_config(out / names.ALERTMANAGER_CONFIG, lambda r: "1s", hook.url, True)
        with servers.alertmanager(alertmanager_bin, am_config, work) as am:
            config = servers.prometheus_test_config(
                work, out / names.PROMETHEUS_DIR / "rules", am.url, {"shop": f"127.0.0.1:{servers.free_port()}"}
            )
            scaled = yaml.safe_load(config.read_text())
            scaled["global"] = {"evaluation_interval": f"{MINUTE}s", "scrape_interval": f"{MINUTE}s"}
            config.write_text(yaml.safe_dump(scaled))

            def paged() -> list[dict[str, Any]]:
                return [b for b in list(hook.received) if any(a["labels"]["alertname"] == DOWN for a in b[1]["alerts"])]

            for run in ("first", "restarted"):
                if run == "restarted":
                    time.sleep(2 * MINUTE)  # down for "2m"
                (work / run).mkdir()
                with servers.prometheus(prometheus_bin, config, work / "tsdb", work / run, extra, resend) as prom:
                    if run == "first":
                        servers.wait_until(lambda: paged(), SLACK, 0.5, "ServiceDown's page")
                        outcome.active_at.append(servers.wait_until(lambda: _down(prom.url), SLACK)["activeAt"])
                        if paged_once is not None:
                            report = verify([str(specs)], VerifyOptions(prom.url, retries=0))
                            outcome.findings = [f.message for f in report.findings]
                            paged_once.set()
                        continue  # Prometheus stops here
                    firing = servers.wait_until(lambda: _down(prom.url), SLACK, 0.5, "ServiceDown firing again")
                    outcome.active_at.append(firing["activeAt"])
                    time.sleep(AFTER_RESTART)
            time.sleep(2)  # two flushes: a late notification would be in
            outcome.bodies = [body for _, body in paged()]
    return outcome


def _second(active_at: str) -> str:
    """`activeAt` to the second: Prometheus keeps whole seconds in ALERTS_FOR_STATE, which a restore reads."""
    return active_at.split(".")[0].removesuffix("Z")


def _statuses(outcome: Outcome) -> list[str]:
    return [a["status"] for body in outcome.bodies for a in body["alerts"] if a["labels"]["alertname"] == DOWN]


def test_a_restart_mid_outage_is_one_page_under_the_flags_verify_asks_for(tmp_path: Path) -> None:
    defaults, kept, paged_once = Outcome(), Outcome(), Event()
    with ThreadPoolExecutor(2) as pool:
        control = pool.submit(_run, tmp_path / "defaults", [], defaults, paged_once)
        while not paged_once.wait(1):
            if control.done():
                control.result()  # its failure, or it ended without paging
                raise AssertionError("the control ended before it paged")
        asked = _asked_flags(defaults.findings)
        fixed = pool.submit(_run, tmp_path / "asked", asked, kept)
        control.result()
        fixed.result()
    # the production defaults at this scale: the restart starts the hold again and the outage pages twice
    assert _second(defaults.active_at[0]) != _second(defaults.active_at[1]), defaults.active_at
    assert _statuses(defaults).count("firing") >= 2, defaults.bodies
    # under the flags verify asks for: the hold is restored and Alertmanager never lets the page go
    assert _second(kept.active_at[0]) == _second(kept.active_at[1]), kept.active_at
    assert _statuses(kept) == ["firing"], kept.bodies


def _asked_flags(findings: list[str]) -> list[str]:
    """The two flags verify's restart findings ask for (one finding each), as the command line gives them."""
    restart = [f for f in findings if "a Prometheus restart mid-incident notifies twice" in f]
    assert len(restart) == 2, findings
    grace = re.search(r"--rules\.alert\.for-grace-period=(\S+) or less", " ".join(restart))
    resend = re.search(r"--rules\.alert\.resend-delay=(\S+) or more", " ".join(restart))
    assert grace and resend, restart
    return [f"--rules.alert.for-grace-period={grace[1]}", f"--rules.alert.resend-delay={resend[1]}"]
