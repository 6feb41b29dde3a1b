"""One case per burn pair of an event-count SLO that pins its recovery check (counted_short.saw_recovery), at 1m.

A held pair is not held again once its short window's newest counted reading was at or under the line. The
main file's states are constant, where that reading never differs from the short window's present one, so no
case there can tell the check from its mutants. Here the pair's long window and its steps burn at 1.25x its
line throughout, and its short window, on one timeline: burns (the pair fires), shows a clean minute too thin
to count (events for 0.8 failures at the line), empties, and the pair must stay up; then shows a recovery for a
minute, 0.8x the line with events for 1.25 failures, empties again, and the pair must resolve after its
`keep_firing_for`. The comparison raised by half, lowered by 40% or flipped, the count's `>= 1` too,
or a window read as another, each get one of the two checks wrong. What fires for every pair of the SLO at each
check is replayed minute by minute as Prometheus 2.42 evaluates the rules (the pair's own ALERTS included).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from compiler.model.burnrate import error_ratio_threshold, recorded_windows, recording_tiers, recovery_windows
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import BurnWindow, Service, Slo
from compiler.model.units import decimal_text
from compiler.targets.prometheus.counted_short import recovery_reach
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, InputSeries, firing, merge, off_ties
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.hold_grid import STEP
from compiler.targets.prometheus.promtool.slo_pair_states import ABOVE, BELOW, busy_traffic
from compiler.targets.prometheus.promtool.slo_state import _DIGITS, Feed, _State, rates
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

_Reading = tuple[Decimal, Decimal]  # a short window's (bad events/s, events/s) in one minute; (0, 0): empty
_Window = Callable[[int, int], tuple[float | None, float, float]]  # see _replay


class _Pair(NamedTuple):
    rule: Rule
    w: BurnWindow
    line: float  # as Prometheus reads `(factor * budget)`
    steps: tuple[int, ...]  # burnrate.recovery_windows
    coarse: bool  # a ticket's alert: evaluated in the coarse group, it reads its ALERTS over 6m
    reach: int  # minutes back the recovery check reads (0: none)


def recovery_cases(service: Service, rules: ServiceRules, step: int) -> list[Case]:
    """Each event-count SLO's cases as lanes (independent: each SLO's own series), run side by side, evaluated
    every `step` (at most MAX_STEP: a pair reads its ALERTS from the evaluation before)."""
    lanes = []
    for slo in service.slos:
        if slo.sli.kind in SLICE_KINDS:
            continue
        pairs = _pairs(slo, rules)
        mine = [_case(service, slo, pairs, p, step) for p in pairs if p.reach]
        if mine:
            lanes.append(mine)
    return merge(lanes)


MAX_STEP = 4 * STEP  # under the 5m lookback an instant ALERTS read has


def _pairs(slo: Slo, rules: ServiceRules) -> list[_Pair]:
    tiers, recorded, out = recording_tiers(), recorded_windows(slo), []
    budget = float(decimal_text(slo.error_budget))
    for rule in rules.alert_rules:
        source = rule.source
        if source is None or source.slo is not slo or source.window is None:
            continue
        w = source.window
        line = float(w.factor_text(slo.period_seconds)) * budget
        reach = recovery_reach(slo, w) // STEP
        coarse = tiers.is_coarse(w.long_seconds)
        out.append(_Pair(rule, w, line, recovery_windows(recorded, w), coarse, reach))
    return out


def _case(service: Service, slo: Slo, pairs: list[_Pair], pair: _Pair, step: int) -> Case:
    w = pair.w
    line = error_ratio_threshold(slo, w)
    high = off_ties(line * ABOVE)
    busy = busy_traffic(slo.min_bad_events, line, w)
    while busy * w.short_seconds * line < 2:  # the burning short window counts (a 99.99% page's did not)
        busy *= 2
    burn = (_exact(high * busy), busy)
    seen = (_exact(line * BELOW * _events(Decimal("1.25"), line, w)), _events(Decimal("1.25"), line, w))
    thin = (Decimal(0), _events(BELOW, line, w))
    empty = (Decimal(0), Decimal(0))
    burning = -(-pair.rule.for_seconds // step) + 1  # evaluations: the pair fires at the last one
    # the first evaluation where a recovery has ended the alert (its keep_firing_for passed): its reading in reach
    after = max(1, -(-pair.rule.keep_firing_seconds // step))
    short = [burn] * burning + [thin] + [empty] * after + [seen] + [empty] * after  # one per evaluation
    held_at, quiet_at = burning + after, len(short) - 1
    state = _State(total=busy)
    for seconds in (w.long_seconds, *pair.steps):
        if recording_tiers().is_coarse(seconds):
            state.coarse = high
        else:
            state.ratios[seconds] = high
    per = step // STEP  # input samples (1m) per evaluation
    feed = Feed(service, slo)
    fed = feed.series(rates(state, feed.recorded, feed.period, len(short) * per - 1))
    errors, total, labels = feed.window_series(w.short_seconds)
    fed += (InputSeries(errors, labels, _timeline([r[0] for r in short for _ in range(per)])),)
    fed += (InputSeries(total, labels, _timeline([r[1] for r in short for _ in range(per)])),)
    fires = _replay(slo, pairs, state, w.short_seconds, short, step)
    group = sample_group(slo) or None
    shown = {id(p.rule): firing(p.rule, state.ratio(p.w.long_seconds), group=group) for p in pairs}

    def predict(name: str, at: int) -> tuple[Firing, ...]:
        i = at // step
        due = [p for p in pairs if p.rule.alert == name and i < len(short) and fires[id(p.rule)][i]]
        return tuple(shown[id(p.rule)] for p in due)

    name = pair.rule.alert
    checks = tuple(AlertCheck(i * step, name, predict(name, i * step)) for i in (held_at, quiet_at))
    title = f"{slo.name}: {w.name} pair held after a thin clean reading, ended by a counted one"
    return Case(title, STEP, fed, checks, predict=predict)


def _events(failures: Decimal, line: Decimal, w: BurnWindow) -> Decimal:
    """Events/s a short window holds `failures` failures' worth of at the line (counted_short.py)."""
    return _exact(failures / (line * w.short_seconds))


def _exact(value: Decimal) -> Decimal:
    return value.quantize(_DIGITS).normalize()


def _timeline(values: list[Decimal]) -> str:
    """promtool's values, runs of one value as `vxn` (n + 1 samples)."""
    runs: list[tuple[Decimal, int]] = []
    for v in values:
        if runs and runs[-1][0] == v:
            runs[-1] = (v, runs[-1][1] + 1)
        else:
            runs.append((v, 1))
    return " ".join(f"{decimal_text(v)}x{n - 1}" for v, n in runs)


def _replay(
    slo: Slo, pairs: list[_Pair], state: _State, short: int, readings: list[_Reading], step: int
) -> dict[int, list[bool]]:
    """Rule id → whether it fires at each evaluation: each pair's condition (slo.py, counted_short.py) with its
    own ALERTS as the evaluations before left it, kept as Prometheus 2.42 keeps alert state (cases.fires_at)."""

    def window(seconds: int, i: int) -> tuple[float | None, float, float]:
        """(ratio or None without events, events/s, failed events/s) of a window at an evaluation."""
        if seconds == short:
            bad, total = readings[i]
            if not total:
                return None, 0.0, 0.0
            b, t = float(decimal_text(bad)), float(decimal_text(total))
            return b / t, t, b
        if not state.fed(seconds):
            return None, 0.0, 0.0
        events, _, bad_read, ratio = state.window(seconds)
        return ratio, float(decimal_text(events)), bad_read

    return {id(p.rule): _fires(p, slo.min_bad_events, window, len(readings), step) for p in pairs}


def _fires(p: _Pair, needed: int, window: _Window, n: int, step: int) -> list[bool]:
    w, line, rule = p.w, p.line, p.rule
    active: list[bool] = []  # ALERTS written (pending or firing) at each evaluation
    fired: list[bool] = []
    since = broke = None
    up = False
    # a ticket reads its ALERTS over 6m (every sample in it), a page the evaluation before's
    back = _COARSE_ALERTS // step if p.coarse else 1
    for i in range(n):
        long, _, long_bad = window(w.long_seconds, i)
        ratio, events, _ = window(w.short_seconds, i)
        counted = ratio is not None and events * w.short_seconds * line >= 1
        seen = any(active[max(0, i - back) : i])
        newest = next((r for s in (*p.steps, w.long_seconds) if (r := window(s, i)[0]) is not None), None)
        holds = long is not None and long > line and long_bad * w.long_seconds >= needed
        if holds:
            over = ratio is not None and ratio > line
            held = seen and newest is not None and newest > line and not counted
            holds = over or (held and not _recovered(p, window, i, step))
        if holds:
            since, broke = (i if since is None else since), None
            up = up or (i - since) * step >= rule.for_seconds
        elif up and (i - (broke := i if broke is None else broke)) * step < rule.keep_firing_seconds:
            pass
        else:
            since = broke = None
            up = False
        active.append(since is not None)
        fired.append(up)
    return fired


_COARSE_ALERTS = 6 * STEP  # counted_short.py / slo.py `_own_alerts`: last_over_time(ALERTS[6m])


def _recovered(p: _Pair, window: _Window, i: int, step: int) -> bool:
    """Whether the short window's newest counted reading the pair's subquery sees is at or under its line: an
    evaluation's reading is read at each minute until the next evaluation (`reach` minutes back, both ends in)."""
    for j in range(i, -1, -1):
        if (i - j) * step > p.reach * STEP + step - STEP:
            break
        ratio, events, _ = window(p.w.short_seconds, j)
        if ratio is not None and events * p.w.short_seconds * p.line >= 1:
            return ratio <= p.line
    return False
