"""What generated promtool tests cost: promtool re-reads the rule file for every test group and evaluates
every rule at every step, so independent cases share groups and long horizons take long steps (issue 15)."""

from __future__ import annotations

import itertools
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import yaml

from compiler.api import compile_specs
from compiler.model.burnrate import recording_tiers
from compiler.model.units import parse_duration
from compiler.targets.prometheus.promtool.cases import LONG_STEP, AlertCheck, Case, Firing, InputSeries, side_by_side
from compiler.targets.prometheus.promtool.render import _lanes
from compiler.targets.prometheus.promtool.slo_state import _bad, _State
from compiler.targets.prometheus.promtool.state_packing import join, pack
from compiler.toolcheck import promtool, promtool_focus
from tests.bench.fleet import write_fleet
from tests.conftest import require_tool

HOUR, DAY = 3600, 86400


def _rich_tests(tmp_path: Path) -> tuple[Path, dict[str, dict[str, object]]]:
    specs = write_fleet(tmp_path, 1, rich=True)
    out = tmp_path / "out"
    bundle = compile_specs([str(specs)]).bundle
    files = {}
    for artifact in bundle.artifacts:
        if artifact.path.startswith("prometheus/"):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_text(artifact.content)
            if artifact.path.startswith("prometheus/tests/"):
                files[artifact.path.rsplit("/", 1)[1]] = yaml.safe_load(artifact.content)
    return out, files


def test_a_rich_service_runs_in_few_groups_and_long_steps(tmp_path: Path) -> None:
    """A rich service (3 SLOs, 6 key alerts, traffic and error-type alerts): before this, 29 + 3 groups,
    the week-long ones at 2h steps (~3.1 CPU-s of promtool); now one week-long group at 12h steps, and the
    raw-counter group and the data-missing scenarios in turn in one group. Round 16: 16 groups (12 before), the
    recovering cases of each pair's steps and the gap cases that claim those steps empty (slo_plan.py). Round
    31: 19, a case per pair that a silent short window does not start a page (the night-pages fix; its three
    test files ~7% more promtool CPU, 5.78 vs 5.42 CPU-s, run whole, 3 runs each, load ~4). Round 32: 22, a case
    per event-count pair whose clean short window holds events for 1.25 failures at the line and stops the page
    (counted_short.py); no lane can take it (CHANGELOG round 32: thin short windows, +11% on this file). Round
    34: 23, the held no-events case again for the event-count pair with no window between its two (the 3d/6h),
    which the round 32 case had replaced: without it a mutant reading the 6h window in the held branch lived.
    Round 36: 24, the data-missing scenarios that ran after the raw-counter case in its group (six steps of its ~80
    recording rules) in a group of their own (six steps of SLODataMissing's few): ~0.03 CPU-s less a service.
    Round 42: 26, the event-count page pairs' burst end (counted_short.event_burst_record): a case it ends and one
    it holds, whose clean short windows no busy lane may share (the service's tests 6.5 -> 7.8 CPU-s, 3 runs each,
    noisy). Round 42 too: 34, an event-count pair's short window over the line on a stray failure (starts nothing),
    a pair up held by one over the line without a start and one ended under it, counted (counted_short.py
    `started_by_counted_short`). Round 43: 35, the 1d/2h ticket's burst end (it stops, it holds) shares one.
    Round 45: 36, the 3d/6h ticket's burst end (it stops; its hold is the thin gap case's), which sets the coarse
    tier (a history of one day), as every case of a coarse pair does: none shares a group with another. Round 47:
    38, the 1d/2h ticket's burst end on the coarse tier's count of its 6h window (6h of history seen: it stops; a
    little more: it holds), each setting the coarse tier; and 41, the 6h/30m page's dense-burst end
    (slo_peak_states.py: it stops, it holds under the share, it holds under the least), which set the 5m window
    beside the 6h/30m pair's: no lane may share them. Round 49: 44, an event-count page pair's short window over
    the line on one failure where the line shows 0.08 of one after a page of its SLO fired within its long window
    (counted_short.paged_within: it starts nothing): the page fed is read `unless on (service, slo)` by every
    lane's start, so no lane that starts on one failure may share it. Round 50: 45, each event-count page pair's
    short window over the line on failures less one after a page, a quarter over the restart floor (it starts:
    counted_short.restart_floor), in place of the one-failure case (0.6 under it: starts nothing). Round 51: 46, the
    floor's page-up waiver (counted_short.paged_now): a start that needs it stays apart from a lane holding no page
    pair (45 before floor51's merge at e5be3361, 46 after it at 1ca23b8e); 47 with the waiver dropped as a start's
    fault (a lane spiking its short window beside it hid the drop: mutwaiver51). Round 52: 48, a page pair's one
    failure with another page pair up (a stray in its kept tail: starts nothing), a lane of its own."""
    out, files = _rich_tests(tmp_path)
    main, long = files["svc-0000.test.yaml"], files["svc-0000.long.test.yaml"]
    assert len(main["tests"]) <= 48  # type: ignore[arg-type]
    missing = [g for g in main["tests"] if "SLODataMissing" in g["name"]]  # type: ignore[attr-defined,index]
    # the recorded ratios from raw counters (with the scenarios of busy and idle traffic), and the three other
    # data-missing scenarios in turn in a group of their own
    assert len(missing) == 2 and "; then " not in missing[0]["name"] and missing[1]["name"].count("; then ") == 2
    first = missing[0]["name"]
    assert "from raw counters" in first and "requests counted" in first and missing[0]["promql_expr_test"]
    assert "promql_expr_test" not in missing[1]
    # the traffic comparisons laned in one group, and the drop that ServiceDown's outage holds back (servicedown49)
    assert len(long["tests"]) == 2 and "every target down: ServiceDown" in long["tests"][1]["name"]  # type: ignore
    assert long["evaluation_interval"] == "12h"
    promtool = require_tool("promtool", "PROMTOOL")
    tests = sorted(str(p) for p in (out / "prometheus" / "tests").iterdir())
    result = subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def _pair(long: int, short: int, ratio: str, total: str = "1") -> _State:
    state = _State(total=Decimal(total))
    for seconds in (long, short):
        if recording_tiers().is_coarse(seconds):
            state.coarse = Decimal(ratio)
        else:
            state.ratios[seconds] = Decimal(ratio)
    return state


def test_states_of_disjoint_windows_share_a_group_and_the_coarse_tier_does_not() -> None:
    fast = _pair(HOUR, 300, "0.018")  # 1h/5m
    slow = _pair(6 * HOUR, 1800, "0.0075")  # 6h/30m
    day = _pair(DAY, 2 * HOUR, "0.00375")  # 1d (coarse)/2h
    days = _pair(3 * DAY, 6 * HOUR, "0.00125")  # 3d (coarse)/6h: shares 6h with `slow`, the tier with `day`
    busier = _pair(HOUR, 300, "0.018", total="2")
    assert pack([fast, slow, day, days]) == [[0, 1, 2], [3]]
    assert pack([fast, busier]) == [[0], [1]]  # the same windows
    assert pack([slow, _pair(HOUR, 300, "0.018", total="2")]) == [[0], [1]]  # other default traffic
    joined = join([fast, slow, day])
    assert joined.ratio(HOUR) == fast.ratio(HOUR) and joined.ratio(1800) == slow.ratio(1800)
    assert joined.ratio(DAY) == day.ratio(DAY) and joined.ratio(2 * HOUR) == day.ratio(2 * HOUR)


def test_cached_numbers_do_not_depend_on_how_a_decimal_is_spelled() -> None:
    assert str(_bad(Decimal("0.0180"), Decimal("1"))) == str(_bad(Decimal("0.018"), Decimal("1.00"))) == "0.018"


def test_side_by_side_joins_cases_checking_the_same_times_only() -> None:
    def case(name: str, times: tuple[int, ...], fired: str) -> Case:
        series = (InputSeries("x", (("slo", name),), "1+0x3"),)
        firing = (Firing((("slo", fired),), ()),)
        return Case(name, 60, series, tuple(AlertCheck(at, "A", firing) for at in times))

    a, b, c = case("a", (0, 60), "a"), case("b", (0, 60), "b"), case("c", (60,), "c")
    joined, alone = side_by_side([a, b, c])
    assert alone is c
    assert joined.name == "a; b" and len(joined.series) == 2
    assert [len(check.firing) for check in joined.alerts] == [2, 2]


def test_the_long_step_keeps_every_check_on_an_evaluation(tmp_path: Path) -> None:
    """promtool evaluates at multiples of evaluation_interval; a check between two steps reads the earlier one."""
    _, files = _rich_tests(tmp_path)
    long = files["svc-0000.long.test.yaml"]
    times = [check["eval_time"] for group in long["tests"] for check in group["alert_rule_test"]]  # type: ignore[index,union-attr]
    assert times
    for text in times:
        seconds = sum(int(n) * {"d": DAY, "h": HOUR, "m": 60}[u] for n, u in _parts(text))
        assert seconds % LONG_STEP == 0, text


def _parts(text: str) -> list[tuple[str, str]]:
    return re.findall(r"(\d+)([dhm])", text)


def test_key_cases_sharing_any_series_run_in_one_lane() -> None:
    """Cases run side by side only when they feed none of the same series (a shared one joins their lanes)."""

    def case(name: str, *fed: str) -> Case:
        return Case(name, 60, tuple(InputSeries(n, (), "1+0x1") for n in fed))

    lanes = _lanes([case("a", "x"), case("b", "y"), case("c", "z"), case("d", "x", "y"), case("e", "x")])
    assert [[c.name for c in lane] for lane in lanes] == [["a", "b", "d", "e"], ["c"]]


def test_a_rich_services_focused_files_are_written_into_two_folders(tmp_path: Path) -> None:
    """Focused validation writes ~55 files a rich service and removes them when its promtool run ends. Each rule
    subset had a folder tree of its own (`rK/prometheus/rules/`): ~75 folders a service made and removed, most
    of that writing's system CPU on ext4 (0.04-0.06 of 0.12-0.16 CPU-s a service, 2026-12-04). Now the test
    files keep their tree and every rule subset is a file of one `rules/` folder, its own name kept last."""
    out, _ = _rich_tests(tmp_path)
    tests = sorted(f"prometheus/tests/{p.name}" for p in (out / "prometheus" / "tests").iterdir())
    rule_files = promtool.rule_files_of(str(out), tests[0])
    assert rule_files == ["prometheus/rules/svc-0000.yaml"]
    focused = promtool_focus.focus_family(str(out), tests, rule_files, str(tmp_path / "f"), "p0")
    assert focused is not None and len(focused) >= 20
    folders = sorted(str(p.relative_to(tmp_path / "f")) for p in (tmp_path / "f").rglob("*") if p.is_dir())
    assert folders == ["p0", "p0/prometheus", "p0/prometheus/tests", "p0/rules"]
    subsets = sorted(p.name for p in (tmp_path / "f" / "p0" / "rules").iterdir())
    assert len(subsets) >= 10 and all(name.endswith("-0-svc-0000.yaml") for name in subsets)


def test_the_missing_data_twins_timeline_steps_every_2m_in_a_file_of_its_own(tmp_path: Path) -> None:
    """The rich service's CPU, memory and disk twins (15m hold, their sparse branch two `[20m:]` subqueries each)
    share one group, each step evaluating all six subqueries: the dearest group of a rich service. It took
    168 1m steps before round 33 and 130 in round 33 (each subquery 21 points a step). Round 35: a file of its
    own at 2m steps, the signal scraped every 2m, the scenarios counted in steps: 78 steps of 11 points (the
    group's promtool CPU, focused: 134-137 -> 76-78 ms, 20 runs each, load ~22; the service's 30 focused groups
    in one call, 15 runs each in turn: min 1.011 -> 0.966, median 1.117 -> 1.036 CPU-s, load 21-28). Round 36:
    59 steps, without the first scenario (a healthy exporter failing one scrape in ten, 19 steps) that killed no
    twin mutant the others do not (missing_scrapes.py): the group's focused promtool CPU 69 -> 61 ms (min of 5).
    Each twin still fires twice, for the gone signal and in the crash loop, on through its last answer."""
    _, files = _rich_tests(tmp_path)
    scrapes, twins_file = files["svc-0000.scrapes.test.yaml"], files["svc-0000.twins.test.yaml"]
    assert not [g for g in scrapes["tests"] if g["name"].startswith("missing-data")]  # type: ignore[index]
    assert twins_file["evaluation_interval"] == "2m"
    groups = twins_file["tests"]
    assert isinstance(groups, list)
    (twins,) = groups
    assert twins["name"].startswith("missing-data twins over 2m scrapes") and twins["interval"] == "2m"
    checks = twins["alert_rule_test"]
    assert max(parse_duration(c["eval_time"]) for c in checks) // 120 + 1 <= 59
    for alert in ("ServiceCPUSaturation", "ServiceMemorySaturation", "ServiceDiskSaturation"):
        fired = [bool(c["exp_alerts"]) for c in checks if c["alertname"] == alert]
        assert fired[-1] and sum(1 for a, b in itertools.pairwise([False, *fired]) if b and not a) == 2


def test_servicedowns_flaky_service_and_crash_loop_share_one_group(tmp_path: Path) -> None:
    """ServiceDown's two 1m timelines (up three minutes in five: quiet; up one minute in four: fires) ran as two
    test groups of the scrapes file, ~6 ms of promtool each before anything is evaluated. Round 36: one group, the
    flaky stretch first and the loop right after it (down_loop_cases.py), 30 -> 20 ms of focused promtool CPU a
    rich service (20 runs each)."""
    _, files = _rich_tests(tmp_path)
    groups = files["svc-0000.scrapes.test.yaml"]["tests"]
    assert isinstance(groups, list)
    down = [g for g in groups if any(c["alertname"] == "ServiceDown" for c in g.get("alert_rule_test", ()))]
    # and, since round 47, one group of a loop whose every restart is a new instance (many series, its own timeline),
    # since round 48 one of the page held into the burn page (SLO ratios fed, its own timeline: down_handover_cases.py)
    (group,) = [g for g in down if "new instance" not in g["name"] and "held after" not in g["name"]]
    assert len(down) == 3
    checks = [(parse_duration(c["eval_time"]), bool(c["exp_alerts"])) for c in group["alert_rule_test"]]
    assert checks == [(20 * 60, False), (41 * 60, True)]
    up, turn = group["input_series"]  # the loop's two instances up in turn (round 47: the per-target branch's case)
    assert turn["values"].startswith("_ _ _ _ _ ")
    assert up["values"].startswith("1 1 1 0 0 ") and len(up["values"].split()) == 42


def test_servicedowns_hold_into_the_burn_page_is_one_outage_handed_on_from_window_to_window(tmp_path: Path) -> None:
    """The handover case (down_handover_cases.py) ran one outage and one return a short window: a rich service's
    six windows took 145 steps at 1m, each evaluating ServiceDown's 10m subquery at 15s (0.158 CPU-s focused, load
    ~25, the scrapes file's costliest group). Round 49: one outage, the first window holding the return past the
    plain branches' reach, then the hold handed on one step a window (that window over its line, those before it
    under), then every window under until the page resolves: 35 steps, the same six held checks."""
    _, files = _rich_tests(tmp_path)
    groups = files["svc-0000.scrapes.test.yaml"]["tests"]
    assert isinstance(groups, list)
    (group,) = [g for g in groups if "held after its targets return" in g["name"]]
    checks = [(parse_duration(c["eval_time"]), bool(c["exp_alerts"])) for c in group["alert_rule_test"]]
    end = max(at for at, _ in checks)
    assert end // 60 + 1 == 35
    up, *windows = group["input_series"]
    assert up["series"].startswith("up{") and len(windows) == 6
    # down fires once, then one held check a window (the first after the return), then quiet at the end
    assert [fired for _, fired in checks] == [False, True, *[True] * 6, False]
    held = [at for at, fired in checks[2:] if fired]
    for n, at in enumerate(held):  # at window n's check: it is fed, those after it are not
        fed = [w["values"].split()[at // 60] != "_" for w in windows]
        assert fed == [m <= n for m in range(6)], (n, fed)
    assert all(w["values"].split()[end // 60] != "_" for w in windows)  # every window under the line at the end
