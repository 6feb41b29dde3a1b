"""Round 49's first-page wait live: a low-traffic event-count SLO's outage, then one stray failure, is one page.

A page pair takes one failure for a start only while no page of its SLO fired within its long window, read as
`max_over_time(ALERTS{alertname="SLOErrorBudgetBurnFast",alertstate="firing",...}[<long window>])` in the pair's
own expression (counted_short.paged_within). tests/test_event_restart.py replays it with promtool, which writes
ALERTS as it evaluates each rule in file order; here Prometheus 2.42 writes it, marks it stale when the page
resolves, and Alertmanager 0.25 notifies with the generated routing.

One second stands for one minute (tests/e2e/scaled_rules.py: the page pairs and the records they read, as
compiled, every duration and every window's count multiplier divided by 60). ledger (99.95%/7d, min_bad_events 3)
takes 3 requests a "minute" (0.05 req/s), every one failing for 20 "minutes", then one failed request 90 "minutes"
after the outage began. Replayed with promtool at 1m steps, the same input fires the pairs at +2 to +93 and, with
the clause removed, again at +105 to +139 (the medium pair's 15m hold after the stray): ledger-control, the same spec
whose loaded pairs lack the clause, shows that second page. Live (round 50, load ~40): the fast pair +5 to +93, the
medium +17 to +52, and the control's medium again from +106; with the clause removed from both, ledger paged twice.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.e2e.scaled_rules import scale_groups
from tests.promtool_helpers import rules_read_by
from tests.test_burn_gaps import _of
from tests.test_event_restart import PAGE, SPEC

SCALE = 60  # one second stands for one minute
SERVICES = ("ledger", "ledger-control")
REQUESTS = 3.0  # a "minute"
OUTAGE = 20  # "minutes" of every request failing
STRAY = 90  # the one failed request, "minutes" after the outage began
WATCH = 125  # "minutes" from the outage's start: past the control's second page (promtool: +105)
PRELUDE = 60  # healthy "minutes" before the outage at least (the promtool replay's hour)
WARM = 10  # seconds of the rules' evaluations before the outage
SLACK = 600
Runs = list[tuple[int, int]]
# the wait, as round 49 wrote it and as round 50's restart floor holds it (`unless (<errors> * 5m < floor and on ...)`)
# the page's clause, or the restart floor's `(E * N < F and on (...) <page fired> unless on (...) <page up>)`
# the lone failure's `unless`, and the restart floor's, with its page-up waiver (round 51's `unless on (...)
# ALERTS{...}`, round 53's `unless (T * N * L >= 1 and on (...) ALERTS{...} or ...)`)
CLAUSE = re.compile(
    r" unless (?:(\()[^()]* and )?on \(service, slo\) max_over_time\(ALERTS\{[^}]*\}\[\w+\]\)"
    r"(?(1)(?: unless (?:on \(service, slo\) ALERTS\{[^}]*\}|\((?:[^()]|\([^()]*\))*\)))?\))"
)


@dataclass
class Exporter:
    """Both services' calls at REQUESTS a second from `origin`, and their failures: all of the outage's, and
    one STRAY seconds after the outage began."""

    origin: float
    outage_from: float = float("inf")

    def text(self, service: str) -> str:
        now = time.time()
        failed = REQUESTS * max(0.0, min(now, self.outage_from + OUTAGE) - self.outage_from)
        failed += 1 if now >= self.outage_from + STRAY else 0
        total = REQUESTS * (now - self.origin)
        return f'rpc_calls_total {total:.3f}\nrpc_calls_total{{outcome="fail"}} {failed:.3f}\n'


def _backfill(promtool: str, tsdb: Path, work: Path, target: str, origin: int, end: int) -> None:
    """The healthy calls from `origin` to `end`, labelled as the live scrapes write them."""
    lines = []
    for service in SERVICES:
        scraped = f'instance="{target}",job="{service}"'
        lines += [f"rpc_calls_total{{{scraped}}} {REQUESTS * (ts - origin)} {ts}" for ts in range(origin, end + 1)]
        lines += [f'rpc_calls_total{{{scraped},outcome="fail"}} 0 {ts}' for ts in range(origin, end + 1)]
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(sorted(lines, key=lambda line: line.split(" ")[0]))))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)], check=True, capture_output=True
    )


def _rules(out: Path, staged: Path) -> int:
    """Each service's page pairs and the records they read, scaled; the control's pairs without the clause; how
    many groups."""
    count = 0
    for service in SERVICES:
        text = rules_read_by((out / names.prometheus_rules_path(service)).read_text(), alert=_of(PAGE))
        groups = scale_groups(yaml.safe_load(text)["groups"], SCALE, lambda rule: True)
        for rule in (r for g in groups for r in g["rules"] if "alert" in r and service.endswith("-control")):
            assert CLAUSE.search(rule["expr"]), rule["expr"]
            rule["expr"] = CLAUSE.sub("", rule["expr"])
        (staged / f"{service}.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        count += len(groups)
    return count


def _firing(prometheus: str) -> dict[str, set[str]]:
    """service → the page pairs firing."""
    out: dict[str, set[str]] = {service: set() for service in SERVICES}
    for alert in servers.get_json(prometheus + "/api/v1/alerts")["data"]["alerts"]:
        if alert["state"] == "firing" and alert["labels"]["alertname"] == names.SLO_BURN_FAST:
            out[alert["labels"]["service"]].add(alert["labels"]["burn_window"])
    return out


def _episodes(seen: list[tuple[float, dict[str, set[str]]]], service: str, pairs: tuple[str, ...] = PAGE) -> Runs:
    """(first, last) "minute" after the outage began of each stretch in which any of the service's `pairs` fired."""
    runs: Runs = []
    firing_before = False
    for minute, firing in seen:
        now = bool(firing[service] & set(pairs))
        if now and firing_before:
            runs[-1] = (runs[-1][0], round(minute))
        elif now:
            runs.append((round(minute), round(minute)))
        firing_before = now
    return runs


def _by_pair(seen: list[tuple[float, dict[str, set[str]]]]) -> dict[str, dict[str, Runs]]:
    return {s: {pair: _episodes(seen, s, (pair,)) for pair in PAGE} for s in SERVICES}


def _page_starts(hook: servers.Webhook, service: str) -> set[tuple[str, str]]:
    """(pair, startsAt) of each firing alert of the service notified: a pair that fires again starts anew."""
    return {
        (a["labels"]["burn_window"], a["startsAt"])
        for _, body in list(hook.received)
        for a in body["alerts"]
        if a["labels"]["service"] == service and a["labels"]["alertname"] == names.SLO_BURN_FAST
    }


def test_an_outage_then_a_stray_failure_is_one_page_live(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    # At 1 min = 1 s scrape jitter is 60 times larger against the interval: under heavy load the medium pair's
    # release can miss by a hair and the control's second page merge into its first. That run proves nothing
    # either way (it can never pass wrongly), so it runs once more; the fixed service is judged in every run.
    for attempt in range(2):
        control_paged_twice = _run_once(tmp_path / f"run{attempt}", promtool, prometheus_bin, alertmanager_bin)
        if control_paged_twice:
            return
    pytest.fail("the control paged once in two runs: the stray failure started no second page without the clause")


def _run_once(tmp_path: Path, promtool: str, prometheus_bin: str, alertmanager_bin: str) -> bool:
    """One live run; asserts the fixed service paged once; whether the control paged twice (the run is conclusive)."""
    tmp_path.mkdir()
    specs, out, staged, loaded = (tmp_path / name for name in ("specs", "generated", "staged", "loaded"))
    for directory in (specs, staged, loaded):
        directory.mkdir()
    for service in SERVICES:
        (specs / f"{service}.yaml").write_text(SPEC.replace("ledger", service))
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions(jobs=1)).bundle, str(out)))
    groups = _rules(out, staged)
    end = int(time.time())
    exporter = Exporter(origin=end - PRELUDE)
    seen: list[tuple[float, dict[str, set[str]]]] = []
    with servers.exporter_by_path(exporter.text) as target:
        _backfill(promtool, tmp_path / "tsdb", tmp_path, target, end - PRELUDE, end)
        with servers.webhook() as hook:
            am_config = servers.alertmanager_test_config(out / names.ALERTMANAGER_CONFIG, lambda r: "2s", hook.url)
            with servers.alertmanager(alertmanager_bin, am_config, tmp_path) as am:
                config = servers.prometheus_config_by_path(
                    tmp_path, loaded, target, am.url, {s: f"/{s}" for s in SERVICES}
                )
                with servers.prometheus(prometheus_bin, config, tmp_path / "tsdb", tmp_path) as prom:
                    servers.wait_for_scrapes(prom, len(SERVICES), 20)  # the 30m window (30s) mostly live
                    for path in staged.iterdir():
                        shutil.copy(path, loaded / path.name)
                    servers.reload_rules(prom, groups)
                    time.sleep(WARM)
                    assert _firing(prom.url) == {s: set() for s in SERVICES}  # healthy: no pair fires
                    exporter.outage_from = time.time()
                    while (minute := time.time() - exporter.outage_from) < WATCH:
                        seen.append((minute, _firing(prom.url)))
                        time.sleep(1)
                    time.sleep(5)  # two group waits: a late notification would be in
    fixed, control = (_episodes(seen, service) for service in SERVICES)
    # the clause: one page, each pair notified with one start only
    assert len(fixed) == 1, _by_pair(seen)
    starts = _page_starts(hook, "ledger")
    assert starts and len({pair for pair, _ in starts}) == len(starts), starts
    # the control: the stray failure starts a pair again after the page resolved, a second page
    control_starts = _page_starts(hook, "ledger-control")
    return (
        len(control) == 2 and control[1][0] >= STRAY and len({pair for pair, _ in control_starts}) < len(control_starts)
    )
