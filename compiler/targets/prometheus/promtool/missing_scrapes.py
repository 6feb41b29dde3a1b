"""Scrape-by-scrape cases of the missing-data twins (targets/prometheus/missing_sparse.py), in a file of their own.

The twin's sparse branch counts the evaluations of its window at the evaluation interval: the main test file's
30m interval holds one per window, where it is the `absent` branch again. Here the interval is 2m (STEP), the
signal scraped at each step, and one timeline per twin (twins of one hold side by side, each on its own signal)
plays, in turn: an outage a step shorter than the hold and over, the signal gone for good past the hold
(`absent` alone fires it then), back, then an exporter answering once every 12 minutes (the hold if shorter),
which only the sparse branch fires, until its first answer after it fires. Where that loop would never fire by
its sparse branch alone (a hold of a few steps, whose window holds few points), the nearest period the replay
shows firing is taken instead (`loop_every`; a 10m hold's: every 14m): a scenario that never fires shows
nothing. Every step is a step of every twin's two subqueries, so the timeline has no step that pins nothing.
At 2m a 15m hold's `[20m:]` subqueries hold 11 points a step over 59 steps, where at 1m they held 21 over 130
(round 35: a rich service's dearest group, its promtool CPU 134 -> 77 ms). Round 36 dropped the first
scenario, a healthy exporter failing one scrape in ten (19 of 78 steps): every twin mutant of the examples, of
the threshold-alerts golden's ledger-batch and of two rich services (471, `OBSC_MUTATION_FULL=1`) dies without
it, the outage reading the same small shares and more, and a scrape failing now and then stays proven quiet by
tests/test_missing_crash_loop.py. The scenarios are the same in scrapes as at 1m, the share counted over the
subquery's points as Prometheus takes them (at multiples of the step).
What fires at each check is replayed here from the inputs, as Prometheus 2.42 evaluates it (cases.fires_at).
The value fed is on the alert's quiet side, so the alert itself never fires.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import NamedTuple

from compiler import conventions as names
from compiler.model.saturation_twins import REQUEST_KIND
from compiler.model.thresholds import signal_name
from compiler.model.types import Comparison, Service, ThresholdAlert
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.key_missing import SIGNAL_OF, is_instance_twin, is_missing
from compiler.targets.prometheus.missing_sparse import SPARSE_SHARE, sparse_window_seconds
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries, fires_at, firing
from compiler.targets.prometheus.promtool.key_missing_cases import quiet_reading, request_inputs, up_series
from compiler.targets.prometheus.promtool.threshold_cases import quiet_side
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

STEP = 120  # the twins file's evaluation interval and scrape interval: every scenario below counts in these steps
LOOP_EVERY = 6  # steps between a crash-looping exporter's answers (12m; at most the hold's steps, see loop_every)


class _Timeline(NamedTuple):
    """One twin's scenarios: the signal it reads, how many steps they take, and the checks."""

    alert: str
    hold: int
    every: int  # the crash loop's steps between answers
    signal: InputSeries
    steps: int
    targets_up: bool  # a saturation twin holds only while the service's targets are up
    # a p99 latency or error-rate twin's: raw series, which the service's records (a threshold alert's rate of
    # the same counter) derive from: fed beside a timeline feeding such a record, both wrote it (promtool: duplicate
    # sample), so these run only beside each other
    raw: bool
    checks: tuple[AlertCheck, ...]


def scrape_cases(service: Service, rules: ServiceRules) -> list[Case]:
    """Twins of one hold side by side: promtool evaluates every rule of the file at each of a group's ~65
    steps, so six twins in six groups cost six timelines when the file runs whole (the Kafka consumer example:
    15 CPU-s; 7.9 in three groups). Twins of other holds run apart: their timelines differ in length, and a
    focused run (validation, the mutation sweep) of a 10m twin beside a 1h one would evaluate both over the 1h
    twin's ~300 steps. Twins reading the same signal (two threshold alerts on one metric) go apart too."""
    groups: list[list[_Timeline]] = []
    # an instance twin fires for one instance among others that report: never on the whole signal's timeline
    twins = [rule for rule in rules.alert_rules if is_missing(rule) and not is_instance_twin(rule)]
    for timeline in (_timeline(service, rule) for rule in twins):
        if timeline is None:
            continue  # a request twin whose selector no labels pass (request_inputs)
        free = next((g for g in groups if _joins(g, timeline)), None)
        if free is None:
            groups.append([timeline])
        else:
            free.append(timeline)
    return [_together(service, group) for group in groups]


def _joins(group: list[_Timeline], timeline: _Timeline) -> bool:
    return all(
        t.steps == timeline.steps
        and t.every == timeline.every
        and t.signal.name != timeline.signal.name
        and t.raw == timeline.raw
        for t in group
    )


def _together(service: Service, timelines: list[_Timeline]) -> Case:
    """One test group; `up` is fed once (the saturation twins read it only as "targets are up")."""
    series = [t.signal for t in timelines]
    if any(t.targets_up for t in timelines):
        series.append(up_series(service, timelines[0].steps - 1))
    checks = sorted((check for t in timelines for check in t.checks), key=lambda k: (k.at, k.alertname))
    twins = ", ".join(f"{t.alert} ({format_duration(t.hold)} hold)" for t in timelines)
    name = (
        f"missing-data {'twins' if len(timelines) > 1 else 'twin'} over {format_duration(STEP)} scrapes: down a "
        f"scrape less than the hold, gone for good, then answering once every "
        f"{format_duration(timelines[0].every * STEP)}: {twins}"
    )
    return Case(name, STEP, tuple(series), tuple(checks))


def loop_every(hold_steps: int, window_seconds: int) -> int:
    """The crash loop's steps between answers: LOOP_EVERY, or the hold's steps if fewer, when the twin fires
    there by its sparse branch (the gaps too short for `absent` alone); else the nearest period where it does,
    else the nearest where it fires at all (holds under 6m, whose few points let `absent` fire first)."""
    usual = min(LOOP_EVERY, hold_steps)

    clean = -(-window_seconds // STEP) + 1  # as in the timeline: a window of clean scrapes before the loop

    def fires(every: int, sparse: bool) -> bool:
        present = [True] * clean + [m % every == 0 for m in range(clean + hold_steps + 2 * every)]
        shares = _missing_shares(present, window_seconds) if sparse else [False] * len(present)
        holds = [not p or s for p, s in zip(present, shares, strict=True)]
        return any(fires_at(holds, hold_steps * STEP, 0, STEP)[clean:])

    near = sorted(range(2, 2 * LOOP_EVERY + 1), key=lambda every: (every != usual, abs(every - usual), every))
    return next(
        (e for e in near if fires(e, True) and not fires(e, False)), next((e for e in near if fires(e, True)), usual)
    )


def _pattern(hold_steps: int, window_steps: int, every: int) -> list[list[bool]]:
    """Whether the signal has a sample at each step (else a stale marker), scenario by scenario; the last
    two each after the window's length of clean scrapes, so neither reads the one before. The outage needs
    less: clean scrapes enough that a window holding its hold - 1 missing steps holds no other (no window
    then misses more than those), and after it at least the 6 steps its last checks need (`_timeline`): the
    gone signal's first windows read at most as many."""
    clean = [True] * (window_steps + 1)
    apart = window_steps - hold_steps + 2
    outage = [True] * apart + [False] * (hold_steps - 1) + [True] * max(apart, 7)
    gone = [False] * (hold_steps + 3) + clean
    loop = [m % every == 0 for m in range(window_steps + hold_steps + every)]
    return [outage, gone, loop]


def _missing_shares(present: list[bool], window: int) -> list[bool]:
    """The sparse branch at each step: missing at SPARSE_SHARE of the subquery's points (every step in
    [at - window, at]; none is present before the first sample). Counted from running totals: a window of
    hours spans hundreds of points, asked at each of the timeline's steps."""
    missed = [0, *itertools.accumulate(not p for p in present)]  # missing steps before each step
    out = []
    for at in range(len(present)):
        first = -(-(at * STEP - window) // STEP)
        missing = max(0, -first) + missed[at + 1] - missed[max(first, 0)]
        out.append(missing > 0 and Decimal(missing) / (at + 1 - first) >= SPARSE_SHARE)
    return out


class Replay(NamedTuple):
    """A twin's timeline, step by step: its scenarios, whether the signal is there, whether the twin fires."""

    every: int
    scenarios: list[list[bool]]
    present: list[bool]
    fired: list[bool]
    loop: int  # the crash loop's first step


def replay(hold: int, keep_firing: int) -> Replay:
    """The scenarios of a twin of this hold, up to the crash loop's first answer after the twin fires."""
    window = sparse_window_seconds(hold)
    every = loop_every(-(-hold // STEP), window)
    scenarios = _pattern(-(-hold // STEP), -(-window // STEP), every)
    present = [p for scenario in scenarios for p in scenario]
    holds = [not p or sparse for p, sparse in zip(present, _missing_shares(present, window), strict=True)]
    fired = fires_at(holds, hold, keep_firing, STEP)  # none under vmalert
    loop = len(present) - len(scenarios[-1])
    cut = _loop_end(present, fired, loop)
    return Replay(every, scenarios, present[:cut], fired[:cut], loop)


def _timeline(service: Service, twin: Rule) -> _Timeline | None:
    hold = twin.for_seconds
    every, scenarios, present, fired, _ = replay(hold, twin.keep_firing_seconds)
    cut = len(present)
    ends = [m - 1 for m in itertools.accumulate(len(s) for s in scenarios[:-1])] + [cut - 1]  # scenarios' last
    # a share read too low holds on after the outage: it would fire from where the hold ends
    outage_ends = scenarios[0].index(False) + -(-hold // STEP) - 1  # its first missing step, and the hold
    ends += [outage_ends, outage_ends + 5]
    source = twin.source
    assert source is not None
    if source.threshold is not None:
        signal = _threshold_signal(service, source.threshold, present)
    elif source.kind in REQUEST_KIND:  # a p99 latency or error-rate twin: the counter it asks for, standing still
        inputs = request_inputs(service, source.kind)
        if not inputs:
            return None
        name, labels = inputs[-1]  # the `_count` stands for the histogram (the twin needs its buckets gone too)
        signal = InputSeries(name, labels, _values(present, Decimal(0), 0))
    else:
        assert source.kind is not None
        record = SIGNAL_OF[source.kind][1]
        values = _values(present, quiet_reading(service, record), 0)
        signal = InputSeries(record, ((names.LABEL_SERVICE, service.name),), values)
    one = firing(twin, 1.0)
    checks = tuple(AlertCheck(m * STEP, twin.alert, (one,) if fired[m] else ()) for m in _check_steps(fired, ends))
    raw = source.kind in REQUEST_KIND
    return _Timeline(twin.alert, hold, every, signal, len(present), source.threshold is None, raw, checks)


def _loop_end(present: list[bool], fired: list[bool], loop: int) -> int:
    """The timeline's length: up to the crash loop's first answer after the twin fires (it fires on through
    it); after that, each step repeats one before."""
    first = next((m for m in range(loop, len(fired)) if fired[m]), None)
    if first is None:
        return len(present)
    return next((m + 1 for m in range(first + 1, len(present)) if present[m]), len(present))


def _check_steps(fired: list[bool], ends: list[int]) -> list[int]:
    """Every step the twin's state changes, the step before, and each scenario's last."""
    changes = {m for m in range(1, len(fired)) if fired[m] != fired[m - 1]}
    return sorted({*changes, *(m - 1 for m in changes), *ends})


def _threshold_signal(service: Service, alert: ThresholdAlert, present: list[bool]) -> InputSeries:
    labels = {names.LABEL_SERVICE: service.name, **{label: "obsc" for label in alert.by}}
    quiet = quiet_side(alert)
    pace = STEP if alert.comparison is Comparison.WITHIN else 0  # a timestamp keeps its distance from the clock
    return InputSeries(signal_name(alert), tuple(sorted(labels.items())), _values(present, quiet, pace))


def _values(present: list[bool], value: Decimal, pace: int) -> str:
    """In promtool's notation, run by run: `value` (plus `pace` a step) where present, else one stale marker
    and no sample after it."""
    out, start = [], 0
    for m in range(1, len(present) + 1):
        if m < len(present) and present[m] == present[start]:
            continue
        more = m - start - 1
        if present[start]:
            out.append(f"{decimal_text(value + pace * start)}+{pace}x{more}")
        else:
            out.append("stale" + (f" _x{more}" if more else ""))
        start = m
    return " ".join(out)
