"""The shared vocabulary of generated promtool tests: input series, expected alerts and expressions, cases,
and the timing helpers every case builder uses. Imports neither case builder, so both can import it."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import chain, zip_longest
from operator import itemgetter
from typing import NamedTuple

from compiler import conventions as names
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.rule_model import Rule, label_selector

# evaluation_interval of the main and the long-horizon test files, seconds: promtool evaluates every rule
# at every step (~7 ms for a rich service's ~120 rules) and re-reads the rule file per test group (~26 ms),
# so steps are as long as the alerts' `for` and windows allow (`for` of 2m and 15m then both fire at the
# first step; the cases still tell firing from quiet). The long file's week at 12h steps is 14 steps (a rich
# service's long file: 0.39 CPU-s at 6h steps, 0.30 at 12h; ~0.2 since its traffic comparisons run in lanes,
# traffic_cases.py); its 1h averages then hold one sample, and its 6d and 1w offsets land on the step grid.
MAIN_STEP = 1800
LONG_STEP = 12 * 3600
# The offgrid file's: 12h05m from 0, so two evaluations of each three fall off the quarter-hour (8d 01:20, then
# 8d 13:25), where a 2h span at 15m steps holds 8 slots, not the 9 of the long file's (stopped_cases.py).
OFFGRID_STEP = 12 * 3600 + 300
EXPR_TOLERANCE = "1e-9"
# A label that sets a test series apart from another of the same name, for alerts that keep every label of
# the series they read (no `on (...)` join or aggregation drops it): such cases run side by side in one group.
LANE = "obsc_lane"


# A case and its values are named tuples: a rich service's cases make ~1,000 of them, and a tuple is built in
# a quarter of the time of a frozen dataclass (they are compared and hashed by value all the same).
class InputSeries(NamedTuple):
    name: str
    labels: tuple[tuple[str, str], ...]
    values: str

    def selector(self) -> str:
        return selector(self.name, self.labels)


def selector(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    """`name{a="x",b="y"}`, labels sorted (a repeated label keeps its last value), as `series` writes it."""
    return name + _labels_text(labels)


@functools.lru_cache(maxsize=1 << 12)
def _labels_text(labels: tuple[tuple[str, str], ...]) -> str:
    """`{a="x",b="y"}` (as `series` writes them): a service's windows feed two series of each label set."""
    return label_selector(dict(labels))


class Firing(NamedTuple):
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


class AlertCheck(NamedTuple):
    at: int  # seconds
    alertname: str
    firing: tuple[Firing, ...]


class ExprCheck(NamedTuple):
    at: int
    expr: str
    samples: tuple[tuple[str, float], ...]  # (labels as `{a="b"}`, value)


Predict = Callable[[str, int], tuple[Firing, ...]]


class Case(NamedTuple):
    name: str
    interval: int  # seconds between input samples
    series: tuple[InputSeries, ...]
    alerts: tuple[AlertCheck, ...] = ()
    exprs: tuple[ExprCheck, ...] = ()
    # What fires for (alert name, time) under this case's inputs: lets cases whose alerts share names
    # (the SLOs of one service) run side by side in one test group.
    predict: Predict | None = None
    reads_up: bool = False  # a threshold alert on `up`: another case's `up` would feed its signal
    until: int | None = None  # the last time `predict` holds (slo_plan's `first_only`); None: any
    # checks an alert whose missing-data twin reads raw series the case does not feed (a p99 latency or error-rate
    # twin, key_missing.py): another case's `up` would wake it
    woken_by_up: bool = False


_name = itemgetter(0)  # an InputSeries' name, at C speed


def merge(lanes: list[list[Case]]) -> list[Case]:
    """Run the i-th case of every lane in one test group: promtool evaluates every rule at every step, so
    independent inputs evaluated together cost one timeline instead of several. Lanes must not feed each
    other's rules; lanes sharing alert names must all `predict`."""
    out: list[Case] = []
    for row in _rows(lanes):
        parts = [c for c in row if c is not None]
        # a group has one input interval: a case written at another runs alone (traffic_cases.py's UP_STEP)
        out.extend(c for c in parts if c.interval != parts[0].interval)
        parts = [c for c in parts if c.interval == parts[0].interval]
        # `up` fed beside an SLO case would wake its SLODataMissing (SLI series absent, targets up): run apart
        apart = [c for c in parts if "up" in map(_name, c.series)]
        if apart and any(k.alertname == names.SLO_DATA_MISSING for c in parts if c not in apart for k in c.alerts):
            out.extend(apart)
            parts = [c for c in parts if c not in apart]
        woken = [c for c in parts if c.woken_by_up]
        if woken and any("up" in map(_name, c.series) for c in parts if not c.woken_by_up):
            out.extend(woken)  # each alone, as above: a request twin fires on `up` without its series
            parts = [c for c in parts if not c.woken_by_up]
        reading = [c for c in parts if c.reads_up]
        if reading and any("up" in map(_name, c.series) for c in parts if not c.reads_up):
            out.extend(reading)  # each alone: the other cases' `up` would feed the signal these feed directly
            parts = [c for c in parts if not c.reads_up]
        if len(parts) == 1:
            out.append(parts[0])
            continue
        predicting = [c for c in parts if c.predict is not None]
        asked = sorted({(check.at, check.alertname) for c in predicting for check in c.alerts})
        if short := _fed_short_of(predicting, asked):
            out.extend(short)  # each alone: asked past its inputs' end, it would be read stale (see _fed_short_of)
            parts = [c for c in parts if c not in short]
            predicting = [c for c in predicting if c not in short]
            asked = sorted({(check.at, check.alertname) for c in predicting for check in c.alerts})
            if len(parts) == 1:
                out.append(parts[0])
                continue
        checks = [check for c in parts if c.predict is None for check in c.alerts]
        predicts = [c.predict for c in predicting if c.predict is not None]
        for at, name in asked:
            checks.append(AlertCheck(at, name, tuple(chain.from_iterable([p(name, at) for p in predicts]))))
        out.append(
            Case(
                "; ".join([c.name for c in parts]),
                parts[0].interval,
                tuple(chain.from_iterable([c.series for c in parts])),
                tuple(checks),
                tuple(chain.from_iterable([c.exprs for c in parts])),
            )
        )
    return out


def _fed_short_of(predicting: list[Case], asked: list[tuple[int, str]]) -> list[Case]:
    """The cases a merged group would ask, past their own last check and their inputs' last sample, to fire:
    another lane's check (a pair's own `for` of 1h, checked at 1h) asked one whose inputs end at 30m, and its
    prediction (still burning) met inputs gone stale (round 49: drawn settings seed 302, exit 1). Quiet there is
    what stale inputs give, and stays merged. A case whose predictions hold only until its `until` goes apart
    when asked later (slo_plan's `first_only`: seed 345)."""
    short = []
    for case in predicting:
        fed, own = fed_until(case), max((c.at for c in case.alerts), default=0)
        late = [(at, name) for at, name in asked if at > own and fed is not None and at > fed]
        past = case.until is not None and any(at > case.until for at, _ in asked)
        if past or any(case.predict is not None and case.predict(name, at) for at, name in late):
            short.append(case)
    return short


def fed_until(case: Case) -> int | None:
    """The last time (seconds) every input of `case` has a sample, or None where a value list is not read here."""
    counts = [_samples(s.values) for s in case.series]
    if not counts or None in counts:
        return None
    return (min(n for n in counts if n is not None) - 1) * case.interval


def _samples(values: str) -> int | None:
    """Sample times of promtool's expanding notation: `a+bxn` is n + 1 of them, `_xn` n, a lone value one."""
    total = 0
    for token in values.split():
        head, times, count = token.rpartition("x")
        if not times:
            total += 1
        elif count.isdigit():
            total += int(count) + (head != "_")
        else:
            return None
    return total


def _rows(lanes: list[list[Case]]) -> list[tuple[Case | None, ...]]:
    """The lanes' cases by row (the i-th of each), except that a case feeding `up` waits for the next row
    whose other cases ask for no SLODataMissing (beside them it would need a group of its own: see merge)."""
    if not any("up" in map(_name, c.series) for lane in lanes for c in lane):
        return list(zip_longest(*lanes))
    queues = [list(lane) for lane in lanes]
    rows: list[tuple[Case | None, ...]] = []
    while any(queues):
        heads = [q[0] if q else None for q in queues]
        asking = [
            any(k.alertname == names.SLO_DATA_MISSING for k in c.alerts) if c is not None else False for c in heads
        ]
        later = [len(q) > 1 for q in queues]  # a lane with a case left for a later row
        row = []
        for i, (case, queue) in enumerate(zip(heads, queues, strict=True)):
            waits = (
                case is not None
                and "up" in map(_name, case.series)
                and any(asking[:i] + asking[i + 1 :])
                and any(later[:i] + later[i + 1 :])
            )
            row.append(None if waits else case)
            if case is not None and not waits:
                queue.pop(0)
        rows.append(tuple(row))
    return rows


def side_by_side(cases: list[Case]) -> list[Case]:
    """Cases that check the same alert names at the same times (and feed independent series: one per SLO)
    run as one test group: each case's expected alerts are complete for its own inputs, so the union is
    complete for all of them. Cases checking at other times or with expression checks keep their own."""
    groups: dict[tuple[object, ...], list[Case]] = {}
    for case in cases:
        key = (case.interval, tuple((c.at, c.alertname) for c in case.alerts)) if not case.exprs else (id(case),)
        groups.setdefault(key, []).append(case)
    out = []
    for parts in groups.values():
        checks = tuple(
            AlertCheck(check.at, check.alertname, tuple(f for c in parts for f in c.alerts[i].firing))
            for i, check in enumerate(parts[0].alerts)
        )
        fed = tuple(s for c in parts for s in c.series)
        title = "; ".join(c.name for c in parts)
        out.append(parts[0] if len(parts) == 1 else Case(title, parts[0].interval, fed, checks))
    return out


def firing(
    rule: Rule, value: float, query_labels: dict[str, str] | None = None, group: dict[str, str] | None = None
) -> Firing:
    """What promtool must see for `rule` firing with `value`: its labels (and a grouped SLO's `group`
    labels, which come from the expression), its annotations rendered."""
    # (most annotations hold no template: kept as they are without a call, as `render` would keep them)
    rendered = tuple([(k, _annotation(v, value, query_labels, group) if "{{" in v else v) for k, v in rule.annotations])
    labels = tuple(sorted({**dict(rule.labels), **(group or {})}.items())) if group else rule.labels
    return Firing(labels, rendered)


# The value's spellings, remembered by value and type: a fleet's cases expect the same few values in many
# services' alerts. Zero is spelled anew (0.0 and -0.0 are one key but "0" and "-0" in Go).
_SPELLINGS = tuple(
    (placeholder, functools.lru_cache(maxsize=4096, typed=True)(spell))
    for placeholder, spell in (
        (tmpl.PERCENT, tmpl.humanize_percentage),
        (tmpl.DURATION, tmpl.humanize_duration),
        (tmpl.NUMBER, tmpl.humanize),
    )
)


def _annotation(text: str, value: float, query_labels: dict[str, str] | None, group: dict[str, str] | None) -> str:
    """`tmpl.render`, with a shortcut for the common template: one placeholder of the value (a spelled number
    holds no braces, so nothing else is left to expand)."""
    if value and text.count("{{") == 1:
        for placeholder, spell in _SPELLINGS:
            if placeholder in text:
                return text.replace(placeholder, spell(value))
    return tmpl.render(text, value, query_labels, group)


# How far Prometheus's own float arithmetic (a ratio of sums over many samples) may stray from obsc's value of the
# same inputs, in units of a value's 4th significant digit: a billionth of the value (a few ulps, 1e-16 each, per
# operation, with ample room) is at most 1e-5 of that digit.
_STRAY = Decimal("1e-5")
_HALF = Decimal("0.5")
NUDGE = Decimal("1.000001")  # moves the digits past the 4th by at least 1e-3 of it


def spelled_alike(value: float) -> bool:
    """Whether `%.4g` (humanize, humanizePercentage: the value scaled by powers of ten) spells `value` the same
    whatever Prometheus's arithmetic strays by: it is not on a rounding tie, such as 0.011375 as a percentage
    (1.1375%), where Prometheus spells whatever its own ratio of sums gives, which may land on the other side of
    obsc's float: the expected text would then be one digit off."""
    if not value or not math.isfinite(value):
        return True
    exact = Decimal(repr(abs(value)))
    past_fourth = exact.scaleb(3 - exact.adjusted()) % 1  # d.ddd|xyz -> 0.xyz
    return abs(past_fourth - _HALF) > _STRAY


def off_ties(value: Decimal, shown: Callable[[Decimal], float] = float) -> Decimal:
    """`value`, a fed input, raised by millionths until what an annotation shows of it (`shown`) is clear of every
    `%.4g` rounding tie (spelled_alike). Every case builder picks the values it expects spelled through this."""
    for _ in range(64):
        if spelled_alike(shown(value)):
            break
        value *= NUDGE
    return value


def off_ties_fed(value: Decimal, quantum: Decimal) -> Decimal:
    """`value` to a multiple of `quantum` as a case feeds it, clear of `%.4g` rounding ties once fed: off_ties'
    millionths, then a quantum more while a tie is left. At a tiny ratio the quantum undid the millionths (a
    12-nines SLO's hand-over line, 4.5625e-11: Prometheus spelled 4.563e-09% where the case expected 4.562)."""
    fed = off_ties(value, lambda v: float(v.quantize(quantum))).quantize(quantum)
    for _ in range(64):
        if spelled_alike(float(fed)):
            break
        fed += quantum
    return fed


def steps_after(seconds: int, step: int) -> int:
    """The first evaluation time (a multiple of `step`) at or after `seconds`."""
    return -(-seconds // step) * step


def hold_times(hold: int, step: int) -> list[int]:
    """The first step at which an alert held for `hold` fires, and the step before it (still pending)."""
    at = steps_after(hold, step)
    return [at - step, at] if at - step >= 0 else [at]


def fires_at(
    holds: Sequence[bool], for_seconds: int, keep_firing_seconds: int, step: int, held: Sequence[bool] = ()
) -> list[bool]:
    """Whether an alert fires at each evaluation (one every `step`, from 0), given whether its condition holds
    there, as Prometheus 2.42 keeps the state: pending from the first evaluation that holds, firing once it has
    held `for`; a firing alert whose condition breaks keeps firing while less than `keep_firing_for` has passed
    since the first evaluation that broke, and one that holds again by then is still firing (no new `for`).
    `held`: where a branch holds that reads the alert's own ALERTS series, so it holds only while the previous
    evaluation left the alert pending or firing: it keeps an alert and never starts one (empty: no such branch,
    or that evaluation is out of the branch's reach)."""
    out: list[bool] = []
    active_at = kept_since = None
    firing_now = False
    for i, direct in enumerate(holds):
        holding = direct or (bool(held) and held[i] and active_at is not None)
        now = i * step
        if holding:
            active_at, kept_since = now if active_at is None else active_at, None
            firing_now = firing_now or now - active_at >= for_seconds
        elif firing_now and now - (kept_since := now if kept_since is None else kept_since) < keep_firing_seconds:
            pass  # kept firing
        else:
            active_at = kept_since = None
            firing_now = False
        out.append(firing_now)
    return out


def near(expr: str, value: float) -> str:
    """A PromQL check that `expr` is present and within tolerance of `value` (1 when true)."""
    return f"abs({expr} - {value!r}) < bool {EXPR_TOLERANCE}"
