"""Test cases for SLO rules: burn-rate and budget alerts from recorded window rates, recordings from raw counters.

Alert cases feed each window's recorded bad and total event rates directly (one constant per window),
so one window pair can burn while every other stays quiet; the ratio rules, the coarse sums and the
alerts all run on them. Predictions follow the model (threshold = factor × budget, both windows, the
traffic guard, `for`), not the PromQL: slo_plan.py works them out, in numbers, once per SLO shape; here
the service's names, labels and annotations are added.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from compiler import conventions as names
from compiler.model.burnrate import recorded_windows
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
    near,
)
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.lanes import side_lanes
from compiler.targets.prometheus.promtool.series import Phase, counter_values, exposed_le, labelled, satisfy
from compiler.targets.prometheus.promtool.slo_plan import Part, Shape, plan
from compiler.targets.prometheus.promtool.slo_state import Feed
from compiler.targets.prometheus.promtool.unscraped import padded
from compiler.targets.prometheus.promtool.young_cases import seen_share, young_case
from compiler.targets.prometheus.rule_model import Rule, ServiceRules, label_selector, series
from compiler.targets.prometheus.slo import slo_labels


class _Cases:
    """An SLO's alert cases from its plan (slo_plan.py), with the service's names, labels and annotations. What
    its cases share is worked out once: the input series' names and labels per lane, and each firing alert
    rendered once per rule, value and lane."""

    def __init__(self, service: Service, slo: Slo, rules: list[Rule], step: int) -> None:
        self._service, self._slo, self._rules, self._step = service, slo, rules, step
        self._fired: dict[tuple[int, float, str], Firing] = {}
        self._lanes: dict[str, tuple[dict[str, str], Feed]] = {}

    def case(self, part: Part, lane: str = "") -> Case:
        """Constant inputs from 0; the part's alert names asserted at each of its times.

        Names a case is not about are left unchecked where other alerts fire as a side effect (the budget
        runs out while a ticket-tier pair burns): each firing assertion spells out every annotation.
        `lane`: a LANE label value carried by the inputs and so by what fires (see lanes.py).
        """
        known = self._lanes.get(lane)
        if known is None:
            group = {**sample_group(self._slo), **({LANE: lane} if lane else {})}
            first = self._lanes.get("")
            feed = first[1].beside(group) if first else Feed(self._service, self._slo, group)
            known = self._lanes[lane] = (group, feed)
        group, feed = known
        made, rules = self._fired, self._rules
        fired: dict[int, Firing] = {}  # rule index → what fires
        for i, value in part.holding:
            key = (i, value, lane)
            one = made.get(key)
            if one is None:
                # (an unguarded data-missing alert fires from no series at all: none of the inputs' labels)
                source = rules[i].source
                bare = source is not None and source.data_missing
                one = made[key] = firing(rules[i], value, group={} if bare else group)
            fired[i] = one
        fires = part.fires

        def predict(name: str, at: int) -> tuple[Firing, ...]:
            held = fires.get(name)
            return tuple([fired[i] for hold, i in held if at >= hold]) if held else ()

        checks = tuple(
            [quiet or AlertCheck(at, name, tuple([fired[i] for i in due])) for quiet, at, name, due in part.checks]
        )
        title = _title(self._slo.name, part.titles)
        return Case(title, self._step, feed.series(part.rates), checks, predict=predict, until=part.horizon)


@functools.lru_cache(maxsize=1024)
def _title(slo_name: str, titles: tuple[str, ...]) -> str:
    """A part's title: the same for every SLO of one name and shape (most of a fleet's)."""
    return "; ".join(f"{slo_name}: {t}" for t in titles)


def _alert_cases(service: Service, slo: Slo, rules: list[Rule], step: int) -> list[Case]:
    """The SLO's burn-rate and budget alert cases (see slo_plan.py)."""
    shown = plan(Shape.of(service, slo, rules, step))
    build = _Cases(service, slo, rules, step)
    joined = set(shown.joined)
    # the first lane of each group keeps the alerts' own labels
    lanes = [[build.case(part, f"lane-{n}" if n else "") for n, part in enumerate(group)] for group in shown.groups]
    return [cases[0] if len(cases) == 1 else side_lanes(cases, joined) for cases in lanes]


# ---- recording rules from raw counters

# Each check sits on the 30m evaluation grid as early as its phase allows: the group's timeline (and the
# data-missing scenarios chained after it) is 3h; promtool pays ~7 ms per step. Idle comes between busy and
# failing, so at the end the 2h window (busy, idle, failing) and the 1h window (idle, failing) differ.
_PHASES = (
    Phase(45, 60, 15),  # a quarter of events fail
    Phase(15, 60, 60),  # then every event fails: short windows must show it at once
    Phase(30, 180, 0),  # busy and healthy...
    Phase(60, 0, 0),  # no traffic: no ratio at all, not NaN (the 1h window holds only the flat counters)
    Phase(30, 60, 30),  # ...then quiet and failing: a ratio of sums, not a mean of ratios
)
_STEADY, _SPIKE, _IDLE, _END = 30, 60, 150, 180  # minutes at which the case checks (multiples of 30)


@functools.cache
def _per_minute(role: str) -> tuple[int, ...]:
    """Events of `role` in each minute of the phases."""
    return tuple(phase.per_minute(role) for phase in _PHASES for _ in range(phase.minutes))


@functools.lru_cache(maxsize=64)
def _window_ratio(at: int, minutes: int) -> float:
    """Bad over total events in the `minutes` before minute `at`: what a raw-rate window must show."""
    bad, total = _per_minute("bad")[at - minutes : at], _per_minute("total")[at - minutes : at]
    return sum(bad) / sum(total)


@functools.lru_cache(maxsize=64)
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
        assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None
        sel = sli.latency.selector
        labels = satisfy(sel.matchers)
        if labels is None or set(slo.by) & set(labels):
            return None
        labels = {**labels, **sample_group(slo)}
        bucket = {**labels, "le": exposed_le(sli.threshold_le)}
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
        # The events outside a good selector carry its label with a value it refuses (result="error"): a total
        # series without it is what SLODataMissing reports (an instance writing another label name).
        outside = satisfy((*total.matchers, *labelled(sli)), avoid=part.selector.matchers)
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
    selected = label_selector(own)  # `series(name, own)` is the name and this, for every ratio checked
    exprs: list[ExprCheck] = []

    def ratio_near(at: int, window: str, value: float, tolerance: str | None = None) -> None:
        labels = _labels_text({**own, names.LABEL_WINDOW: window})
        expr = near(names.sli_error_ratio(window) + selected, value)
        if tolerance:
            expr = expr.rsplit(" ", 1)[0] + f" {tolerance}"
        exprs.append(ExprCheck(at, expr, ((labels, 1.0),)))

    steady = _STEADY * 60
    # rate() needs two samples in its window: with a sample a minute, windows under 2m (a platform's catalog for
    # a fast scrape interval) record nothing here and are not checked
    for seconds in (s for s in recorded_windows(slo) if s >= 120):  # a coarse window: of the time it has seen
        ratio_near(steady, format_duration(seconds), 0.25 * seen_share(_STEADY, step, seconds))
    remaining = 1 - 0.25 * seen_share(_STEADY, step, slo.period_seconds) / float(decimal_text(slo.error_budget))
    exprs.append(ExprCheck(steady, near(names.SLO_BUDGET_REMAINING + selected, remaining), ((selected, 1.0),)))
    for record, value in (
        (names.SLO_OBJECTIVE, slo.objective_ratio),
        (names.SLO_ERROR_BUDGET, slo.error_budget),
        (names.SLO_PERIOD_SECONDS, Decimal(slo.period_seconds)),
    ):
        shown = series(record, meta)
        exprs.append(ExprCheck(steady, shown, ((shown, float(decimal_text(value))),)))
    # Only the windows the SLO records among those these phases were laid out for (a platform's own
    # catalog may leave some out: its rules then record no such series).
    recorded = set(recorded_windows(slo))
    for minutes in (m for m in (5, 30, 60) if m * 60 in recorded):  # 15 minutes into a total outage, without lag
        ratio_near(_SPIKE * 60, format_duration(minutes * 60), _window_ratio(_SPIKE, minutes))
    for minutes in (m for m in (5, 30, 60) if m * 60 in recorded):
        exprs.append(ExprCheck(_IDLE * 60, names.sli_error_ratio(format_duration(minutes * 60)) + selected, ()))
    if 7200 in recorded:  # 0.125: a ratio of sums (a mean of ratios: 0.25)
        ratio_near(_END * 60, "2h", _window_ratio(_END, 120))
    # The period window sums the coarse tier's samples of bad and all events: a ratio of sums too, of the 3h seen.
    period = slo.period_seconds
    ratio_near(_END * 60, format_duration(period), _coarse_ratio(_END, step) * seen_share(_END, step, period))
    return Case(
        f"{slo.name}: recorded ratios from raw counters (no lag, no NaN without traffic, ratios of sums)",
        60,
        inputs,
        (),
        tuple(exprs),
    )


def _labels_text(labels: dict[str, str]) -> str:
    """`{a="x",b="y"}`, labels sorted: a selector without its name."""
    return label_selector(labels)


def slo_cases(service: Service, rules: ServiceRules, step: int) -> tuple[list[list[Case]], list[list[Case]]]:
    """(alert-case lanes, raw-counter lanes): one lane per SLO, safe to run side by side (see merge).

    Raw lanes run together only when their counters are different metrics, so that no SLO's selectors
    pick up another's synthetic series."""
    alert_lanes: list[tuple[Slo, list[Rule], list[Case]]] = []
    raw_lanes: list[list[Case]] = []
    metrics_seen: set[str] = set()
    alert_rules = rules.alert_rules
    for slo in service.slos:
        mine = slo_case_rules(alert_rules, slo)
        if mine:
            alert_lanes.append((slo, mine, _alert_cases(service, slo, mine, step)))
        raw = _raw_case(service, slo, step) or young_case(service, slo, step)
        metrics = {s.name for s in raw.series}
        if raw_lanes and metrics & metrics_seen:
            raw_lanes[0].append(raw)  # after, not beside, the SLO whose counters it shares
        else:
            raw_lanes.append([raw])
        metrics_seen |= metrics
    return padded(service, alert_lanes, step), raw_lanes


def plan_cases(service: Service, rules: ServiceRules, step: int) -> None:
    """Plan the SLOs' alert cases as `slo_cases` does, into `plan`'s cache: the pipeline's prepare step asks it
    for one service in the parent before the fork, so that each worker inherits the plans of a fleet made
    from one template instead of working out its own (a rich SLO's: ~0.1 CPU-s per worker)."""
    for slo in service.slos:
        if mine := slo_case_rules(rules.alert_rules, slo):
            plan(Shape.of(service, slo, mine, step))


def slo_case_rules(alert_rules: Sequence[Rule], slo: Slo) -> list[Rule]:
    """The alert rules of `slo` its cases exercise: not the failures-counter notice (it reads raw series only,
    which these cases never feed, and its 6h hold would stretch every case; missing_family.py's cases show it)."""
    return [
        r
        for r in alert_rules
        if r.source is not None
        and r.source.slo is not None
        and r.source.slo.name == slo.name
        and not r.source.failures_unseen
    ]
