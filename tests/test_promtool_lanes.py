"""Fewer promtool steps and groups for the same checks (issue 15): an SLO's alert cases side by side in lanes,
long key cases beside a long group, data-missing scenarios chained without needless quiet or reset steps."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from compiler.api import compile_specs
from compiler.targets.prometheus.promtool.cases import LANE, AlertCheck, Case, Firing, InputSeries
from compiler.targets.prometheus.promtool.chain import chain
from compiler.targets.prometheus.promtool.hosts import Reads, apart, host
from compiler.targets.prometheus.promtool.lanes import lane_safe
from compiler.targets.prometheus.rule_model import Group, Rule, ServiceRules
from tests.bench.fleet import write_fleet
from tests.conftest import require_tool

HOUR = 3600
FIRED = (Firing((("slo", "a"),), ()),)


def _seconds(text: str) -> int:
    units = {"d": 86400, "h": HOUR, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def _rich(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    bundle = compile_specs([str(write_fleet(tmp_path / "fleet", 1, rich=True))]).bundle
    out = tmp_path / "out"
    for artifact in bundle.artifacts:
        if artifact.path.startswith("prometheus/"):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_text(artifact.content)
    return out, yaml.safe_load((out / "prometheus/tests/svc-0000.test.yaml").read_text())


def _steps(group: dict[str, object], step: int) -> int:
    checks = [*group.get("alert_rule_test", []), *group.get("promql_expr_test", [])]  # type: ignore[misc]
    return max(_seconds(c["eval_time"]) for c in checks) // step + 1


def test_a_rich_service_costs_fewer_groups_and_steps(tmp_path: Path) -> None:
    """14 groups and 60 evaluation steps in round 5, 12 and 47 in rounds 6-8; every check still runs and passes.
    The page hand-over case (its own group: its 6h window burns throughout, the ticket case's stops) and both
    hand-overs going there and back cost one group and 8 steps more (9 and 32 before). Each pair's gap case (its
    long window burning, no events in its short window: it fires) costs two groups more: the gap must not read
    another case's events in its short window, and the 6h window is the 6h/30m pair's long window and the 3d/6h
    pair's short one (2 steps each). Each pair's recovering cases (no events in its short window, the newest window
    between it and the long one healthy: quiet; one per such window) cost four groups more (12 and 44 before):
    they and the gap cases claim those windows empty, so they share few windows with other cases. The CPU, memory
    and disk alerts' missing-data twins (one timeline, scaled to zero, measured, gone) cost one step more. Round 31:
    each pair's silent case (its long window burning, no events in its short window, the alert not up: quiet)
    claims the gap case's windows empty too: three groups and six steps more (16 and 53 before). Round 32: each
    event-count pair's case whose clean short window has events enough to stop the page (counted_short.py): its
    short window ends every lane's hold, and a busy one beside it would hide its count's faults (three groups and
    six steps more). Round 34: the 3d/6h event-count pair (no window between its two) has its gap case again
    beside that one (its held branch reads the long window alone: only a silent 6h tells the two apart): one
    group and two steps more. Round 36: the data-missing scenarios the raw-counter case does not host run in a
    group of their own instead of after it (one group more, as many steps, but those steps evaluate
    SLODataMissing's few rules, not the raw-counter case's ~80). Round 42: the event-count page pairs' burst end
    (counted_short.event_burst_record) has a case that ends the 6h/30m page by it and one it holds, whose
    clean short windows claim windows no busy case may share: two groups and four steps more (24 and 67 before).
    Round 42 too: each event-count pair's short window over the line on a stray failure (starts nothing), a pair up
    held by a short window over the line without a start in it, and one ended by a counted one under the line
    (counted_short.started_by_counted_short), one failure starting it where the line shows 0.08 of one and not
    where 0.12, nor at 0.8x: eight groups and sixteen steps more (26 and 71 before). Round 43: the 1d/2h ticket
    pair's burst end (its 6h window) has the same two cases, and they claim the same clean windows: one group and
    two steps more (34 and 87 before). Round 45: the 3d/6h ticket pair's burst end (its 1d window, a coarse tier
    that has seen one day) ends it in a case of its own: one group more (its hold is the thin gap case's). Round 47:
    the 1d/2h ticket's burst end on the coarse tier's count of its 6h window, a case it ends (6h seen) and one it
    holds (a little more seen), each setting the coarse tier: two groups and four steps more (36 and 91 before);
    the 6h/30m page's dense-burst end (slo_peak_states.py) ends it in one case and holds it in two, each setting the
    5m window beside the pair's: three groups and six steps more. Round 49: each event-count page pair's short
    window over the line on one failure where the line shows 0.08 of one, after a page of its SLO fired within its
    long window (it starts nothing: counted_short.paged_within), a lane no lane starting on one failure may share:
    three groups and six steps more (41 and 101 before). Round 50: the restart floor's cases (a quarter over it
    after a page: starts; 0.6 under it, in place of one failure's: nothing): one group and two steps more. Round 51:
    the floor's page-up waiver (counted_short.paged_now): a start that needs it stays apart from a lane holding no
    page pair (45 and 109 before floor51's merge at e5be3361, 46 and 111 after it); the waiver dropped as a start's
    fault (a lane spiking its short window beside it hid the drop, mutwaiver51): 47 and 113. Round 52: a page pair's
    one failure with another page pair up (a stray in its kept tail: starts nothing): 48 and 115."""
    out, main = _rich(tmp_path)
    groups = main["tests"]
    assert isinstance(groups, list)
    assert len(groups) <= 48
    assert sum(_steps(g, 1800) for g in groups) <= 115
    # no SLO row is stretched by a key case checked later than the rows' own checks
    assert max(_steps(g, 1800) for g in groups if "hands over" not in g["name"] and g["interval"] != "1m") <= 3
    promtool = require_tool("promtool", "PROMTOOL")
    run = [promtool, "test", "rules", "tests/svc-0000.test.yaml"]
    done = subprocess.run(run, cwd=out / "prometheus", capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


def test_an_slos_alert_cases_run_side_by_side_in_lanes(tmp_path: Path) -> None:
    """Cases setting the same windows to other values share a group in lanes (the budget around its lines, a
    recovering batch); every input and every firing alert of a lane but the first carries its lane label, and
    each lane's alerts fire in that lane only."""
    _, main = _rich(tmp_path)
    groups = main["tests"]
    assert isinstance(groups, list)
    # Round 31: the recovering cases hold their pair (its ALERTS fed), and a lane's ALERTS hold every lane's empty
    # short window, so they share a group in lanes with each other (6h/30m's 1h and 2h steps), not with the budget.
    # Round 34: each step holds events for 1.25 failures at the line, just enough to count (counted_short.py).
    recovering = "6h/30m (line (6 * 0.001)) no events in the last 30m, the last 2h at 0.8x with events for 1.25"
    (shared,) = [g for g in groups if recovering in g["name"]]
    lanes = {
        re.search(r'obsc_lane="([^"]+)"', s["series"]).group(1) for s in shared["input_series"] if LANE in s["series"]
    }  # type: ignore[union-attr]
    assert len(lanes) >= 1
    held = [s["series"] for s in shared["input_series"] if s["series"].startswith("ALERTS{")]
    assert held and any(LANE in series for series in held)  # every lane holds the pair: each is fed its ALERTS
    fired = [a for c in shared["alert_rule_test"] for a in c["exp_alerts"]]
    assert {a["exp_labels"].get(LANE) for a in fired} - {None} <= lanes
    # (each SLO's: the two share a group or not as the planner packs them; round 42's stray cases moved them apart)
    for shared in [g for g in groups if "twice the budget spent is exhausted" in g["name"]]:
        spent = [
            a for c in shared["alert_rule_test"] if c["alertname"] == "SLOErrorBudgetExhausted" for a in c["exp_alerts"]
        ]
        # each lane's once (round 50: the restart floor's after-page lane, whose coarse tier reads twice the budget,
        # may share the budget's group and spend it too: the oracle and promtool agree)
        assert spent and len(spent) == len({(a["exp_labels"].get(LANE), a["exp_labels"]["slo"]) for a in spent})
    # the pairs burning at 1.25x stay in groups of their own: beside a busier lane a raised guard would pass
    # (another SLO's lanes may share the group: the burning SLO's own series carry no lane label)
    burning = [(g, p.split(":")[0]) for g in groups for p in g["name"].split("; ") if "both at 1.25x" in p]
    assert burning and all(
        LANE not in s["series"] for g, slo in burning for s in g["input_series"] if f'slo="{slo}"' in s["series"]
    )


def test_lanes_only_for_alerts_that_keep_every_label() -> None:
    def alert(expr: str) -> Rule:
        return Rule(expr=expr, alert="A")

    assert lane_safe([alert('x{a="b"} < 0.25\nand\nx{a="b"} > 0'), alert("1 - (max without (window) (y) / 0.1)")])
    assert not lane_safe([alert("x < 0.25\nand on (service, slo)\ny > 0")])
    assert not lane_safe([alert("sum by (service) (x) > 0")])
    assert not lane_safe([alert("max without (slo) (x) > 0")])
    assert not lane_safe([])


def _rules() -> ServiceRules:
    rules = (
        Rule(expr="sum(rate(x_total[5m]))", record="job:x:rate5m"),
        Rule(expr="job:x:rate5m > 1", alert="XHigh"),
        Rule(expr="y > 1", alert="YHigh"),
        Rule(expr="(sum(up) or vector(0)) == 0", alert="Down"),
    )
    return ServiceRules("s", (Group("g", rules),))


def _case(name: str, fed: str, alert: str, at: int, interval: int = 1800) -> Case:
    return Case(name, interval, (InputSeries(fed, (), "1+0x4"),), (AlertCheck(at, alert, ()),))


def test_cases_run_beside_each_other_only_when_neither_reads_what_the_other_feeds() -> None:
    reads = Reads(_rules())
    assert "x_total" in reads.of("XHigh")  # through the recording rule
    y = _case("y", "y", "YHigh", 3600)
    assert apart(y, _case("x", "x_total", "XHigh", 1800), reads)
    assert not apart(_case("raw", "x_total", "YHigh", 1800), _case("recorded", "job:x:rate5m", "Down", 0), reads)
    assert not apart(_case("raw", "x_total", "Down", 1800), _case("x", "z", "XHigh", 0), reads)
    assert apart(y, _case("up", "up", "Down", 1800), reads)  # `up` is read by Down only
    assert not apart(_case("up", "up", "YHigh", 0), _case("down", "z", "Down", 0), reads)
    assert not apart(y, _case("other interval", "z", "Down", 0, interval=60), reads)
    assert not apart(y, _case("same alert", "z", "YHigh", 0), reads)


def test_the_longest_case_of_a_lane_moves_beside_a_host_that_is_as_long() -> None:
    hostcase = _case("host", "h", "Down", 2 * 1800)
    lane = [_case("short", "y", "YHigh", 1800), _case("long", "y", "YHigh", 2 * 1800)]
    other = [_case("too long", "z", "XHigh", 3 * 1800), _case("two steps", "z", "XHigh", 1800)]
    (joined,) = host([hostcase], [lane, other], _rules(), 1800)
    assert joined.name == "host; long" and len(joined.series) == 2
    assert [c.name for c in lane] == ["short"]
    assert [c.name for c in other] == ["too long", "two steps"]  # longest first: long cases share a row


def test_a_chained_case_starts_at_the_quiet_step_when_nothing_carries_over() -> None:
    def case(name: str, at: int) -> Case:
        return Case(name, 60, (InputSeries(name, (), "1+0x30"),), (AlertCheck(0, "A", ()), AlertCheck(at, "A", FIRED)))

    first, second = case("first", 1800), case("second", 1800)
    (reset,) = chain([first, second], 1800, 300)
    (fresh,) = chain([first, second], 1800, 300, fresh=[True])
    assert [c.at for c in reset.alerts][2:] == [5400, 7200]
    assert [c.at for c in fresh.alerts][2:] == [3600, 5400]  # at 1h the first's inputs are no longer seen
    (kept,) = chain([first, second], 1800, 300, keep_firing=300, fresh=[True])
    assert [c.at for c in kept.alerts][2:] == [7200, 9000]  # keep_firing_for: always the reset


def test_data_missing_scenarios_run_in_the_raw_counter_case_and_without_reset_steps(tmp_path: Path) -> None:
    """The scenarios with traffic and with idle counters run inside the raw-counter case, where its counters
    rise and stay flat (`up` fed for their spans only); the others run in turn in a group of their own, without
    reset steps. Before round 36 they followed the raw-counter case in its group, which then ran to 6h: 13
    steps of its ~80 recording rules instead of 7 (the main file's dearest group, ~0.1 CPU-s)."""
    _, main = _rich(tmp_path)
    groups = main["tests"]
    assert isinstance(groups, list)
    hosting, chained = [g for g in groups if "SLODataMissing" in g["name"]]
    checks = hosting["alert_rule_test"]
    # traffic at 0 and 30m, idle at 1h30m and 2h; the raw counters' own checks to 3h, and no step after them
    assert sorted({_seconds(c["eval_time"]) for c in checks}) == [h * HOUR // 2 for h in (0, 1, 3, 4)]
    assert max(_seconds(c["eval_time"]) for c in (*checks, *hosting["promql_expr_test"])) == 3 * HOUR
    assert "; then " not in hosting["name"]
    assert "requests counted, threshold buckets present" in hosting["name"] and "an idle service" in hosting["name"]
    fired = {_seconds(c["eval_time"]): {a["exp_labels"]["slo"] for a in c["exp_alerts"]} for c in checks}
    # every SLI has data with traffic and idle, the raw one (jobs) from counters of its own
    assert fired[0] == fired[HOUR // 2] == fired[3 * HOUR // 2] == fired[2 * HOUR] == set()
    series = {s["series"].split("{")[0]: s["values"] for s in hosting["input_series"]}
    assert series["up"] == "1+0x31 _x58 1+0x31"  # targets up over each hosted scenario only
    assert series["jobs_total"] == "0+1x31 _x58 0+0x31"  # the raw SLI's counter: rising, then flat
    # then three scenarios of two steps each, from the start of a group of their own; latency without a bucket
    assert chained["name"].startswith("SLODataMissing: ") and chained["name"].count("; then ") == 2
    checks = chained["alert_rule_test"]
    fired = {_seconds(c["eval_time"]): {a["exp_labels"]["slo"] for a in c["exp_alerts"]} for c in checks}
    assert sorted(fired) == [h * HOUR // 2 for h in range(6)]
    assert fired[5 * HOUR // 2] == {"latency"}
