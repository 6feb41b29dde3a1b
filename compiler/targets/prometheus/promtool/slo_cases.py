"""Test cases for SLO rules: burn-rate and budget alerts from recorded window rates, recordings from raw counters.

Alert cases feed each window's recorded bad and total event rates directly (one constant per window),
so one window pair can burn while every other stays quiet; the ratio rules, the coarse sums and the
alerts all run on them. Predictions follow the model (threshold = factor × budget, both windows, the
traffic guard, `for`), not the PromQL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from compiler import conventions as names
from compiler.model.burnrate import BurnWindow, error_ratio_threshold, recorded_windows, recording_tiers
from compiler.model.promql import Matcher
from compiler.model.types import Service, SliKind, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.promtool.cases import (
    LANE,
    AlertCheck,
    Case,
    ExprCheck,
    Firing,
    InputSeries,
    firing,
    hold_times,
    near,
    steps_after,
)
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.lanes import budget_lanes, lane_safe
from compiler.targets.prometheus.promtool.series import Phase, counter_values, satisfy
from compiler.targets.prometheus.promtool.slo_state import _COARSE, _DIGITS, Feed, _State, join, pack
from compiler.targets.prometheus.rule_model import Rule, ServiceRules, series
from compiler.targets.prometheus.slo import BUDGET_ALERT_FOR_SECONDS, burn_threshold_expr, slo_labels


@dataclass(frozen=True)
class _Lines:
    """The numbers an SLO's alert expressions compare with, as Prometheus reads them from the rule text:
    worked out once per SLO, not once per rule and case."""

    period_seconds: int
    budget: float  # the error budget
    budget_left: float  # the budget-low line
    min_bad_events: int  # the low-traffic guard (0: none)
    burn: dict[str, float]  # window name → error-ratio line (factor × budget)
    unguarded_missing: bool = False  # SLODataMissing has no `up` guard (targets: false): it fires without raw series

    @classmethod
    def of(cls, slo: Slo, windows: list[BurnWindow], service: Service | None = None) -> _Lines:
        budget = _float(decimal_text(slo.error_budget))
        return cls(
            unguarded_missing=service is not None and not service.targets,
            period_seconds=slo.period_seconds,
            budget=budget,
            budget_left=_float(decimal_text(slo.alerting.budget_left)),
            min_bad_events=slo.min_bad_events,
            burn={w.name: _float(w.factor_text(slo.period_seconds)) * budget for w in windows},
        )


def _value(rule: Rule, lines: _Lines, state: _State) -> float | None:
    """The alert's expression value under `state`, or None when its condition does not hold."""
    alert = rule.source
    assert alert is not None
    if alert.data_missing or alert.stale:  # these cases feed no raw series
        return 1.0 if alert.data_missing and lines.unguarded_missing else None
    w = alert.window
    if w is not None:
        threshold = lines.burn[w.name]
        _, _, bad_long, long = state.window(w.long_seconds)
        if not (long > threshold and state.window(w.short_seconds)[3] > threshold):
            return None
        if lines.min_bad_events and not bad_long * w.long_seconds >= float(lines.min_bad_events):
            return None
        return long
    remaining = 1 - (state.window(lines.period_seconds)[3] / lines.budget)
    if alert.budget == "low":
        return remaining if remaining < lines.budget_left and remaining > 0 else None
    return remaining if remaining <= 0 else None


@functools.lru_cache(maxsize=4096)
def _float(text: str) -> float:
    """A number as Prometheus reads it from the rule text."""
    return float(text)


class _Cases:
    """Builds the alert cases of one SLO. What its cases share is worked out once: the alert names, the input
    series' names and labels per lane, and each firing alert rendered once per rule, value and lane."""

    def __init__(self, service: Service, slo: Slo, lines: _Lines, rules: list[Rule], step: int) -> None:
        self._service, self._slo, self._lines, self._rules, self._step = service, slo, lines, rules, step
        self._names = list(dict.fromkeys(r.alert for r in rules))
        self._fired: dict[tuple[int, float, str], Firing] = {}
        self._lanes: dict[str, tuple[dict[str, str], Feed]] = {}

    def case(
        self, title: str, state: _State, times: list[int], checked: set[str] | None = None, lane: str = ""
    ) -> Case:
        """Constant inputs from 0; the SLO's alert names (or `checked` ones) asserted at each of `times`.

        Names a case is not about are left unchecked where other alerts fire as a side effect (the budget
        runs out while a ticket-tier pair burns): each firing assertion spells out every annotation.
        `lane`: a LANE label value carried by the inputs and so by what fires (see budget_lanes).
        """
        if lane not in self._lanes:
            group = {**sample_group(self._slo), **({LANE: lane} if lane else {})}
            self._lanes[lane] = (group, Feed(self._service, self._slo, group))
        group, feed = self._lanes[lane]
        holding: dict[str, list[tuple[int, Firing]]] = {}  # alert name → (for, what fires) per rule, in order
        for rule in self._rules:
            value = _value(rule, self._lines, state)
            if value is not None:
                key = (id(rule), value, lane)
                fired = self._fired.get(key) or self._fired.setdefault(key, firing(rule, value, group=group))
                holding.setdefault(rule.alert, []).append((rule.for_seconds, fired))

        def predict(name: str, at: int) -> tuple[Firing, ...]:
            held = holding.get(name)
            return tuple(f for hold, f in held if at >= hold) if held else ()

        samples = max(times) // self._step + 1
        asked = self._names if checked is None else [name for name in self._names if name in checked]
        checks = tuple(AlertCheck(at, name, predict(name, at)) for at in times for name in asked)
        return Case(title, self._step, feed.series(state, samples), checks, predict=predict)


def _pair_state(w: BurnWindow, ratio: Decimal, short_ratio: Decimal, total: Decimal) -> _State:
    state = _State(total=total)
    for seconds, value in ((w.long_seconds, ratio), (w.short_seconds, short_ratio)):
        if recording_tiers().is_coarse(seconds):
            state.coarse = value
        else:
            state.ratios[seconds] = value
    return state


def _alert_cases(service: Service, slo: Slo, rules: list[Rule], step: int) -> list[Case]:
    """Per window pair: both windows at 1.25x the line fire; a burst that ended (short window back to 0.8x)
    and a fresh spike the long window has not caught up with (long at 0.8x) stay quiet. Then healthy
    traffic, too few failed events for min_bad_events, and the budget around its two lines."""
    pending: list[tuple[str, _State, list[int], set[str] | None]] = []
    above, below = Decimal("1.25"), Decimal("0.8")
    windows = list(dict.fromkeys(r.source.window for r in rules if r.source is not None and r.source.window))
    lines = _Lines.of(slo, windows, service)
    # Events/s (a power of two: ratios stay exact) at which every pair at 0.8x its line still counts
    # twice min_bad_events in its long window: the guard never decides a case about the lines.
    busy = max([_busy(slo, w) for w in windows] or [Decimal(1)])

    def add(title: str, state: _State, times: list[int], checked: set[str] | None = None) -> None:
        pending.append((f"{slo.name}: {title}", state, times, checked))

    alerts_of: dict[BurnWindow, set[str]] = {}  # window pair → its alert names (sets no case changes)
    for r in rules:
        if r.source is not None and r.source.window:
            alerts_of.setdefault(r.source.window, set()).add(r.alert)
    alert_of = alerts_of.__getitem__

    budget = {r.alert for r in rules if r.source is not None and r.source.budget is not None}

    for w in windows:
        line = error_ratio_threshold(slo, w)
        at = steps_after(w.for_seconds, step)
        where = f"{w.long}/{w.short} (line {burn_threshold_expr(slo, w)})"
        # The long window holds just 1.25x min_bad_events failed events: the guard raised by half stops it.
        events = (
            f", {decimal_text(slo.min_bad_events * above)} failed events over {w.long}" if slo.min_bad_events else ""
        )
        add(
            f"{where} both at 1.25x{events} fire after {_duration(w.for_seconds)}",
            _guarded(slo, w, above, busy),
            hold_times(w.for_seconds, step),
            alert_of(w),
        )
        if recording_tiers().is_coarse(w.short_seconds):
            continue  # both windows read the one coarse tier: they cannot differ
        add(
            f"{where} a burst that ended ({w.short} back to 0.8x) stays quiet",
            _pair_state(w, line * above, line * below, busy),
            [at],
            alert_of(w),
        )
        add(
            f"{where} a fresh spike ({w.long} still at 0.8x) stays quiet",
            _pair_state(w, line * below, line * above, busy),
            [at],
            alert_of(w),
        )
    longest = steps_after(max(r.for_seconds for r in rules), step)
    lowest = min([error_ratio_threshold(slo, w) for w in windows] or [slo.error_budget])
    healthy = lowest / 2
    add(
        "healthy traffic (half the lowest line everywhere) stays quiet",
        _State({s: healthy for s in recorded_windows(slo)}, healthy, busy),
        [longest],
    )
    if slo.min_bad_events > 0:
        # Per pair: both windows burn at 1.25x the line, but the long window holds only 0.8x min_bad_events
        # failed events (its traffic is that low; the short window is busy): the guard lowered by 40% fires.
        for w in windows:
            add(
                f"{w.long}/{w.short} at 1.25x its line with {decimal_text(slo.min_bad_events * below)} failed events "
                f"over {w.long} (min_bad_events {slo.min_bad_events}) stays quiet",
                _guarded(slo, w, below, busy),
                [steps_after(w.for_seconds, step)],
                alert_of(w),
            )
    if any(r.source is not None and r.source.budget for r in rules):
        left = slo.alerting.budget_left
        times = hold_times(BUDGET_ALERT_FOR_SECONDS, step)
        for share, what in ((left * below, "is low"), (left * above, "is not low yet")):
            if share < 1:
                add(
                    f"{decimal_text(share * 100)}% of the budget left {what}",
                    _State(coarse=slo.error_budget * (1 - share), total=busy),
                    times,
                    budget,
                )
        add(
            "twice the budget spent is exhausted (and no longer 'low')",
            _State(coarse=slo.error_budget * 2, total=busy),
            times,
            budget,
        )
    bins: list[tuple[str, _State, list[int], set[str] | None]] = []
    for members in pack([state for _, state, _, _ in pending]):  # one test group per bin (see slo_state)
        parts = [pending[i] for i in members]
        names_ = [p[3] for p in parts]
        checked = None if None in names_ else {n for p in names_ if p is not None for n in p}
        times = sorted({at for p in parts for at in p[2]})
        bins.append(("; ".join(p[0] for p in parts), join(p[1] for p in parts), times, checked))
    # The budget's bins run side by side (see lanes.py) when its alerts keep the lane label and no other
    # alert of the SLO fires under any of them (those would see every lane through their joins).
    lanes = [i for i, b in enumerate(bins) if b[3] is not None and b[3] <= budget]
    # (data-missing and stale alerts read none of these inputs: the first lane speaks for them; a pair with a
    # fast short window stays quiet without it, and the budget's states set the coarse tier only)
    others = [
        r
        for r in rules
        if r.alert not in budget
        and r.source is not None
        and r.source.window is not None
        and recording_tiers().is_coarse(r.source.window.short_seconds)
    ]
    if not lane_safe([r for r in rules if r.alert in budget]) or any(
        _value(r, lines, bins[i][1]) is not None for r in others for i in lanes
    ):
        lanes = []
    build = _Cases(service, slo, lines, rules, step)
    cases = [build.case(*b) for i, b in enumerate(bins) if i not in lanes]
    # the first lane keeps the alerts' own labels
    beside = [build.case(*bins[i], f"budget-{n}" if n else "") for n, i in enumerate(lanes)]
    return cases + budget_lanes(beside, budget)


def _guarded(slo: Slo, w: BurnWindow, share: Decimal, busy: Decimal) -> _State:
    """Both windows at 1.25x the line; the long window's traffic such that it holds `share` x min_bad_events
    failed events (busy traffic without a guard)."""
    ratio = error_ratio_threshold(slo, w) * Decimal("1.25")
    state = _pair_state(w, ratio, ratio, busy)
    if slo.min_bad_events:
        thin = (slo.min_bad_events * share / (ratio * w.long_seconds)).quantize(_DIGITS).normalize()
        state.totals[_COARSE if recording_tiers().is_coarse(w.long_seconds) else w.long_seconds] = thin
    return state


def _busy(slo: Slo, w: BurnWindow) -> Decimal:
    needed = 2 * slo.min_bad_events / (error_ratio_threshold(slo, w) * Decimal("0.8") * w.long_seconds)
    busy = Decimal(1)
    while busy < needed:
        busy *= 2
    return busy


def _duration(seconds: int) -> str:
    return format_duration(seconds) if seconds else "0s"


# ---- recording rules from raw counters

# Each check sits on the 30m evaluation grid as early as its phase allows: the group's timeline (and the
# data-missing scenarios chained after it) is 4h instead of 5h; promtool pays ~7 ms per step.
_PHASES = (
    Phase(45, 60, 15),  # a quarter of events fail
    Phase(15, 60, 60),  # then every event fails: short windows must show it at once
    Phase(60, 0, 0),  # no traffic: no ratio at all, not NaN (the 1h window holds only the flat counters)
    Phase(60, 180, 0),  # busy and healthy...
    Phase(60, 60, 30),  # ...then quiet and failing: a ratio of sums, not a mean of ratios
)
_STEADY, _SPIKE, _IDLE, _END = 30, 60, 120, 240  # minutes at which the case checks (multiples of 30)


@functools.cache
def _per_minute(role: str) -> tuple[int, ...]:
    """Events of `role` in each minute of the phases."""
    return tuple(phase.per_minute(role) for phase in _PHASES for _ in range(phase.minutes))


def _window_ratio(at: int, minutes: int) -> float:
    """Bad over total events in the `minutes` before minute `at`: what a raw-rate window must show."""
    bad, total = _per_minute("bad")[at - minutes : at], _per_minute("total")[at - minutes : at]
    return sum(bad) / sum(total)


def _coarse_ratio(at: int, step: int) -> float:
    """What the coarse tier records at minute `at`: the sum of its 5m rates, one per evaluation, of bad
    events over the same sum of all events (evaluated every `step`; at 0 a 5m rate has one sample only)."""
    bad_sum = total_sum = 0.0
    bad, total = _per_minute("bad"), _per_minute("total")
    for t in range(step // 60, at + 1, step // 60):
        bad_sum += sum(bad[t - 5 : t]) / 300
        total_sum += sum(total[t - 5 : t]) / 300
    return bad_sum / total_sum


def _raw_series(service: Service, slo: Slo) -> list[tuple[str, dict[str, str], str]] | None:
    """(metric, labels, role) per synthetic counter whose rates reproduce the phases; None if not possible."""
    sli = slo.sli
    if sli.kind is SliKind.LATENCY:
        assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_seconds is not None
        sel = sli.latency.selector
        labels = satisfy(sel.matchers)
        if labels is None or set(slo.by) & set(labels):
            return None
        labels = {**labels, **sample_group(slo)}
        bucket = {**labels, "le": decimal_text(sli.threshold_seconds)}
        return [(sel.metric + "_count", labels, "total"), (sel.metric + "_bucket", bucket, "good")]
    if sli.kind is not SliKind.RATIO or sli.total is None or sli.total.selector is None:
        return None
    part = sli.errors or sli.good
    assert part is not None and part.selector is not None
    role = "bad" if sli.errors is not None else "good"
    other = "good" if role == "bad" else "bad"
    total = sli.total.selector
    if part.selector.metric == total.metric:
        inside = satisfy((*part.selector.matchers, *total.matchers))
        outside = satisfy(total.matchers, avoid=part.selector.matchers)
        if inside is None or outside is None or set(slo.by) & {*inside, *outside}:
            return None
        group = sample_group(slo)
        return [(total.metric, {**inside, **group}, role), (total.metric, {**outside, **group}, other)]
    inside, whole = satisfy(part.selector.matchers), satisfy(total.matchers)
    if inside is None or whole is None or set(slo.by) & {*inside, *whole}:
        return None
    group = sample_group(slo)
    return [(part.selector.metric, {**inside, **group}, role), (total.metric, {**whole, **group}, "total")]


def _raw_case(service: Service, slo: Slo, step: int) -> Case | None:
    counters = _raw_series(service, slo)
    if counters is None:
        return None
    inputs = tuple(
        InputSeries(metric, tuple(sorted(labels.items())), counter_values(_PHASES, role))
        for metric, labels, role in counters
    )
    meta = slo_labels(service, slo)
    own = {**meta, **sample_group(slo)}  # a grouped SLO records its ratios per group
    exprs: list[ExprCheck] = []

    def ratio_near(at: int, window: str, value: float, tolerance: str | None = None) -> None:
        labels = _labels_text({**own, names.LABEL_WINDOW: window})
        expr = near(series(names.sli_error_ratio(window), own), value)
        if tolerance:
            expr = expr.rsplit(" ", 1)[0] + f" {tolerance}"
        exprs.append(ExprCheck(at, expr, ((labels, 1.0),)))

    steady = _STEADY * 60
    for seconds in recorded_windows(slo):
        ratio_near(steady, format_duration(seconds), 0.25)
    remaining = 1 - 0.25 / float(decimal_text(slo.error_budget))
    exprs.append(
        ExprCheck(steady, near(series(names.SLO_BUDGET_REMAINING, own), remaining), ((_labels_text(own), 1.0),))
    )
    for record, value in (
        (names.SLO_OBJECTIVE, slo.objective_ratio),
        (names.SLO_ERROR_BUDGET, slo.error_budget),
        (names.SLO_PERIOD_SECONDS, Decimal(slo.period_seconds)),
    ):
        exprs.append(ExprCheck(steady, series(record, meta), ((series(record, meta), float(decimal_text(value))),)))
    for minutes in (5, 30, 60):  # 15 minutes into a total outage, without lag
        ratio_near(_SPIKE * 60, format_duration(minutes * 60), _window_ratio(_SPIKE, minutes))
    for window in ("5m", "30m", "1h"):
        exprs.append(ExprCheck(_IDLE * 60, series(names.sli_error_ratio(window), own), ()))
    ratio_near(_END * 60, "2h", _window_ratio(_END, 120))  # 0.125: a ratio of sums (a mean of ratios: 0.25)
    # The period window sums the coarse tier's samples of bad and all events: a ratio of sums too.
    ratio_near(_END * 60, format_duration(slo.period_seconds), _coarse_ratio(_END, step))
    return Case(
        f"{slo.name}: recorded ratios from raw counters (no lag, no NaN without traffic, ratios of sums)",
        60,
        inputs,
        (),
        tuple(exprs),
    )


def _labels_text(labels: dict[str, str]) -> str:
    return "{" + ",".join(Matcher(k, "=", v).render() for k, v in sorted(labels.items())) + "}"


def slo_cases(service: Service, rules: ServiceRules, step: int) -> tuple[list[list[Case]], list[list[Case]]]:
    """(alert-case lanes, raw-counter lanes): one lane per SLO, safe to run side by side (see merge).

    Raw lanes run together only when their counters are different metrics, so that no SLO's selectors
    pick up another's synthetic series."""
    alert_lanes: list[list[Case]] = []
    raw_lanes: list[list[Case]] = []
    metrics_seen: set[str] = set()
    for slo in service.slos:
        mine = [
            r
            for r in rules.alert_rules
            if r.source is not None and r.source.slo is not None and r.source.slo.name == slo.name
        ]
        if mine:
            alert_lanes.append(_alert_cases(service, slo, mine, step))
        raw = _raw_case(service, slo, step)
        if raw is None:
            continue
        metrics = {s.name for s in raw.series}
        if raw_lanes and metrics & metrics_seen:
            raw_lanes[0].append(raw)  # after, not beside, the SLO whose counters it shares
        else:
            raw_lanes.append([raw])
        metrics_seen |= metrics
    return alert_lanes, raw_lanes
