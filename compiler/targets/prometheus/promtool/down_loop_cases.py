"""ServiceDown's crash-loop branch (prometheus/service_down.py), shown at 1m steps in the scrapes file.

The main file evaluates every 30m, where a loop of minutes cannot be written. Up one minute in three fires; up
three minutes in five (a flaky service, down less than half the time) does not. Both lie between the branch's
line (up at under half of the scrapes) and the line raised by half or lowered by 40% (0.75, 0.3): a third of
the scrapes up reads 0.25 to 0.43 in any window of 3 or more, over 0.3 at least one minute in three, so a line
moved either way fails a case (the mutation sweep). The latter only where every tier
holds over 2m: two minutes down are such a hold, which the plain condition reads as down. A service whose ServiceDown
also fires per group (model/down_groups.py) gets the loop in one group while another reports: the group's alert
fires, the whole service's does not. Beside them a third group goes down for good one hold before the end: its
plain condition (all its targets at 0) fires then, where the loop's branch has held one step only (a plain
condition summed over every group, blind while others report, left only the loop's branch to fire later); and a
fourth, up three minutes in five, stays quiet (the group's loop branch past a lower share than half fires), as
replayed: under a 3m hold its 6m windows hold 3 of 7 scrapes up, a loop (drawn settings seed 1058, round 52). And
a last group has a new instance at each restart, up two minutes in five and reporting 0 until the next starts: it
fires (the group's branch before round 51, its shares read now and held for the `for`, never fired there). Each
of a group's two crash-loop branches is shown alone (round 51: a looping group fired both, so either dropped passed):
two instances up in turn (their shares fire, the group is up two thirds of its moments), new instances up two
minutes in five beside a target down for good (the moments fire, each share's best target up its whole life); and a
group that loops and is gone two minutes before the end is quiet there (its branches count while it reports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from compiler import conventions as names
from compiler.model.down_groups import down_groups
from compiler.model.relays import crash_loop_hold
from compiler.model.types import AlertKind, Service
from compiler.model.units import format_duration
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries
from compiler.targets.prometheus.promtool.key_common import check, union
from compiler.targets.prometheus.promtool.key_missing_cases import up_labels
from compiler.targets.prometheus.promtool.loop_replay import timeline_of
from compiler.targets.prometheus.promtool.loop_samples import LoopRule, fitting_parts
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.service_down import LONG_HOLD, reads_churn, reads_gone_loops

STEP = 60


def crash_loop_cases(service: Service, rules: ServiceRules) -> list[Case]:
    down = [
        r
        for r in rules.alert_rules
        if r.source is not None and r.source.kind is AlertKind.SERVICE_DOWN and not is_missing(r)
    ]
    hold = max((r.for_seconds for r in down), default=0)
    if hold <= 0:
        return []
    # The flaky stretch is quiet only where every tier's hold is over 2m: a tier holding 1m (`info: {for: 1m}`
    # beside a 5m page) reads two minutes down in its 2m window as a loop, and fired there (round 40 drawn fleets).
    flaky_quiet = min(loop_hold(service, r) for r in down) > 2 * STEP
    minutes = 2 * hold // STEP + 10  # the window twice the hold, full of the loop, and the hold after
    labels = up_labels(service)

    def values(up_at: set[int], period: int) -> str:
        return " ".join("1" if m % period in up_at else "0" for m in range(minutes + 1))

    def until(minute: int) -> str:
        """Up until `minute`, then down to the end."""
        return " ".join("1" if m < minute else "0" for m in range(minutes + 1))

    def up(up_at: set[int], period: int) -> tuple[InputSeries, ...]:
        return (InputSeries("up", labels, values(up_at, period)),)

    name = down[0].alert
    # two instances up in turn: each a third of its scrapes (the per-target branch), the service two thirds of its
    # moments (the churn branch quiet): with one instance both branches fired, and either one dropped passed
    turn = (*up({0}, 3), InputSeries("up", up_labels(service, "b"), values({1}, 3)))
    cases = [
        Case(
            f"{name}: two instances up one minute in three each, in turn (a crash loop)",
            STEP,
            turn,
            (expect(service, down, turn, minutes),),
        )
    ]
    if flaky_quiet:
        cases = [_flaky_then_loop(service, down, cases[0], labels, values({0, 1, 2}, 5), minutes)]
    if any(churns(service, r) for r in down):  # the whole service's churn branch (absent is down)
        cases.append(_churning(down, service, hold))
    ruled = {m.label for m in service.targets}  # a regex on the label: made-up group names might not match it
    down_from = minutes - -(-hold // STEP)  # the third group's first minute at 0 (a whole minute): fires by the end
    for split in (split for split in down_groups(service) if not ruled & set(split)):
        looping, kept, ended = ({label: name for label in split} for name in ("obsc-gone", "obsc-kept", "obsc-down"))
        series: tuple[InputSeries, ...] = (
            InputSeries("up", up_labels(service, "a", looping), values({0}, 3)),
            InputSeries("up", up_labels(service, "b", kept), values({0, 1, 2, 3}, 4)),
            InputSeries("up", up_labels(service, "c", ended), until(down_from)),
        )
        lanes: list[tuple[tuple[InputSeries, ...], dict[str, str]]] = [((series[0],), looping), ((series[2],), ended)]
        if flaky_quiet:  # and a flaky group, up three minutes in five: quiet, but replayed as the service's is (a 3m
            flaky = {label: "obsc-flaky" for label in split}  # hold's 6m window reads 3 of 7 scrapes: a loop)
            series += (InputSeries("up", up_labels(service, "d", flaky), values({0, 1, 2}, 5)),)
            lanes.append((series[-1:], flaky))
        renewed = {label: "obsc-new" for label in split}  # and a group whose every restart is a new instance
        lives = _lives(service, minutes, [(0, 2, 5)], "new-", renewed, reported=True, unit=life_unit(hold, minutes))
        series += lives
        lanes.append((lives, renewed))
        # each crash-loop branch alone: two instances in turn (the shares fire, the moments two thirds up), and new
        # instances up two minutes in five beside a target down for good (the moments fire; each share's best
        # target is up its whole life): where both fired, either branch dropped or its line lowered passed
        for lane in _branch_lanes(service, split, minutes, values, hold):
            series += lane[0]
            lanes.append(lane)
        group = {names.LABEL_DOWN_GROUP: ", ".join(split)}
        what = "/".join(split)
        title = f"{name}: one {what} up one minute in three, another down for {format_duration(hold)}, others report"
        parts = fitting_parts(lanes, (series[1],), [loop_rule(service, r) for r in down])
        for number, part in enumerate(parts, 1):
            fed = (*part[0][0], series[1], *(s for lane_series, _ in part[1:] for s in lane_series))
            fired = union([expect(service, down, lane_fed, minutes, {**lane, **group}) for lane_fed, lane in part])
            named = f"{title} (part {number} of {len(parts)})" if len(parts) > 1 else title
            cases.append(Case(named, STEP, fed, fired))
    return cases


def loop_rule(service: Service, rule: Rule) -> LoopRule:
    """A grouped ServiceDown tier as its crash-loop branches read: its loop hold, and whether it reads a group gone
    at each crash (service_down.loop_gone)."""
    hold = loop_hold(service, rule)
    return LoopRule(hold, absent_is_down(rule) and reads_gone_loops(hold))


def _branch_lanes(
    service: Service, split: tuple[str, ...], minutes: int, values: Callable[[set[int], int], str], hold: int
) -> list[tuple[tuple[InputSeries, ...], dict[str, str]]]:
    """A group whose targets' shares alone read a crash loop, one whose moments alone do, one that loops and is
    gone two minutes before the end (quiet there: a group's branches count while it reports; read while any group
    reported, its page outlived it), and one whose every restart is a new instance with nothing between lives, up
    two minutes in five (only its gone moments read it: service_down.loop_gone)."""
    turns, churns, left, replaced = (
        {label: name for label in split} for name in ("obsc-turns", "obsc-churns", "obsc-left", "obsc-replaced")
    )
    turn = tuple(InputSeries("up", up_labels(service, who, turns), values({at}, 3)) for who, at in (("a", 0), ("b", 1)))
    stuck = InputSeries("up", up_labels(service, "stuck", churns), values(set(), 1))
    ended = [*values({0}, 3).split()[: minutes - 2], "stale", "_", "_"]
    unit = life_unit(hold, minutes)
    lanes = [
        (turn, turns),
        ((stuck, *_lives(service, minutes, [(0, 2, 5)], "churn-", churns, unit=unit)), churns),
        ((InputSeries("up", up_labels(service, "a", left), " ".join(ended)),), left),
    ]  # the replaced lane only where the rule reads such loops (service_down.reads_gone_loops: holds up to 10m)
    if not reads_gone_loops(hold):
        return lanes
    return [*lanes, (_lives(service, minutes, [(0, 2, 5)], "replaced-", replaced), replaced)]


def _flaky_then_loop(
    service: Service, down: list[Rule], loop: Case, labels: tuple[tuple[str, str], ...], flaky: str, minutes: int
) -> Case:
    """The flaky service (up three minutes in five, quiet at its end) and then, on the same timeline, the loop
    (fires at its end): one test group less (~10 ms of promtool a service). The flaky stretch comes first, as in
    a group of its own, and ends with nothing active. The loop's page must hold through its last hold: the window
    read there (twice the hold, from `minutes` = twice the hold and 10m back) is all loop for any hold (up at a
    third of its scrapes, or within one); the flaky minutes before the loop only raise the share up early on, so the
    page starts a little later, long before the check. (Not chain.py: its quiet step, nothing scraped, would
    hold ServiceDown.)"""
    series, other = loop.series
    values = f"{flaky} {series.values}"
    absent = " ".join("_" for _ in flaky.split())
    fed = (InputSeries("up", labels, values), InputSeries("up", other.labels, f"{absent} {other.values}"))
    quiet, end = expect_each(service, down, fed, (minutes, 2 * minutes + 1))
    title = f"{down[0].alert}: up three minutes in five; then two instances up one minute in three in turn"
    return Case(title, STEP, fed, (quiet, end))


def loop_hold(service: Service, rule: Rule) -> int:
    """The hold a ServiceDown rule's crash-loop windows are twice of: its `for`, but its extra hold less where the
    page is held behind its relay's (model/relays.py crash_loop_hold). Read as its `for`, a relayed 15s page's 30s
    windows were replayed as 2m30s ones: its loop case expected a page the rule cannot give (exit 1, drawn
    settings seed 607, round 50)."""
    return crash_loop_hold(service, rule.for_seconds)


def churns(service: Service, rule: Rule) -> bool:
    """Whether a ServiceDown rule reads the service as a whole under churn (service_down._churned)."""
    hold = loop_hold(service, rule)
    return reads_churn(rule.expr, hold)


def _churning(down: list[Rule], service: Service, hold: int) -> Case:
    """A crash loop whose every restart is a new instance (service_down.py's moments), in two stretches of twice the
    hold and 10m: each instance up for two minutes of three, then gone (quiet at the stretch's end: the line
    raised by half, 0.75, fires), then for two minutes of five (fires at the end: the line lowered by 40%, 0.3,
    reads it as up; a third up, read at the lowest of the last hold's minutes, dipped under 0.3: round 50). Each
    instance is up for its whole life, so no per-target share sees either. A tier
    without a hold has no churn branch: its plain condition (no instance now) fires at each gap between two lives,
    and keeps firing past the next (a `for: 0s` page beside a held ticket was expected quiet: exit 1, round 48):
    every tier is replayed (loop_replay.py). Quiet a hold and a minute in too: the moments before the first target
    read as down, and without a target before the window the branch fired there (a new service paged)."""
    stretch = 2 * hold // STEP + 10
    minutes = 2 * stretch
    series = _lives(service, minutes, [(0, 2, 3), (stretch, 2, 5)], "new-", unit=life_unit(hold, stretch))
    name = down[0].alert
    checks = expect_each(service, down, series, (hold // STEP + 1, stretch, minutes))
    title = f"{name}: a new instance at each restart, up two minutes in three; then two in five (a crash loop)"
    return Case(title, STEP, series, checks)


def _lives(
    service: Service,
    minutes: int,
    stretches: list[tuple[int, int, int]],
    prefix: str,
    group: dict[str, str] | None = None,
    reported: bool = False,
    unit: int = 1,
) -> tuple[InputSeries, ...]:
    """A new instance at each restart, to `minutes`: from each stretch's first minute on, one up for `life` minutes
    in every `period` (each times `unit`), then gone (stale) until the next starts, or (`reported`) reporting 0 until
    it does."""
    series: list[InputSeries] = []
    start = 0
    while start <= minutes:
        _, life, period = max(s for s in stretches if s[0] <= start)
        life, period = life * unit, period * unit
        values = ["_"] * (minutes + 1)
        for m in range(start, min(start + (period if reported else life), minutes + 1)):
            values[m] = "1" if m < start + life else "0"
        if start + (period if reported else life) <= minutes:
            values[start + (period if reported else life)] = "stale"
        series.append(InputSeries("up", up_labels(service, f"{prefix}{len(series)}", group), " ".join(values)))
        start += period
    return tuple(series)


def life_unit(hold: int, minutes: int) -> int:
    """Past service_down.LONG_HOLD, the minutes a case's lives are counted in: about five lives of the longest
    period in `minutes` (a week's hold fed 8,000 lives of minutes, each a series promtool held at every look of
    the shares' branch: past its 10,000 samples a query from 4h). The lives keep their shares of up and gone."""
    return 1 if hold <= LONG_HOLD else max(1, -(-minutes // 25))


def expect(
    service: Service, down: list[Rule], fed: tuple[InputSeries, ...], minute: int, lane: dict[str, str] | None = None
) -> AlertCheck:
    """What fires at `minute` of `fed`, each tier replayed (loop_replay.py): the service's own condition, or with
    `lane` the branch of the group whose targets `fed` holds."""
    return expect_each(service, down, fed, (minute,), lane)[0]


def expect_each(
    service: Service,
    down: list[Rule],
    fed: tuple[InputSeries, ...],
    minutes: Sequence[int],
    lane: dict[str, str] | None = None,
) -> tuple[AlertCheck, ...]:
    """`expect` at each of `minutes`, `fed` replayed once for them all (it was replayed again for each check)."""
    timeline = timeline_of(tuple(s.values for s in fed))
    fired = {id(r): timeline.fires(r, lane is None, absent_is_down(r), loop_hold(service, r)) for r in down}
    return tuple(check(down, m * STEP, _fired_at(fired, m), lane=lane) for m in minutes)


def _fired_at(fired: dict[int, list[bool]], minute: int) -> Callable[[Rule], float | None]:
    return lambda rule: 0.0 if fired[id(rule)][minute] else None


def absent_is_down(rule: Rule) -> bool:
    """ServiceDown reads no `up` series at all as down (the default), or as idle (`missing: ignore`)."""
    return rule.source is None or rule.source.key_alert is None or rule.source.key_alert.missing_fires
