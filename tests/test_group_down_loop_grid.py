"""A group's crash loop is one page, as the whole service's is (round 51, promtool).

Round 50 made ServiceDown's crash-loop shares count while they were at half or less at some evaluation of the last
hold, so that a loop whose share hovers around a half is one page; a group's branch (`by: [region]`, one region
looping while another serves) kept the old reading, the share now held for the `for`, and had no moments branch
at all. Replayed over a grid (down and up 0.5-10m, the same instance or a new one per restart reporting 0 while
down; 30s scrapes 5s off the evaluation's beat and 60s scrapes), 108 of the 180 group loops that must page never
paged or paged more than once (most once per stretch down). The group's branch now reads the same crash-loop
branches as the whole service (service_down.loop_shares, loop_moments).

Must page: eu's only target down half the time or more, or down longer than the hold at a stretch, up less than
twice the hold between: one page of eu, by 15 minutes into the loop, over within twice the hold and 3 minutes of
the loop's end, and no page of the whole service or of us. Must not: one target of eu's three looping, eu drained
(a 0 at one scrape, then its targets removed) or gone 7 minutes and back, eu up 95% of the time. Each cell its own
test group.

Round 52: a group whose every restart is a new instance with nothing scraped between lives (ECS tasks) read as a
group gone at each crash, and paged nothing (90 of 90 such loops that must page). It pages once it went twice in
eight holds (service_down.loop_gone): its first crash looks like a cluster gone once and back, which stays quiet.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.targets.prometheus.service_down import group_down_expr
from tests.conftest import require_tool
from tests.test_group_down import _compile  # api, its SLO kept `by: [BY]`

START, STOP, END = 10, 50, 70  # healthy to START, the loop to STOP, healthy to END (minutes)
HOLD = 5  # api's ServiceDown hold (minutes)
BASE = 5  # the input's interval (s): each scrape is a sample on it
FIRING = 'ALERTS{alertname="ServiceDown",alertstate="firing"}'


class Cell:
    """eu's target down `down` and up `up` minutes from START to STOP (`life`: "same" instance, a "new" one per
    restart reporting 0 while down, or a new one per restart and "gone" while down), scraped every `scrape`
    seconds, `offset` seconds off the evaluation's beat; beside it `healthy` other eu targets, and us's one."""

    def __init__(
        self, down: float, up: float, life: str = "same", scrape: int = 30, offset: int = 5, healthy: int = 0
    ) -> None:
        self.down, self.up, self.life, self.scrape, self.offset, self.healthy = down, up, life, scrape, offset, healthy

    @property
    def name(self) -> str:
        return f"down {self.down}m up {self.up}m {self.life} {self.scrape}s+{self.offset}s healthy {self.healthy}"

    def scrapes(self) -> range:
        return range(self.offset, END * 60 + 1, self.scrape)

    def series(self) -> dict[str, str]:
        period = int((self.down + self.up) * 60)
        lives: list[dict[int, str]] = [{}]
        previous = "1"
        for t in self.scrapes():
            looping = START * 60 <= t < STOP * 60
            value = "0" if looping and (t - START * 60) % period < self.down * 60 else "1"
            restart = previous == "0" and value == "1"
            if (self.life == "new" and restart) or (self.life == "gone" and previous == "1" and value == "0"):
                lives[-1][t] = "stale"
                lives.append({})
            if self.life != "gone" or value == "1":
                lives[-1][t] = value
            previous = value
        out = {f'up{{job="api",instance="eu-{n}",region="eu"}}': _values(life) for n, life in enumerate(lives)}
        up = {t: "1" for t in self.scrapes()}
        out |= {f'up{{job="api",instance="eu-h{n}",region="eu"}}': _values(up) for n in range(self.healthy)}
        return out | {'up{job="api",instance="us-1",region="us"}': _values(up)}


class Whole(Cell):
    """The loop on the service's only target, which carries no region: the whole service's branches alone."""

    @property
    def name(self) -> str:
        return f"whole: {super().name}"

    def series(self) -> dict[str, str]:
        looping = {k: v for k, v in super().series().items() if 'region="eu"' in k}
        return {k.replace(',region="eu"', ""): v for k, v in looping.items()}


class Returned(Cell):
    """eu's only target healthy, gone (stale) for `down` minutes from 30m, then back."""

    @property
    def name(self) -> str:
        return f"eu gone {self.down}m from 30m, then back"

    def series(self) -> dict[str, str]:
        gone = range(30 * 60, int((30 + self.down) * 60))
        eu = {t: "1" for t in self.scrapes() if t not in gone}
        eu[next(t for t in self.scrapes() if t in gone)] = "stale"
        return {'up{job="api",instance="eu-1",region="eu"}': _values(eu)} | {
            'up{job="api",instance="us-1",region="us"}': _values({t: "1" for t in self.scrapes()})
        }


class Drained(Cell):
    """eu's three targets healthy, each reporting 0 at one scrape at 30m and then removed."""

    @property
    def name(self) -> str:
        return "eu drained at 30m"

    def series(self) -> dict[str, str]:
        cut = [t for t in self.scrapes() if t >= 30 * 60][:2]
        eu = {t: "1" for t in self.scrapes() if t < cut[0]} | {cut[0]: "0", cut[1]: "stale"}
        out = {f'up{{job="api",instance="eu-{n}",region="eu"}}': _values(eu) for n in range(3)}
        return out | {'up{job="api",instance="us-1",region="us"}': _values({t: "1" for t in self.scrapes()})}


def _values(samples: dict[int, str]) -> str:
    """Samples by second as promtool's values at BASE steps (`_xN` for N steps without one)."""
    tokens = [samples.get(step * BASE, "_") for step in range(END * 60 // BASE + 1)]
    out: list[str] = []
    for token, run in itertools.groupby(tokens):
        n = len(list(run))
        out += [f"_x{n}" if n > 1 else "_"] if token == "_" else [token] * n
    return " ".join(out)


def _firing(tmp_path: Path, capsys: pytest.CaptureFixture[str], cells: list[Cell]) -> dict[str, dict[str, list[int]]]:
    """Per cell, the minutes each ServiceDown fired (by region; `whole`: the service's own), a test group a cell."""
    promtool = require_tool("promtool")
    out = _compile(tmp_path, capsys, "region")
    loaded = yaml.safe_load((out / "prometheus/rules/api.yaml").read_text())
    down = [r for g in loaded["groups"] for r in g["rules"] if r.get("alert") == "ServiceDown"]
    (tmp_path / "down.yaml").write_text(yaml.safe_dump({"groups": [{"name": "down", "interval": "1m", "rules": down}]}))
    tests = []
    for n, cell in enumerate(cells):
        checks = [{"expr": f"vector({n})", "eval_time": "0m", "exp_samples": []}]  # names the cell in the report
        checks += [{"expr": FIRING, "eval_time": f"{m}m", "exp_samples": []} for m in range(END + 1)]
        series = [{"series": s, "values": v} for s, v in cell.series().items()]
        tests.append({"interval": f"{BASE}s", "input_series": series, "promql_expr_test": checks})
    test = {"rule_files": ["down.yaml"], "evaluation_interval": "1m", "tests": tests}
    (tmp_path / "grid.test.yaml").write_text(yaml.safe_dump(test))
    done = subprocess.run(
        [promtool, "test", "rules", "grid.test.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=600
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
        elif cell is not None and minute is not None and "got:" in line:  # every firing alert on one line
            for sample in re.findall(r"\{[^}]*alertname=[^}]*\}", line):
                region = re.search(r'region="([^"]+)"', sample)
                fired[cell].setdefault(region.group(1) if region else "whole", []).append(minute)
    return fired


def _stretches(minutes: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in sorted(minutes):
        out = [*out[:-1], (out[-1][0], m)] if out and out[-1][1] == m - 1 else [*out, (m, m)]
    return out


PAGE = [  # each failed on the code before: never paged, or paged once per stretch down
    Cell(2, 2),  # never
    Cell(4, 3),  # five 1-minute pages
    Cell(6, 6),  # once per stretch down
    Cell(2.5, 2, "new"),  # never: the group had no moments branch
    Cell(8, 3, "new"),  # four pages
    Cell(3, 3, "new", scrape=60, offset=0),
]
QUIET = [
    Cell(4, 1, healthy=2),  # one target of eu's three
    Cell(1, 1, "new", healthy=2),
    Cell(2, 2, "gone", healthy=2),
    Cell(0.5, 9.5),  # up 95% of the time
    Drained(0, 0),
    Returned(7, 0),  # its gap read as down (a group's moments without a target) paged it as it came back
]


# Round 50's cells left, at 30s scrapes 5s off the beat, a new instance per restart: the moments' window read both
# ends, so a loop up exactly half of them read 21 of 41 at evaluations on the 15s beat (promtool's).
EXACT_HALF = [
    Whole(0.5, 0.5, "new"),  # never paged
    Whole(2.5, 2.5, "new"),  # paged 16 minutes into the loop
]
ONE_PAGE_AT_MOST = [Whole(5, up, "new") for up in (6, 8, 10)]  # down a hold at a stretch: paged once per stretch


def test_a_new_instance_per_restart_down_half_the_time_is_one_page_by_15_minutes_and_a_hold_down_at_most_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fired = _firing(tmp_path, capsys, EXACT_HALF + ONE_PAGE_AT_MOST)
    wrong = {}
    for cell in EXACT_HALF + ONE_PAGE_AT_MOST:
        pages = _stretches(fired[cell.name].get("whole", []))
        late = cell in EXACT_HALF and (len(pages) != 1 or pages[0][0] > START + 15 or pages[0][1] > STOP + 2 * HOLD + 3)
        if late or len(pages) > 1 or set(fired[cell.name]) - {"whole"}:
            wrong[cell.name] = fired[cell.name]
    assert wrong == {}


def test_a_groups_crash_loop_is_one_page_of_the_group_and_what_is_none_pages_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fired = _firing(tmp_path, capsys, PAGE + QUIET)
    wrong = {}
    for cell in PAGE:
        pages = _stretches(fired[cell.name].get("eu", []))
        others = {k: v for k, v in fired[cell.name].items() if k != "eu"}
        if len(pages) != 1 or pages[0][0] > START + 15 or pages[0][1] > STOP + 2 * HOLD + 3 or others:
            wrong[cell.name] = fired[cell.name]
    wrong |= {cell.name: fired[cell.name] for cell in QUIET if fired[cell.name]}
    assert wrong == {}


# Round 52: a new instance per restart, nothing scraped between lives. Each never paged before (a group with no
# target was no group); now one page from the loop's second crash on. Grid (9x9 down/up, 30s+5s and 60s scrapes):
# 0 of 90 that must page paged before, 88 now, each once (the 2 left: 60s scrapes that never see an instance up).
GONE_PAGE = [
    Cell(2, 2, "gone"),
    Cell(1, 0.5, "gone"),
    Cell(3, 2, "gone", scrape=60, offset=0),
    Cell(8, 3, "gone"),  # its first stretch down a hold and more: a group gone and back, until it goes again
    Cell(6, 8, "gone", scrape=60, offset=0),
]
GONE_AT_MOST_ONCE = [Cell(5, 8, "gone")]  # down a hold at a stretch, up longer: either, but once
GONE_QUIET = [Returned(gap, 0) for gap in (5, 9, 12)] + [Returned(7, 0, scrape=60, offset=0), Drained(0, 0)]


def test_a_groups_loop_gone_at_each_crash_is_one_page_from_its_second_crash_and_a_group_gone_once_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = GONE_PAGE + GONE_AT_MOST_ONCE + GONE_QUIET
    fired = _firing(tmp_path, capsys, cells)
    wrong = {}
    for cell in GONE_PAGE:
        pages = _stretches(fired[cell.name].get("eu", []))
        second_crash = START + cell.down + cell.up  # a loop of long stretches pages from its second
        late = not pages or pages[0][0] > max(START + 15, second_crash + 2 * HOLD) or pages[-1][1] > STOP + 2 * HOLD + 3
        if late or len(pages) != 1 or set(fired[cell.name]) - {"eu"}:
            wrong[cell.name] = fired[cell.name]
    for cell in GONE_AT_MOST_ONCE:
        if len(_stretches(fired[cell.name].get("eu", []))) > 1 or set(fired[cell.name]) - {"eu"}:
            wrong[cell.name] = fired[cell.name]
    wrong |= {cell.name: fired[cell.name] for cell in GONE_QUIET if fired[cell.name]}
    assert wrong == {}


def test_a_group_that_scales_to_zero_reads_no_gone_moment_as_down() -> None:
    """`missing: ignore`: a group scaled to zero and back twice is idle twice, not a loop gone at each crash."""
    up = 'up{job="api",region!=""}'
    assert "resets(" in group_down_expr(up, ("region",), 300)
    assert "resets(" not in group_down_expr(up, ("region",), 300, absent_is_down=False)
