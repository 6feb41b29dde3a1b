"""lane_faults.Judge works each lane's verdicts out once and reuses them for every group planning tries the lane
in: its answers are those of judging each group afresh, all lanes at once (the rule as lane_faults.py states
it), whatever groups it was asked about before."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.model.types import BurnWindow, Tier
from compiler.targets.prometheus.promtool import lane_faults, slo_state
from compiler.targets.prometheus.promtool.lane_faults import Burn, Judge, Lane, Short
from compiler.targets.prometheus.promtool.slo_state import _State, ends, short_holds, shows_room

SHORT, MIDDLE, HOUR = 300, 1800, 3600
WINDOWS = (SHORT, MIDDLE, HOUR)
RULES = (
    Burn("Fast", 120, HOUR, SHORT, 0.01, (), "fast"),
    Burn("Fast", 120, HOUR, SHORT, 0.01, (MIDDLE,), "fast"),  # a batch pair: the newest window with events decides
    Burn("Fast", 120, HOUR, SHORT, 0.01, (MIDDLE,), "fast", True),  # event counts: the newest counted one
    Burn("Slow", 900, HOUR, MIDDLE, 0.004, (), "slow"),
)


def _afresh(burns: Sequence[Burn], needed: float, lanes: Sequence[Lane]) -> bool:
    """Every lane's verdicts at once, as side by side: each lane fires as alone, and each fault some lane
    catches alone is still caught together; and a pair's ALERTS (joined without the lane label) up in one lane
    holds no lane whose short window does not end the pair unless that lane's pair is up too."""
    for rule in burns:
        up = [rule.window in lane.state.held for lane in lanes]
        above = rule.above(rule.short_seconds)
        open_ = [not ends(lane.state, rule.short_seconds, rule.line, rule.thin, above) for lane in lanes]
        if any(up) and any(o and not u for o, u in zip(open_, up, strict=True)):
            return False
        long, short, guard = lane_faults._variants(rule, needed, WINDOWS, [lane.state for lane in lanes])

        def alone(long: list[bool], short: Short, guard: list[bool]) -> list[bool]:
            side = [o or (b and not p) for o, b, p in zip(short.over, short.branch, short.present, strict=True)]
            return [a and b and c for a, b, c in zip(long, side, guard, strict=True)]

        def together(long: list[bool], short: Short, guard: list[bool]) -> list[bool]:
            side = any(short.over) or (any(short.branch) and not any(short.present))
            return [held and side and any(guard) for held in long]

        base = (long[0], short[0], guard[0])
        expected = alone(*base)
        if together(*base) != expected:
            return False
        shows = [rule.alert in lane.asks and lane.last >= rule.for_seconds for lane in lanes]
        faults = [(x, base[1], base[2]) for x in long[1:]]
        faults += [(base[0], x, base[2]) for x in short[1:]]
        faults += [(base[0], base[1], x) for x in guard[1:]]
        for fault in faults:
            caught = any(s and a != e for s, a, e in zip(shows, alone(*fault), expected, strict=True))
            if caught and together(*fault) == expected:
                return False
    return True


_RATIO = st.sampled_from([Decimal(0), Decimal("0.002"), Decimal("0.005"), Decimal("0.008"), Decimal("0.0125")])
# events/s: with a ratio over the line, 2/45 holds fewer failed events in the hour than min_bad_events 4, 5/45
# just over it (a raised guard stops it), 1 and 64 plenty
_TOTAL = st.sampled_from([Decimal(0), Decimal(2) / Decimal(45), Decimal(5) / Decimal(45), Decimal(1), Decimal(64)])


@st.composite
def _lanes(draw: st.DrawFn) -> Lane:
    ratios = draw(st.dictionaries(st.sampled_from(WINDOWS), _RATIO, max_size=3))
    totals = draw(st.dictionaries(st.sampled_from(WINDOWS), _TOTAL, max_size=2))
    held = draw(st.frozensets(st.sampled_from(["fast", "slow"])))  # pairs already up (their ALERTS fed)
    state = _State(ratios=ratios, total=draw(_TOTAL.filter(bool)), totals=totals, held=held)
    asks = draw(st.frozensets(st.sampled_from(["Fast", "Slow", "Other"]), max_size=2))
    return Lane(state, asks, draw(st.sampled_from([60, 900, 1800])))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(RULES), min_size=1, max_size=2, unique=True),
    st.sampled_from([0.0, 4.0]),
    st.lists(_lanes(), min_size=2, max_size=5),
    st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=4), min_size=1, max_size=6),
)
def test_a_judge_answers_each_group_as_judging_it_afresh(
    burns: list[Burn], needed: float, pool: list[Lane], groups: list[list[int]]
) -> None:
    judge = Judge(burns, needed, WINDOWS)  # one judge for every question, as a plan asks them
    for picks in groups:
        lanes = [pool[i % len(pool)] for i in picks]
        assert judge.fits(lanes) == _afresh(burns, needed, lanes), picks
        assert lane_faults.side_by_side(burns, needed, WINDOWS, lanes) == _afresh(burns, needed, lanes)


def test_a_lane_whose_thin_short_window_ends_its_pair_keeps_the_count_faults_it_catches() -> None:
    """A held event-count pair whose clean short window holds events for 1.25 failures at the line ends (the
    generated case of counted_short.py); its `>= 1` raised by half or flipped holds it instead. A lane whose short
    window is busy ends the pair under either fault, and the `unless` joins the short windows across lanes: beside
    it, those faults would hide, so the two never share a group."""
    line, thin = 0.01, Burn("Fast", 120, HOUR, SHORT, 0.01, (), "fast", True)
    lanes = []
    for failures in (Decimal("1.25"), Decimal(100)):
        total = failures / (Decimal(str(line)) * SHORT)
        state = _State({HOUR: Decimal("0.0125"), SHORT: Decimal(0)}, total=Decimal(1), totals={SHORT: total})
        state.held = frozenset({"fast"})
        lanes.append(Lane(state, frozenset({"Fast"}), 900))
    assert not any(c.alone for lane in lanes for c in Judge([thin], 0.0, WINDOWS).columns(lane.state))
    assert Judge([thin], 0.0, WINDOWS).fits(lanes[:1])
    assert not Judge([thin], 0.0, WINDOWS).fits(lanes)


def test_a_step_too_thin_to_show_a_failure_is_passed_over_and_its_count_faults_are_known() -> None:
    """Round 34 (counted_short.counted_step): a held event-count pair whose short window has no events reads its
    newest step with events enough to show a failure at the line. A clean 30m step holding 0.8 failures' worth
    is passed over (the hour, over the line, keeps it up); one holding 1.25 ends it, and its `>= 1` lowered by
    40% or raised by half flips each."""
    burn = Burn("Fast", 120, HOUR, SHORT, 0.01, (MIDDLE,), "fast", True)
    for failures, fires in ((Decimal("0.8"), True), (Decimal("1.25"), False)):
        total = failures / (Decimal("0.01") * MIDDLE)
        state = _State({HOUR: Decimal("0.0125"), MIDDLE: Decimal(0)}, totals={SHORT: Decimal(0), MIDDLE: total})
        state.held = frozenset({"fast"})
        (column,) = Judge([burn], 0.0, WINDOWS).columns(state)
        assert column.alone is fires, failures
        flipped = [s for s in column.short if s[1] is not fires]
        assert flipped, failures  # some fault of the branch (the step's count among them) says otherwise


def test_a_lane_whose_pair_is_not_up_does_not_fire_on_its_branch_and_keeps_apart_from_a_burning_one() -> None:
    """The no-events branch is joined with the pair's own ALERTS: it holds a page already up, never starts one.
    A lane whose long window is over the line and whose short window is too thin to end the pair, but whose pair
    is not up, stays quiet alone; beside a lane whose short window burns (the `and on (service, slo)` drops the
    lane label) it would fire. A drawn catalog (7d: 6h/3h x6, 10m/2m x10, 3h/5m x2) ran the two side by side,
    and its compile failed its own tests."""
    burn = Burn("Slow", 7200, 10800, SHORT, 0.001, (600,), "w2", True)
    windows = (SHORT, 600, 10800)
    quiet = _State({10800: Decimal("0.0024")}, totals={SHORT: Decimal(1)})  # 0.3 failures at the line: thin
    # events enough in its short window (24 failures, 19.2 at the line) that it starts the pair (round 42)
    burning = _State(
        {10800: Decimal("0.00125"), SHORT: Decimal("0.00125")}, totals={600: Decimal(1), SHORT: Decimal(64)}
    )
    lanes = [Lane(quiet, frozenset({"Slow"}), 3600), Lane(burning, frozenset({"Slow"}), 7200)]
    judge = Judge([burn], 0.0, windows)
    assert [judge.columns(lane.state)[0].alone for lane in lanes] == [False, True]
    assert not judge.fits(lanes)
    quiet.held = frozenset({"w2"})  # its pair up: the branch holds it, alone and beside the burning lane
    assert Judge([burn], 0.0, windows).columns(quiet)[0].alone


def test_a_held_tickets_step_shows_a_failure_without_the_short_windows_room() -> None:
    """A held 1d/2h ticket (event counts) with no events in its 2h window: the newest counted step decides. Its 6h
    step at 0.2% (under the 0.3% line) holds 0.864 failures among events for 1.296 at the line: it shows a failure
    (counted_short.counted_step: no room term, that is the short window's alone), so the ticket ends, as the oracle
    says. The judge reading the room at the step too (a hand mutant of round 44) passed it over, read the long
    window (0.5%) and judged the lane firing alone where the rule and the oracle do not."""
    rule = Burn("Slow", 0, 86400, 7200, 0.003, (21600,), "medium", thin=True, kept=True)
    state = _State(
        ratios={21600: Decimal("0.002")},
        coarse=Decimal("0.005"),
        totals={7200: Decimal(0), 21600: Decimal("0.02")},
        held=frozenset({"medium"}),
    )
    pair = BurnWindow(Tier.WARNING, "medium", 86400, 7200)
    assert not short_holds(state, pair, 0.003, (21600,), thin=True)
    windows = (300, 1800, 3600, 7200, 21600, 86400, 259200)
    assert not Judge([rule], 0.0, windows).columns(state)[0].alone


def test_a_held_tickets_room_at_exactly_one_shown_failure_ends_it() -> None:
    """The room's comparison is `>= 0.999999` (counted_short.ONE_SHOWN) in the rule and in the oracle: a clean 6h
    window of 0.04629625 events/s shows exactly 0.999999 failure at a 0.1% line (21,600 s, in float64), so it can
    end the held 3d/6h ticket. Compared `>` (a hand mutant of round 44) the oracle held it; no replay lands there."""
    state = _State(totals={21600: Decimal("0.04629625")})
    assert float("0.04629625") * 21600 * 0.001 == 0.999999
    assert shows_room(state, 21600, 0.001)
    assert ends(state, 21600, 0.001, thin=True, kept=True)


def test_a_page_pairs_day_long_short_window_starts_it_on_its_plain_ratio() -> None:
    """A platform catalog's 7d/1d page (its short window in the coarse tier, which records the ratio alone): the
    rule starts it on `ratio_rate1d > line` (counted_short.started_by_counted_short writes no start clause there),
    and so must the oracle. 2 failures among the day's 100 requests (2%, over a 1.5% line) start it, though without
    the newest failure they would not (1 against 1.5 at the line). The oracle reading a coarse short window as
    counted (a hand mutant of round 44, judged untellable) said this page does not start."""
    pair = BurnWindow(Tier.CRITICAL, "weekly", 604800, 86400)
    state = _State(coarse=Decimal("0.02"), totals={slo_state._COARSE: Decimal(100) / 86400})
    assert short_holds(state, pair, 0.015, (259200,), thin=True)


def test_a_judge_works_out_each_lanes_page_and_start_faults_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan asks about each lane beside every group it is tried in; whether the lane feeds a page and whether
    another lane's page turns its start (under each fault of the start) are the lane's own, worked out once per
    lane and rule. Once per group asked, they were half of a cold compile's planning (issue 15). The answers stay
    those of a judge asked about that group alone."""
    rule = Burn("Fast", 120, HOUR, SHORT, 0.01, (), "fast", started=True, pages=frozenset({"fast"}))
    faults: list[Burn] = []
    real = Burn.start_faults
    monkeypatch.setattr(Burn, "start_faults", lambda self: faults.append(self) or real(self))
    pool = [
        Lane(_State(ratios={SHORT: ratio, HOUR: Decimal("0.02")}, paged=paged), frozenset({"Fast"}), 900)
        for ratio in (Decimal(0), Decimal("0.008"), Decimal("0.0125"), Decimal("0.05"))
        for paged in (False, True)
    ]
    groups = [[a, b] for a in pool for b in pool if a is not b]
    judge = Judge([rule], 0.0, WINDOWS)  # one judge for every question, as a plan asks them
    asked = [judge.fits(lanes) for lanes in groups]
    # Once per lane and per answer of whether a page pair is up in the group (round 51's floor waiver): 2 at most;
    # was once per lane of each group asked (56 groups, 100 calls).
    assert 0 < len(faults) <= 2 * len(pool)
    assert asked == [Judge([rule], 0.0, WINDOWS).fits(lanes) for lanes in groups]
    assert True in asked and False in asked  # both answers given
