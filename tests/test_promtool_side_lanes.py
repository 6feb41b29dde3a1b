"""An SLO's alert cases side by side in lanes, data-missing scenarios carried over, `up` cases waiting for a row
(issue 15: fewer promtool groups and steps for the same checks)."""

from __future__ import annotations

from decimal import Decimal

from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, InputSeries, merge
from compiler.targets.prometheus.promtool.lane_faults import Burn, Lane, side_by_side
from compiler.targets.prometheus.promtool.lanes import joins_lanes, side_lanes
from compiler.targets.prometheus.promtool.missing_hosts import expand
from compiler.targets.prometheus.promtool.missing_timeline import timeline
from compiler.targets.prometheus.promtool.slo_state import _State
from compiler.targets.prometheus.rule_model import Rule

HOUR, SHORT = 3600, 300
PAIR = Burn("Burn", 120, HOUR, SHORT, 0.01)  # a 1h/5m pair over the line 0.01


def _lane(long: str, short: str, total: str = "1") -> Lane:
    state = _State(ratios={HOUR: Decimal(long), SHORT: Decimal(short)}, total=Decimal(total))
    return Lane(state, frozenset({"Burn"}), 1800)


FIRE, FRESH, ENDED, HEALTHY = (
    _lane("0.0125", "0.0125"),
    _lane("0.008", "0.0125"),
    _lane("0.0125", "0.008"),
    _lane("0.005", "0.005"),
)


def test_lanes_share_a_group_only_where_each_lane_fires_as_alone() -> None:
    assert side_by_side([PAIR], 0, (SHORT, HOUR), [FIRE, FRESH])
    assert side_by_side([PAIR], 0, (SHORT, HOUR), [ENDED, HEALTHY])
    # the burst that ended would meet the fire case's short window through the join and fire
    assert not side_by_side([PAIR], 0, (SHORT, HOUR), [FIRE, ENDED])


def test_a_short_window_without_events_shares_no_group_with_a_lane_that_has_some() -> None:
    """A pair also fires when its short window has no ratio at all (no events: no sign of recovery), but the
    `unless on (service, slo)` that says so drops the lane label: any lane's short window silences it."""
    gap = Lane(_State(ratios={HOUR: Decimal("0.0125")}, totals={SHORT: Decimal(0)}), frozenset({"Burn"}), 1800)
    assert not side_by_side([PAIR], 0, (SHORT, HOUR), [gap, HEALTHY])  # HEALTHY's 5m window would silence gap
    assert not side_by_side([PAIR], 0, (SHORT, HOUR), [gap, ENDED])
    quiet = Lane(_State(ratios={HOUR: Decimal("0.005")}, totals={SHORT: Decimal(0)}), frozenset({"Burn"}), 1800)
    assert side_by_side([PAIR], 0, (SHORT, HOUR), [gap, quiet])  # neither has a 5m ratio: each as alone
    # a lane without events fires beside one whose short window burns (it would alone too): the fault that
    # drops the no-events branch shows alone, not side by side
    assert not side_by_side([PAIR], 0, (SHORT, HOUR), [gap, FIRE])


def test_lanes_share_no_group_where_a_busier_lane_would_hide_a_raised_guard() -> None:
    """The fire case holds 1.25x min_bad_events failed events; beside a busy lane, a guard raised by half
    would still be met (by the busy lane) and the fault would go unseen."""
    thin = _State(ratios={HOUR: Decimal("0.0125"), SHORT: Decimal("0.0125")}, total=Decimal(5) / Decimal(45))
    fire = Lane(thin, frozenset({"Burn"}), 1800)
    busy = _lane("0.008", "0.0125", total="64")
    hotter = _State(ratios={HOUR: Decimal("0.014"), SHORT: Decimal("0.014")}, total=Decimal(5) / Decimal("50.4"))
    assert side_by_side([PAIR], 4, (SHORT, HOUR), [fire, Lane(hotter, *fire[1:])])  # 5 failed events each
    assert not side_by_side([PAIR], 4, (SHORT, HOUR), [fire, busy])
    # a fault no lane asks about alone needs no lane to show it
    quiet = Lane(busy.state, frozenset({"Other"}), 1800)
    assert side_by_side([PAIR], 4, (SHORT, HOUR), [fire._replace(asks=frozenset({"Other"})), quiet])


def test_lanes_only_where_burn_rules_join_as_filters() -> None:
    def alert(expr: str) -> Rule:
        return Rule(expr=expr, alert="A")

    assert joins_lanes([alert("max without (window) (x) > 1\nand on (service, slo)\ny > 1")])
    assert not joins_lanes([alert("x > 1\nand ignoring (window)\ny > 1")])
    assert not joins_lanes([alert("x > 1\nunless on (service)\ny > 1")])
    assert not joins_lanes([alert("x * on (service) y > 1")])
    assert not joins_lanes([alert("sum by (service) (x) > 1")])


def test_lanes_side_by_side_check_every_name_any_lane_checks_at_every_time_it_does() -> None:
    a, b = Firing((("slo", "a"),), ()), Firing((("obsc_lane", "lane-1"), ("slo", "a")), ())

    def case(name: str, checks: tuple[AlertCheck, ...], fires: Firing) -> Case:
        return Case(
            name, 1800, (InputSeries(name, (), "1+0x2"),), checks, predict=lambda n, at: (fires,) if n == "X" else ()
        )

    first = case("first", (AlertCheck(0, "X", (a,)), AlertCheck(1800, "X", (a,))), a)
    second = case("second", (AlertCheck(1800, "Y", ()),), b)
    joined = side_lanes([first, second], {"X", "Y"})
    assert [(c.at, c.alertname, c.firing) for c in joined.alerts] == [
        (0, "X", (a, b)),
        (1800, "X", (a, b)),
        (1800, "Y", ()),
    ]
    assert joined.name == "first; second" and len(joined.series) == 2


def test_an_alert_firing_in_every_scenario_carries_over_without_a_reset_step() -> None:
    jobs, latency = Firing((("slo", "jobs"),), ()), Firing((("slo", "latency"),), ())

    def scenario(name: str, last: tuple[Firing, ...]) -> Case:
        series = (InputSeries("up", (), "1+0x30"), InputSeries(name, (), "0+1x30"))
        return Case(name, 60, series, (AlertCheck(0, "M", ()), AlertCheck(1800, "M", last)))

    idle, bare = scenario("idle", (jobs,)), scenario("bare", (jobs, latency))
    steady = frozenset({("M", jobs.labels)})
    (carried,) = timeline([idle, bare], 1800, SHORT, 0, 0, steady)
    # the second starts at 1h (its first check expects jobs still firing), not after a reset step at 1h30m
    assert [(c.at, c.firing) for c in carried.alerts] == [
        (0, ()),
        (1800, (jobs,)),
        (3600, (jobs,)),
        (5400, (jobs, latency)),
    ]
    (reset,) = timeline([idle, bare], 1800, SHORT, 0, 0, frozenset())
    assert [c.at for c in reset.alerts][2:] == [5400, 7200]
    assert expand("0+15x2 _x2 1e-05+0x1 stale 3") == (0, 15, 30, None, None, 1e-05, 1e-05, None, 3)


def test_a_case_feeding_up_waits_for_a_row_that_asks_no_data_missing() -> None:
    def case(name: str, fed: str, alert: str) -> Case:
        return Case(name, 1800, (InputSeries(fed, (), "1+0x2"),), (AlertCheck(1800, alert, ()),))

    slo = [case("asks", "s", "SLODataMissing"), case("burns", "s", "Burn")]
    down = [case("down", "up", "Down")]
    first, second = merge([slo, down])
    assert first.name == "asks" and second.name == "burns; down"
