"""A crash loop is one page, to the relay's owner, whatever its rhythm (round 50, promtool).

Round 49 found a collector down 2.5m and up 2m for 40 minutes (`up` 0 55% of the time) paging nobody: its
ServiceDown's crash-loop branch read a share of the last 10m that hovered around a half, and each flip restarted
the 5m hold; the pages held behind it (`relay:`) stayed quiet as they should. Replayed over a grid (down and up
0.5-10m, same instance or a new one per restart, alone or beside two healthy targets, 15s/30s/60s scrapes, 30s
scrapes off the evaluation's beat), many loops down half the time or more never paged, and loops down 6m or more
at a stretch paged once per stretch. Each crash-loop share now counts while it was at half or less at some
evaluation of the last hold (service_down.py).

What must page: a target down half the time or more, or down longer than its hold at a stretch, up less than
twice the hold between (one page, by 15 minutes into the loop, ending within twice the hold and a few minutes of
its end). What must not: a target up three quarters of the time or more with stretches down under the hold (up
95% of the time, a single restart), one target of several. A sample of the grid, each cell its own test group.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_tool
from tests.test_relay_down_one_page import DOWN, _fleet, _two_teams

START, STOP, END = 10, 50, 70  # healthy to START, the loop to STOP, healthy to END (minutes)
HOLD = 5  # the collector's ServiceDown hold (minutes); the held pages' windows are the same


class Cell:
    """A loop down `down` and up `up` minutes, each restart a new instance (`new`), beside two healthy targets
    (`several`), scraped every `scrape` seconds, `offset` seconds after the evaluation's beat."""

    def __init__(self, down: float, up: float, new: bool = False, several: bool = False, scrape: int = 30) -> None:
        self.down, self.up, self.new, self.several, self.scrape = down, up, new, several, scrape

    @property
    def name(self) -> str:
        return f"down {self.down}m up {self.up}m{' new' if self.new else ''}{' several' if self.several else ''}"

    def series(self) -> dict[str, str]:
        steps = END * 60 // self.scrape + 1
        period = int((self.down + self.up) * 60)
        lives: list[list[str]] = [["_"] * steps]
        previous = "1"
        for i in range(steps):
            t = i * self.scrape
            looping = START * 60 <= t < STOP * 60
            value = "0" if looping and (t - START * 60) % period < self.down * 60 else "1"
            if self.new and previous == "0" and value == "1":  # a restart: a new instance, the old one stale
                lives[-1][i] = "stale"
                lives.append(["_"] * steps)
            lives[-1][i] = value
            previous = value
        out = {f'up{{job="otel-collector",instance="c{n}"}}': " ".join(v) for n, v in enumerate(lives)}
        if self.several:
            out |= {f'up{{job="otel-collector",instance="{h}"}}': " ".join(["1"] * steps) for h in ("h1", "h2")}
        return out


def _firing(tmp_path: Path, cells: list[Cell]) -> dict[str, dict[str, list[int]]]:
    """Per cell, each service's ServiceDown firing minutes (0 to END), one promtool run of a group per cell."""
    promtool = require_tool("promtool")
    _, out = _fleet(tmp_path, _two_teams())
    groups = []  # ServiceDown alone (promtool evaluates every rule loaded at every step), the relay's first
    for service in ("otel-collector", "cart", "checkout"):
        loaded = yaml.safe_load((out / "prometheus" / "rules" / f"{service}.yaml").read_text())
        alerts = [r for g in loaded["groups"] for r in g["rules"] if r.get("alert") == DOWN]
        groups.append({"name": service, "interval": "1m", "rules": alerts})
    (tmp_path / "down.yaml").write_text(yaml.safe_dump({"groups": groups}))
    query = f'ALERTS{{alertname="{DOWN}",alertstate="firing"}}'
    tests = []
    for n, cell in enumerate(cells):
        checks = [{"expr": f"vector({n})", "eval_time": "0m", "exp_samples": []}]  # names the cell in the report
        checks += [{"expr": query, "eval_time": f"{m}m", "exp_samples": []} for m in range(END + 1)]
        series = [{"series": s, "values": v} for s, v in cell.series().items()]
        tests.append({"interval": f"{cell.scrape}s", "input_series": series, "promql_expr_test": checks})
    path = tmp_path / "grid.test.yaml"
    order = [g["name"] for g in groups]
    test = {"rule_files": ["down.yaml"], "evaluation_interval": "1m", "group_eval_order": order, "tests": tests}
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run(
        [promtool, "test", "rules", path.name], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    printed = done.stdout + done.stderr
    assert "WARNING" not in printed, printed[-2000:]
    fired: dict[str, dict[str, list[int]]] = {c.name: {} for c in cells}
    cell = minute = None
    for line in printed.splitlines():
        if named := re.search(r'expr: "vector\((\d+)\)"', line):
            cell = cells[int(named.group(1))].name
        elif at := re.search(r"time: (?:(\d+)h)?(?:(\d+)m)?(?:\d+s)?,", line):  # promtool's 1h1m, 0s
            minute = 60 * int(at.group(1) or 0) + int(at.group(2) or 0)
        elif cell is not None and minute is not None and "service=" in line:
            for service in re.findall(r'service="([^"]+)"', line):
                fired[cell].setdefault(service, []).append(minute)
    return fired


def _stretches(minutes: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in sorted(minutes):
        out = [*out[:-1], (out[-1][0], m)] if out and out[-1][1] == m - 1 else [*out, (m, m)]
    return out


PAGE = [
    Cell(2.5, 2),  # round 49's loop: `up` 0 55% of the time, never paged
    Cell(2.5, 2, new=True),
    Cell(1, 1),
    Cell(3, 3, new=True),
    Cell(4, 3),  # fired and resolved four times in the loop
    Cell(5, 5, scrape=15),
    Cell(6, 6),  # paged once per stretch down
    Cell(8, 10, scrape=60),
]
QUIET = [
    Cell(0.5, 9.5),  # up 95% of the time
    Cell(1, 4, scrape=15),
    Cell(2, 8, new=True),
    Cell(4, 1, several=True),  # one target of three
    Cell(10, 0.5, new=True, several=True),
]


def test_each_crash_loop_is_one_page_and_what_is_none_pages_nothing(tmp_path: Path) -> None:
    fired = _firing(tmp_path, PAGE + QUIET)
    wrong = {}
    for cell in PAGE:
        pages = _stretches(fired[cell.name].get("otel-collector", []))
        held = {s: m for s, m in fired[cell.name].items() if s != "otel-collector"}
        # one page, by 15m into the loop, over within twice the hold and 3 minutes of its end; no team behind it
        if len(pages) != 1 or pages[0][0] > START + 15 or pages[0][1] > STOP + 2 * HOLD + 3 or held:
            wrong[cell.name] = fired[cell.name]
    for cell in QUIET:
        if fired[cell.name]:
            wrong[cell.name] = fired[cell.name]
    assert wrong == {}
