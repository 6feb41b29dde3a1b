"""What an SLO's burn-rate and budget alert cases feed and expect, in numbers (a `Plan`), and the oracle
that predicts the alerts: threshold = factor × budget, both windows, the traffic guard, not the PromQL.

Per window pair: both windows at 1.25x the line fire, and so does the long window at 1.25x with no events
in the short one (between a batch service's bursts; for event counts, a clean short window with events for
0.8 failures at the line, while one with events for 1.25 stops the page: counted_short.py); a burst that
ended (short window back to 0.8x) and a fresh spike the long window has not caught up with (long at 0.8x)
stay quiet. Then healthy traffic, too few failed events for min_bad_events, and the budget around its two
lines. States of disjoint windows share a test group (slo_state.py); parts may run side by side in lanes where
no alert and no fault a part catches alone changes (lanes.py, lane_faults.py).

A plan reads nothing but its `Shape`: the SLO's numbers, the kind and `for` of each of its alert rules and
the test step, never a name (slo_cases.py adds names, labels and annotations per service). Most SLOs of a
fleet share a shape (a few objectives, the catalog's windows), so plans are cached by it; the shape is the
plan's complete input, so an SLO unlike the others gets its own plan at the cost of one lookup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from compiler.model.burnrate import (
    BurnWindow,
    error_ratio_threshold,
    recorded_windows,
    recording_tiers,
    recovery_windows,
)
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import Service, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.counted_short import (
    kept_within_one,
    restart_floor,
    short_counted,
    slice_gate,
    slice_windows,
    start_counted,
)
from compiler.targets.prometheus.promtool.cases import AlertCheck, hold_times, off_ties, steps_after
from compiler.targets.prometheus.promtool.event_strays import stray_states
from compiler.targets.prometheus.promtool.lane_faults import Burn, Judge, Lane
from compiler.targets.prometheus.promtool.lanes import joins_lanes, lane_safe
from compiler.targets.prometheus.promtool.page_clash import Marks, page_clash
from compiler.targets.prometheus.promtool.pair_start import own_page_stops, up_starts
from compiler.targets.prometheus.promtool.slice_counts import counted_of
from compiler.targets.prometheus.promtool.slice_strays import slice_stray_states
from compiler.targets.prometheus.promtool.slo_lines import Lines, off_tied, page_pairs
from compiler.targets.prometheus.promtool.slo_pair_states import (
    ABOVE,
    BELOW,
    busy_traffic,
    counted_clean_state,
    event_burst_states,
    guarded_state,
    no_events_state,
    older_failures,
    pair_state,
    shows,
    sliced_hold_states,
    slices_for,
)
from compiler.targets.prometheus.promtool.slo_peak_states import peak_states
from compiler.targets.prometheus.promtool.slo_state import (
    Burst,
    Rates,
    _State,
    event_bursts,
    fed_bursts,
    rates,
)
from compiler.targets.prometheus.promtool.state_packing import join, pack
from compiler.targets.prometheus.rule_model import Rule
from compiler.targets.prometheus.slo import BUDGET_ALERT_FOR_SECONDS, burn_threshold_expr


class RuleShape(NamedTuple):
    """What a plan reads of one alert rule."""

    alert: str
    for_seconds: int
    window: BurnWindow | None
    budget: str | None
    data_missing: bool
    stale: bool


@dataclass(frozen=True)
class Shape:
    """Everything a plan reads (its cache key): the SLO's numbers, its alert rules' shapes, the test step."""

    step: int
    period_seconds: int
    error_budget: Decimal
    budget_left: Decimal
    min_bad_events: int
    recorded: tuple[int, ...]  # every window the error ratio is recorded over
    windows: tuple[BurnWindow, ...]  # the rules' window pairs, in rule order
    lines: tuple[Decimal, ...]  # per window pair: its error-ratio line
    line_texts: tuple[str, ...]  # per window pair: its line as the rule text writes it
    gates: tuple[Decimal, ...]  # per window pair: its time-slice gate (counted_short.slice_gate; unread for events)
    rules: tuple[RuleShape, ...]
    unguarded_missing: bool  # see Lines
    lane_safe: bool  # the alerts can tell lanes apart: see lanes.py and lane_faults.py
    slices: bool = False  # a time-slice SLI: its min_bad_events counts bad slices (see slo_state.rates)
    left_out: bool = False  # a low objective left a pair out of its tier (model/reachable_pairs.py)
    thin: bool = False  # see Lines

    @property
    def counted(self) -> tuple[int, ...]:
        """The windows whose bad slices the burn alerts count (slice_counts.counted)."""
        return counted_of(self.windows, self.min_bad_events) if self.slices else ()

    @property
    def pages(self) -> frozenset[str]:
        return page_pairs(self.windows)

    @property
    def bursts(self) -> tuple[Burst, ...]:  # per window pair: slo_state.fed_bursts
        if self.thin:
            return event_bursts(self.recorded, self.windows, self.lines, self.min_bad_events > 0)
        return fed_bursts(self.recorded, self.windows, self.counted) if self.slices else (None,) * len(self.windows)

    @property
    def sliced(self) -> tuple[int, ...]:
        """The windows whose slices may end a held pair (slo_state.sliced_windows)."""
        return tuple(slice_windows(self.recorded, self.windows)) if self.slices else ()

    @property
    def failures(self) -> str:
        return "bad slices" if self.slices else "failed events"

    @classmethod
    def of(cls, service: Service, slo: Slo, rules: list[Rule], step: int) -> Shape:
        shapes = []
        for r in rules:
            a = r.source
            assert a is not None
            raw_only = a.stale or a.failures_unseen or a.stopped  # raw series these cases never feed: quiet
            shapes.append(RuleShape(r.alert, r.for_seconds, a.window, a.budget, a.data_missing, raw_only))
        windows = tuple(dict.fromkeys(s.window for s in shapes if s.window))
        budget = [r for r, s in zip(rules, shapes, strict=True) if s.budget is not None]
        burn = [r for r, s in zip(rules, shapes, strict=True) if s.window is not None]
        return cls(
            step=step,
            period_seconds=slo.period_seconds,
            error_budget=slo.error_budget,
            budget_left=slo.alerting.budget_left,
            min_bad_events=slo.min_bad_events,
            recorded=recorded_windows(slo),
            windows=windows,
            lines=tuple(error_ratio_threshold(slo, w) for w in windows),
            line_texts=tuple(burn_threshold_expr(slo, w) for w in windows),
            gates=tuple(slice_gate(slo, w) for w in windows),
            rules=tuple(shapes),
            unguarded_missing=not service.targets,
            lane_safe=(not budget or lane_safe(budget)) and joins_lanes(burn),
            slices=slo.sli.kind in SLICE_KINDS,
            left_out=bool(slo.left_out),
            thin=slo.sli.kind not in UNCOUNTED_KINDS,
        )


@dataclass(frozen=True)
class Part:
    """One test group of an SLO's alert cases: the states of `titles` joined, the alert names `asked` at
    each of `times`, and the rules (by index in the shape) whose condition holds, with their values."""

    titles: tuple[str, ...]  # without the SLO's name
    state: _State  # read while planning only (a plan is shared: nothing changes it)
    times: tuple[int, ...]  # ascending
    asked: tuple[str, ...]
    holding: tuple[tuple[int, float], ...]
    rates: Rates  # the values of the series fed, from 0 to the last of `times`
    fires: dict[str, tuple[tuple[int, int], ...]]  # alert name → (for, rule index) of each rule holding, in order
    # per (time, name) asked: the check when nothing fires (names only: shared), else the rules firing then
    checks: tuple[tuple[AlertCheck | None, int, str, tuple[int, ...]], ...]
    horizon: int | None = None  # the last time its predictions hold (see `first_only`); None: any


@dataclass(frozen=True)
class Plan:
    groups: tuple[tuple[Part, ...], ...]  # each a test group, its parts side by side in lanes (lanes.py)
    joined: frozenset[str]  # the alerts that read the lanes' inputs: burn-rate and budget alerts


@functools.lru_cache(maxsize=256)
def plan(shape: Shape) -> Plan:
    """The alert cases of every SLO of this shape (see the module's docstring)."""
    pending: list[tuple[str, _State, list[int], frozenset[str] | None]] = []
    step, min_bad = shape.step, shape.min_bad_events
    numbers = (shape.period_seconds, shape.error_budget, shape.budget_left, min_bad, shape.windows)
    lines = replace(Lines.at(*numbers, shape.unguarded_missing, shape.recorded), thin=shape.thin, sliced=shape.slices)
    lines = replace(lines, gates=tuple(float(g) for g in shape.gates), bursts=shape.bursts, pages=shape.pages)
    busy = max(
        [
            busy_traffic(min_bad, line, w, shape.thin or shape.slices)
            for w, line in zip(shape.windows, shape.lines, strict=True)
        ]
        or [Decimal(1)]
    )

    def add(title: str, state: _State, times: list[int], checked: frozenset[str] | None = None) -> None:
        pending.append((title, state, times, checked))

    def alert_of(w: BurnWindow) -> frozenset[str]:
        return frozenset(r.alert for r in shape.rules if r.window == w)

    budget = frozenset(r.alert for r in shape.rules if r.budget is not None)
    # The newest events healthy after no events in a short window: planned last (they fit few other cases)
    recovering: list[tuple[str, _State, list[int], frozenset[str] | None]] = []
    # A time-slice page pair started on one bad slice only because no page of its SLO fired within its long
    # window: at the next 30m step its own page (fired at the first) is in that window, and its hold (the instant
    # ALERTS, 30m old) past the lookback, so it stops there (a 1m evaluation holds it): checked at its own times
    # only, never beside a case checked later (drawn settings seeds 329, 345: a pair's own `for`, round 49). So is
    # an event-count pair started on one failure (drawn settings seed 609, round 50: a catalog's 30m/3m page without
    # `for` fired at 0, and a case packed beside it checked it at 30m, where its own page blocks its start).
    first_only: set[int] = set()
    # Held floored pages, strays after a page the floor stops: no state firing another page shares theirs (page_clash)
    shy, up_shy = Marks(), Marks()

    fast = tuple(s for s in shape.recorded if not recording_tiers().is_coarse(s))
    for w, line, text, gate, burst in zip(
        shape.windows, shape.lines, shape.line_texts, shape.gates, shape.bursts, strict=True
    ):
        at = steps_after(w.for_seconds, step)
        where = f"{w.long}/{w.short} (line {text})"
        # The long window holds just 1.25x min_bad_events failed events: the guard raised by half stops it.
        events = f", {decimal_text(min_bad * ABOVE)} {shape.failures} over {w.long}" if min_bad else ""
        fire = guarded_state(min_bad, line, w, ABOVE, busy)
        title = f"{where} both at 1.25x{events} fire after {format_duration(w.for_seconds) if w.for_seconds else '0s'}"
        add(title, fire, hold_times(w.for_seconds, step), alert_of(w))
        floor = restart_floor(min_bad) if w.name in shape.pages and short_counted(w) and start_counted(w) else 0
        if (shape.thin or shape.slices) and own_page_stops(fire, w.short_seconds, float(line), shape.slices, floor):
            first_only.add(len(pending) - 1)  # a floor over its short window's failures (drawn settings 1056)
            if at:  # held: no other page may fire at an earlier step beside it (drawn settings 1098)
                shy[len(pending) - 1] = (w.name, at)
        if recording_tiers().is_coarse(w.short_seconds):
            continue  # both windows read the one coarse tier: they cannot differ
        ended = pair_state(w, line * ABOVE, line * BELOW, busy)
        steps = recovery_windows(shape.recorded, w)
        still = ""
        if shape.left_out and steps:
            # The windows between burn too: the short window alone says the burst ended (its `unless` guard). A
            # catalog's faster pair fed them above this line in a case beside this one; a pair left out does not.
            for seconds in steps:
                ended.ratios[seconds] = line * ABOVE
            still = f", the {'/'.join(format_duration(s) for s in steps)} still at 1.25x"
        add(f"{where} a burst that ended ({w.short} back to 0.8x{still}) stays quiet", ended, [at], alert_of(w))
        fresh = pair_state(w, line * BELOW, line * ABOVE, busy)
        add(f"{where} a fresh spike ({w.long} still at 0.8x) stays quiet", fresh, [at], alert_of(w))
        gap = no_events_state(w, line * ABOVE, busy, steps)
        title = f"{where} {w.long} at 1.25x, no events in the last {w.short} (between bursts), alerting: fires"
        if not shape.thin or not steps:  # (no windows between: the held branch reads the long window alone)
            add(title, gap, hold_times(w.for_seconds, step), alert_of(w))
        if shape.thin:  # event counts: a clean short window too thin to show a failure at the line holds as well
            gap = counted_clean_state(w, line * ABOVE, busy, steps, line, BELOW)
            named = "".join(f" and {format_duration(s)}" for s in steps)
            for seconds in steps:  # each step as thin (counted_step's `>= 1`): passed over, the long one decides
                gap.ratios[seconds], gap.totals[seconds] = Decimal(0), shows(BELOW, line, seconds)
            title = f"{where} {w.long} at 1.25x, a clean {w.short}{named} each with events for 0.8 failures, "
            title += older_failures(gap, w, line, burst) + "alerting: fires"
            add(title, gap, hold_times(w.for_seconds, step), alert_of(w))
        if shape.thin:  # ...and one with events enough ends the page: counted_short.py's `>= 1` pinned both ways
            clean = counted_clean_state(w, line * ABOVE, busy, steps, line, ABOVE)
            title = f"{where} {w.long} at 1.25x, a clean {w.short} with events for 1.25 failures, alerting: stops"
            add(title, clean, [at], alert_of(w))
            for title, state, ends in event_burst_states(where, w, line, busy, steps, burst):  # a burst over
                add(title, state, [at] if ends else hold_times(w.for_seconds, step), alert_of(w))
            for title, state, ends in peak_states(
                where, w, line, busy, steps, burst, min_bad, shape.recorded
            ):  # a dense one
                add(title, state, [at] if ends else hold_times(w.for_seconds, step), alert_of(w))
            beside = tuple(v for v in shape.windows if start_counted(v) and v != w)
            for title, state, starts in stray_states(
                where, w, line, busy, beside, restart_floor(min_bad)
            ):  # a stray starts no page
                add(title, state, hold_times(w.for_seconds, step) if starts else [at], alert_of(w))
                if starts and not state.paged and not state.held:
                    first_only.add(len(pending) - 1)  # see below (one failure, as one bad slice)
                floor_only = not starts and state.paged and not state.held & shape.pages
                if floor_only and up_starts(state, w.short_seconds, float(line), False, restart_floor(min_bad)):
                    up_shy[len(pending) - 1] = (w.name, at)
        if shape.slices and short_counted(w) and start_counted(w):  # one bad slice after a page starts nothing
            beside = tuple(v for v in shape.windows if start_counted(v) and v != w)
            for title, state, starts in slice_stray_states(where, w, line, busy, beside, restart_floor(min_bad)):
                add(title, state, hold_times(w.for_seconds, step) if starts else [at], alert_of(w))
                if starts and not state.paged and not state.held:
                    first_only.add(len(pending) - 1)  # see below
                floor_only = not starts and state.paged and not state.held & shape.pages
                if floor_only and up_starts(state, w.short_seconds, float(line), True, restart_floor(min_bad)):
                    up_shy[len(pending) - 1] = (w.name, at)
        if shape.slices:  # time slices: a clean window too thin at the windows above holds; one with slices ends it
            for title, state, ends in sliced_hold_states(where, w, line * ABOVE, busy, steps, fast, gate, burst):
                add(title, state, [at] if ends else hold_times(w.for_seconds, step), alert_of(w))
        silent = no_events_state(w, line * ABOVE, busy, steps, held=False)
        title = f"{where} {w.long} at 1.25x, a silent {w.short} does not start a page (scaled to zero at night)"
        add(title, silent, hold_times(w.for_seconds, step), alert_of(w))
        for seconds in steps:
            # The newest events were healthy (a batch's last run): recovering, though the long window still burns.
            # Every other fast window has no events: the step read as any other window falls through to the long
            # one and fires.
            others = tuple(s for s in fast if s not in (seconds, w.long_seconds))
            calm = no_events_state(w, line * ABOVE, busy, others)
            calm.ratios[seconds] = line * BELOW
            newest = format_duration(seconds)
            title = f"{where} no events in the last {w.short}, the last {newest} at 0.8x (recovering) stays quiet"
            if shape.thin:  # its events just enough to count (counted_step's `>= 1`; the gap case: too few)
                calm.totals[seconds] = shows(ABOVE, line, seconds)
                title = title.replace("(recovering)", "with events for 1.25 failures (recovering)")
            if shape.slices:  # its slices just enough at the long window's ratio (counted_short.sliced)
                calm.totals[seconds] = slices_for(ABOVE, line * ABOVE, seconds, gate)
                said = f"with slices for {decimal_text(ABOVE * gate)} bad ones at the {w.long}'s (recovering)"
                title = title.replace("(recovering)", said)
            recovering.append((title, calm, [at], alert_of(w)))
    longest = steps_after(max(r.for_seconds for r in shape.rules), step)
    # Half the lowest line, unless that spends the budget down to its low line (a platform's own catalog with
    # every factor over 1): then half of what that line allows, so the budget alerts stay quiet too.
    healthy, low = min(shape.lines or (shape.error_budget,)) / 2, shape.error_budget * (1 - shape.budget_left)
    what = "the lowest line"
    if healthy >= low:
        healthy, what = low / 2, "what leaves the budget above its low line"
    add(
        f"healthy traffic (half {what} everywhere) stays quiet",
        _State({s: healthy for s in shape.recorded}, healthy, busy),
        [longest],
    )
    if min_bad > 0:
        # Per pair: both windows burn at 1.25x the line, but the long window holds only 0.8x min_bad_events
        # failed events (its traffic is that low; the short window is busy): the guard lowered by 40% fires.
        for w, line in zip(shape.windows, shape.lines, strict=True):
            add(
                f"{w.long}/{w.short} at 1.25x its line with {decimal_text(min_bad * BELOW)} {shape.failures} "
                f"over {w.long} (min_bad_events {min_bad}) stays quiet",
                guarded_state(min_bad, line, w, BELOW, busy),
                [steps_after(w.for_seconds, step)],
                alert_of(w),
            )
    if any(r.budget for r in shape.rules):
        left = shape.budget_left
        times = hold_times(BUDGET_ALERT_FOR_SECONDS, step)
        for share, what in ((off_ties(left * BELOW), "is low"), (left * ABOVE, "is not low yet")):
            if share < 1:
                spent = _State(coarse=shape.error_budget * (1 - share), total=busy)
                add(f"{decimal_text(share * 100)}% of the budget left {what}", spent, times, budget)
        exhausted = _State(coarse=shape.error_budget * 2, total=busy)
        add("twice the budget spent is exhausted (and no longer 'low')", exhausted, times, budget)
    pending += recovering
    names = tuple(dict.fromkeys(r.alert for r in shape.rules))
    parts: list[tuple[Part, frozenset[str] | None]] = []
    lasts = [max(p[2]) for p in pending]
    horizons = [lasts[i] if i in first_only else None for i in range(len(pending))]
    floored = {w.name: w.short_seconds for w in shape.windows if w.name in shape.pages and restart_floor(min_bad)}

    def calm_of(members: list[int]) -> _State:
        return _calm_windows(join(pending[i][1] for i in members), shape)

    clash = page_clash(shape.rules, shape.pages, step, lines, (shy, up_shy), calm_of)
    for members in pack([p[1] for p in pending], lasts, horizons, floored, clash):  # one test group per bin
        joined = [pending[i] for i in members]
        asked = [p[3] for p in joined]
        checked = None if None in asked else frozenset(n for p in asked if p is not None for n in p)
        state = _calm_windows(join(p[1] for p in joined), shape)
        holding = tuple((i, v) for i, v in enumerate(off_tied(shape.rules, lines, state)) if v is not None)
        checked_at = tuple(sorted({t for p in joined for t in p[2]}))
        shown = names if checked is None else tuple(n for n in names if n in checked)
        fed = _rates(state, shape, checked_at[-1] // step + 1)
        fires: dict[str, list[tuple[int, int]]] = {}
        for i, _ in holding:
            fires.setdefault(shape.rules[i].alert, []).append((shape.rules[i].for_seconds, i))
        checks = []
        for at in checked_at:
            for name in shown:
                due = tuple(i for hold, i in fires.get(name, ()) if at >= hold)
                checks.append((None if due else AlertCheck(at, name, ()), at, name, due))
        titles = tuple(p[0] for p in joined)
        fired = {name: tuple(rules) for name, rules in fires.items()}
        horizon = min((h for h in (horizons[i] for i in members) if h is not None), default=None)
        parts.append((Part(titles, state, checked_at, shown, holding, fed, fired, tuple(checks), horizon), checked))
    read = budget | {r.alert for r in shape.rules if r.window is not None}
    if not shape.lane_safe:
        return Plan(tuple((part,) for part, _ in parts), read)
    # Parts run side by side where that changes no alert of any lane and hides no fault one would show alone
    # (lane_faults.py): each in the first group it fits in.
    burns = [
        Burn(
            r.alert,
            r.for_seconds,
            r.window.long_seconds,
            r.window.short_seconds,
            lines.burn[r.window.name],
            recovery_windows(shape.recorded, r.window),
            r.window.name,
            shape.thin and short_counted(r.window),
            shape.slices,
            float(shape.gates[shape.windows.index(r.window)]),
            shape.bursts[shape.windows.index(r.window)],
            (shape.thin or shape.slices) and short_counted(r.window) and start_counted(r.window),
            shape.thin and short_counted(r.window) and kept_within_one(r.window),
            shape.pages,
            restart_floor(lines.min_bad_events),
        )
        for r in shape.rules
        if r.window is not None
    ]
    needed = float(lines.min_bad_events)
    judge = Judge(burns, needed, shape.recorded)  # each part's verdicts once, however many groups it is tried in
    lane_of = {id(part): Lane(part.state, frozenset(part.asked), part.times[-1]) for part, _ in parts}

    def fits(group: list[Part], part: Part) -> bool:
        bounds = [p.horizon for p in (*group, part) if p.horizon is not None]
        if bounds and max(p.times[-1] for p in (*group, part)) > min(bounds):
            return False
        return judge.fits([lane_of[id(p)] for p in (*group, part)])

    groups: list[list[Part]] = []
    for part, _ in parts:
        home = next((g for g in groups if fits(g, part)), None)
        if home is None:
            groups.append([part])
        else:
            home.append(part)
    return Plan(tuple(_fed_until_last(g, shape) for g in groups), read)


def _calm_windows(state: _State, shape: Shape) -> _State:
    """`state` with every fast window it leaves alone fed with healthy events: no case but a gap's (which sets
    its short window to no events) has a pair whose short window reads "no events, no recovery", and cases run
    side by side as before (a window one lane feeds and another not would tell the lanes apart)."""
    for seconds in shape.recorded:
        if not recording_tiers().is_coarse(seconds) and seconds not in state.totals and not state.ratios.get(seconds):
            state.totals[seconds] = state.total
    return state


def _fed_until_last(group: list[Part], shape: Shape) -> tuple[Part, ...]:
    """The group's parts, each fed until the last time any of them is checked (all are checked then)."""
    last = max(p.times[-1] for p in group)
    fed = last // shape.step + 1
    return tuple(p if p.times[-1] == last else replace(p, rates=_rates(p.state, shape, fed)) for p in group)


def _rates(state: _State, shape: Shape, samples: int) -> Rates:
    recorded, period, step = shape.recorded, shape.period_seconds, shape.step
    return rates(state, recorded, period, samples, shape.slices, shape.counted, shape.sliced, step)
