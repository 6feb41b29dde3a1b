"""Test cases that only a grouped SLO (`by: [route]`) needs: groups side by side, one burning.

Each burn pair: group `a` burns while `b` stays under the line, and only `a`'s alert fires, with
its label; `a`'s long window and `b`'s short window burning fire nothing (the windows are joined per
group), nor does `b`'s busy short window stop `a` firing when `a`'s own has no events, nor does `a`'s
page, held through that gap, start one for `c`, whose long window burns as much with no events in its
short one and was never paged (the held branch joins the pair's ALERTS per group); `a` burning with
too few failed events stays quiet even though `b` has plenty (the min_bad_events guard is per group).
Then the budget: `a` spent, `b` not, only `a` is exhausted.
Every neighbour differs from `a` in one group label only (an SLO kept by several labels gets one
neighbour per label, `groups.one_apart`), so a join or a sum that drops any one label fails a case.
Predictions come from the same oracle as slo_cases.py, once per group.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from compiler import conventions as names
from compiler.model.burnrate import error_ratio_threshold, recorded_windows, recording_tiers, recovery_windows
from compiler.model.promql import expand
from compiler.model.promql_feed import single_rate
from compiler.model.types import BurnWindow, Service, SliKind, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.counted_short import floor_bites, restart_floor, start_counted
from compiler.targets.prometheus.promtool.cases import (
    AlertCheck,
    Case,
    ExprCheck,
    Firing,
    InputSeries,
    firing,
    hold_times,
    merge,
    near,
    steps_after,
)
from compiler.targets.prometheus.promtool.event_strays import stray_states, waivable_stray
from compiler.targets.prometheus.promtool.groups import one_apart, sample_group
from compiler.targets.prometheus.promtool.series import counter_values, satisfy
from compiler.targets.prometheus.promtool.slo_cases import _PHASES, _STEADY, _labels_text, _raw_series
from compiler.targets.prometheus.promtool.slo_lines import Lines, alert_value, off_tied
from compiler.targets.prometheus.promtool.slo_pair_states import (
    ABOVE,
    BELOW,
    busy_traffic,
    guarded_state,
    no_events_state,
    pair_state,
)
from compiler.targets.prometheus.promtool.slo_state import _inputs, _State
from compiler.targets.prometheus.promtool.young_cases import seen_share
from compiler.targets.prometheus.rule_model import Rule, ServiceRules, series
from compiler.targets.prometheus.slo import BUDGET_ALERT_FOR_SECONDS, slo_labels


def _groups(
    service: Service,
    slo: Slo,
    rules: list[Rule],
    lines: Lines,
    step: int,
    title: str,
    states: tuple[_State, ...],
    times: list[int],
    checked: set[str],
    first_only: bool = False,
) -> Case:
    """Group `a` under states[0], and under states[n] the groups one label apart from `a` with value n (see
    `groups.one_apart`); the `checked` alert names asserted at `times`. `first_only`: its predictions hold at
    `times` only (a start on one failure, see `_slo_group_cases`), so no other SLO's lane asks it later."""
    samples = max(times) // step + 1
    fed = [(states[0], sample_group(slo))] + [(s, g) for n, s in enumerate(states) if n for g in one_apart(slo, n)]
    for state in states:
        off_tied([r.source for r in rules if r.source is not None], lines, state)
    inputs = tuple(s for state, group in fed for s in _inputs(service, slo, state, samples, group))
    holding = [
        (rule, firing(rule, value, group=group))
        for rule in rules
        for state, group in fed
        if (value := _oracle(rule, lines, state)) is not None
    ]

    def predict(name: str, at: int) -> tuple[Firing, ...]:
        return tuple(fired for rule, fired in holding if rule.alert == name and at >= rule.for_seconds)

    checks = tuple(AlertCheck(at, name, predict(name, at)) for at in times for name in sorted(checked))
    until = max(times) if first_only else None
    return Case(f"{slo.name} per {', '.join(slo.by)}: {title}", step, inputs, checks, predict=predict, until=until)


def _oracle(rule: Rule, lines: Lines, state: _State) -> float | None:
    assert rule.source is not None
    return alert_value(rule.source, lines, state)


def _slo_group_cases(service: Service, slo: Slo, rules: list[Rule], step: int) -> list[Case]:
    windows = list(dict.fromkeys(r.source.window for r in rules if r.source is not None and r.source.window))
    lines = Lines.of(slo, windows)
    counted = slo.sli.kind is not SliKind.ERROR_RATIO  # its total is recorded as 1 (busy_traffic)
    busy = max(
        [busy_traffic(slo.min_bad_events, error_ratio_threshold(slo, w), w, counted) for w in windows] or [Decimal(1)]
    )
    out = []

    def add(
        title: str, states: tuple[_State, ...], times: list[int], checked: set[str], first_only: bool = False
    ) -> None:
        out.append(_groups(service, slo, rules, lines, step, title, states, times, checked, first_only))

    def alert_of(w: BurnWindow) -> set[str]:
        return {r.alert for r in rules if r.source is not None and r.source.window == w}

    for w in windows:
        line = error_ratio_threshold(slo, w)
        quiet = pair_state(w, line * BELOW, line * BELOW, busy)  # under the line, with many failed events
        where = f"{w.long}/{w.short}"
        add(
            f"{where} only the burning group a fires, with its label",
            (guarded_state(slo.min_bad_events, line, w, ABOVE, busy), quiet),
            hold_times(w.for_seconds, step),
            alert_of(w),
        )
        at = [steps_after(w.for_seconds, step)]
        if not recording_tiers().is_coarse(w.short_seconds):
            add(
                f"{where} group a's {w.long} and group b's {w.short} above the line fire nothing",
                (
                    pair_state(w, line * ABOVE, line * BELOW, busy),
                    pair_state(w, line * BELOW, line * ABOVE, busy),
                ),
                at,
                alert_of(w),
            )
            steps = recovery_windows(recorded_windows(slo), w)
            gap = no_events_state(w, line * ABOVE, busy, steps)
            silent = no_events_state(w, line * ABOVE, busy, steps, held=False)
            add(
                f"{where} group a's {w.long} burning with no events in its {w.short} fires: b's busy {w.short} "
                f"is no recovery of a, and a's page starts none for c ({w.long} as high, silent {w.short}, "
                "never paged)",
                (gap, quiet, silent),
                hold_times(w.for_seconds, step),
                alert_of(w),
            )
            for _, stray, _ in stray_states(where, w, line, busy)[:1] if lines.thin and start_counted(w) else []:
                add(  # the start's hold joins the pair's ALERTS per group too (counted_short.started_by_counted_short)
                    f"{where} group a's page starts none for c, its {w.long} as high and its {w.short} over the line "
                    "on a stray failure",
                    (gap, quiet, stray),
                    hold_times(w.for_seconds, step),
                    alert_of(w),
                )
            beside = tuple(v for v in windows if start_counted(v) and v != w)
            strays = stray_states(where, w, line, busy, beside) if lines.thin and start_counted(w) else []
            for lone in [s for _, s, fires in strays if fires and not s.held][:1]:
                # b's start holds only until its own page is within its long window: at the next 30m step
                # (a 1m evaluation holds it), so never asked later beside another SLO's lane (merge's `until`;
                # drawn settings seed 761, round 50: a 7d catalog's 6h/30m page without `for` asked at 30m)
                add(  # a page fired joins the lone failure's start per group too (round 49)
                    f"{where} group a's page fired within the {w.long}: b's {w.short} over the line on one failure "
                    "where the line shows 0.08 of one starts it",
                    (dataclasses.replace(quiet, paged=True), lone),
                    hold_times(w.for_seconds, step),
                    alert_of(w),
                    first_only=True,
                )
            floored = lines.thin and start_counted(w) and floor_bites(slo, w)
            under = waivable_stray(w, line, busy, restart_floor(slo.min_bad_events)) if floored else None
            if under is not None:
                add(  # a page pair up waives the restart floor per group (counted_short.paged_now, round 51)
                    f"{where} group a's page is up: c's {w.short} over the line under its restart floor after a "
                    "page of its own, where a burn at the line shows a failure, starts nothing",
                    (gap, quiet, under),
                    hold_times(w.for_seconds, step),
                    alert_of(w),
                )
        if slo.min_bad_events > 0:
            add(
                f"{where} group a burns with {decimal_text(slo.min_bad_events * BELOW)} failed events: b's "
                "failures do not count for it",
                (guarded_state(slo.min_bad_events, line, w, BELOW, busy), quiet),
                at,
                alert_of(w),
            )
    budget = {r.alert for r in rules if r.source is not None and r.source.budget is not None}
    if budget:
        spent = _State(coarse=slo.error_budget * 2, total=busy)
        fine = _State(coarse=slo.error_budget / 4, total=busy)
        add(
            "group a spent twice its budget, b a quarter: only a is exhausted",
            (spent, fine),
            hold_times(BUDGET_ALERT_FOR_SECONDS, step),
            budget,
        )
    return out


def group_cases(service: Service, rules: ServiceRules, step: int) -> list[Case]:
    """Cases of every grouped SLO of the service: one lane per SLO, run side by side (each SLO's series
    carry its own `slo` label, and every case predicts its alerts); the raw-counter cases each alone."""
    lanes: list[list[Case]] = []
    out: list[Case] = []
    for slo in service.slos:
        if not slo.by:
            continue
        mine = [
            r
            for r in rules.alert_rules
            if r.source is not None and r.source.slo == slo and not (r.source.data_missing or r.source.failures_unseen)
        ]
        lanes.append(_slo_group_cases(service, slo, mine, step))
        raw = _raw_group_case(service, slo, step)
        if raw is not None:
            out.append(raw)
    return merge(lanes) + out


def _raw_group_case(service: Service, slo: Slo, step: int) -> Case | None:
    """Raw counters of two groups: `a` fails a quarter of its events, `b` none (it has no bad-event series
    at all). Every recorded window and the budget must show them apart, labelled with their group. A good/total
    SLI has a third group, `c`, failing every event: new, it has no good series yet, and reads all bad beside
    the others' good series (which all have a total: no stray good events, see queries.sli_errors). A coarse
    window reads the share of it the case's samples cover (`step`: the file's evaluation interval)."""
    counters = _raw_series(service, slo) or _free_rates(service, slo)  # group a's series
    if counters is None:
        return None
    a, b, c = (sample_group(slo, n) for n in range(3))
    inputs = [
        InputSeries(m, tuple(sorted(labels.items())), counter_values(_PHASES, role)) for m, labels, role in counters
    ]
    inputs += [
        InputSeries(m, tuple(sorted({**labels, **b}.items())), counter_values(_PHASES, "total"))
        for m, labels, role in counters
        if role != "bad"  # b's events all succeed: its bad-event rate has no series (read as 0, never absent)
    ]
    groups = [(a, 0.25), (b, 0.0)]
    if slo.sli.good is not None:
        inputs += [
            InputSeries(m, tuple(sorted({**labels, **c}.items())), counter_values(_PHASES, "total"))
            for m, labels, role in counters
            if role != "good"
        ]
        groups.append((c, 1.0))
    own = slo_labels(service, slo)
    steady = _STEADY * 60
    exprs = []
    for group, ratio in groups:
        labels = {**own, **group}
        for seconds in recorded_windows(slo):
            window = format_duration(seconds)
            expr = near(series(names.sli_error_ratio(window), labels), ratio * seen_share(_STEADY, step, seconds))
            exprs.append(ExprCheck(steady, expr, ((_labels_text({**labels, names.LABEL_WINDOW: window}), 1.0),)))
        remaining = 1 - ratio * seen_share(_STEADY, step, slo.period_seconds) / float(decimal_text(slo.error_budget))
        exprs.append(
            ExprCheck(
                steady, near(series(names.SLO_BUDGET_REMAINING, labels), remaining), ((_labels_text(labels), 1.0),)
            )
        )
    title = f"{slo.name} per {', '.join(slo.by)}: raw counters of group a (25% failing) and b (none) recorded apart"
    if len(groups) > 2:
        title += ", and c (new, every event failing, no good series yet) read as all bad"
    return Case(title, 60, tuple(inputs), (), tuple(exprs))


def _free_rates(service: Service, slo: Slo) -> list[tuple[str, dict[str, str], str]] | None:
    """A raw SLI whose errors and total are each the rate of one counter, summed per group: (metric, labels,
    role) of group a's two counters, so that a sum forgetting the group (the compiler's or the SLI's own) fails
    the raw-counter case. None for any other free PromQL (its values are not modelled)."""
    if slo.sli.kind is not SliKind.RAW:
        return None
    bad, total = (
        single_rate(expand(q or "", service.selector, "5m"), slo.by) for q in (slo.sli.raw_errors, slo.sli.raw_total)
    )
    if bad is None or total is None or bad[0] == total[0]:
        return None  # one metric under both: the total would also read the bad series
    out = []
    for (metric, matchers), role in ((bad, "bad"), (total, "total")):
        labels = satisfy(matchers)
        if labels is None or set(slo.by) & set(labels):
            return None
        out.append((metric, {**labels, **sample_group(slo)}, role))
    return out
