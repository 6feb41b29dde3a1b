"""The alert values an SLO plan's oracle predicts: each burn pair's line (factor x budget), its hold and traffic
guard, and the budget alerts' lines, read from the rule text's numbers as Prometheus reads them (slo_plan.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from compiler.model.burnrate import (
    BurnWindow,
    count_floor,
    error_ratio_threshold,
    recorded_windows,
    recording_tiers,
    recovery_windows,
)
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import Service, Slo, Tier
from compiler.model.units import decimal_text
from compiler.targets.prometheus.counted_short import restart_floor, slice_gate
from compiler.targets.prometheus.promtool.cases import NUDGE, spelled_alike
from compiler.targets.prometheus.promtool.slice_counts import counted
from compiler.targets.prometheus.promtool.slo_state import (
    Burst,
    _State,
    event_bursts,
    fed_bursts,
    short_holds,
)


@dataclass(frozen=True)
class Lines:
    """The numbers an SLO's alerts compare with, as Prometheus reads them: worked out once per SLO."""

    period_seconds: int
    budget: float  # the error budget
    budget_left: float  # the budget-low line
    min_bad_events: int  # the low-traffic guard (0: none)
    burn: dict[str, float]  # window name → error-ratio line (factor × budget)
    unguarded_missing: bool = False  # SLODataMissing has no `up` guard (targets: false): it fires without raw series
    recorded: tuple[int, ...] = ()  # every window the error ratio is recorded over (the pairs' steps between)
    thin: bool = False  # event counts: a short window too thin to show a failure at the line holds (slo_state.ends)
    sliced: bool = False  # time slices: one with too few slices at the windows above it holds (slo_state.ends)
    gates: tuple[float, ...] = ()  # time slices: per pair (in `burn` order) its gate (counted_short.slice_gate)
    bursts: tuple[Burst, ...] = ()  # per pair (in `burn` order) its burst's end (slo_state.Burst), if any
    pages: frozenset[str] = frozenset()  # the page pairs, whose firing a time-slice page pair's start reads

    @classmethod
    def of(cls, slo: Slo, windows: list[BurnWindow], service: Service | None = None) -> Lines:
        unguarded = service is not None and not service.targets
        left = slo.alerting.budget_left
        recorded = recorded_windows(slo)
        at = cls.at(slo.period_seconds, slo.error_budget, left, slo.min_bad_events, windows, unguarded, recorded)
        gates = tuple(float(slice_gate(slo, w)) for w in windows)
        sliced, thin = slo.sli.kind in SLICE_KINDS, slo.sli.kind not in UNCOUNTED_KINDS
        bursts = fed_bursts(recorded, windows, counted(slo)) if sliced else ()
        lines = [error_ratio_threshold(slo, w) for w in windows]
        bursts = event_bursts(recorded, windows, lines, slo.min_bad_events > 0) if thin else bursts
        return replace(at, thin=thin, sliced=sliced, gates=gates, bursts=bursts, pages=page_pairs(windows))

    @classmethod
    def at(
        cls,
        period_seconds: int,
        error_budget: Decimal,
        budget_left: Decimal,
        min_bad_events: int,
        windows: list[BurnWindow] | tuple[BurnWindow, ...],
        unguarded_missing: bool,
        recorded: tuple[int, ...] = (),
    ) -> Lines:
        budget = _float(decimal_text(error_budget))
        return cls(
            unguarded_missing=unguarded_missing,
            recorded=recorded,
            period_seconds=period_seconds,
            budget=budget,
            budget_left=_float(decimal_text(budget_left)),
            min_bad_events=min_bad_events,
            burn={w.name: _float(w.factor_text(period_seconds)) * budget for w in windows},
        )


class AlertKind(Protocol):
    """What the oracle reads of an alert (an AlertDef, or a RuleShape)."""

    @property
    def window(self) -> BurnWindow | None: ...
    @property
    def budget(self) -> str | None: ...
    @property
    def data_missing(self) -> bool: ...
    @property
    def stale(self) -> bool: ...


def alert_value(alert: AlertKind, lines: Lines, state: _State) -> float | None:
    """The alert's expression value under `state`, or None when its condition does not hold."""
    if alert.data_missing or alert.stale:  # these cases feed no raw series
        return 1.0 if alert.data_missing and lines.unguarded_missing else None
    w = alert.window
    if w is not None:
        threshold = lines.burn[w.name]
        _, _, bad_long, long = state.window(w.long_seconds)
        gate = dict(zip(lines.burn, lines.gates, strict=False)).get(w.name, 2.0)
        burst = dict(zip(lines.burn, lines.bursts, strict=False)).get(w.name)
        steps = recovery_windows(lines.recorded, w)
        floor = restart_floor(lines.min_bad_events)
        holds = short_holds(state, w, threshold, steps, lines.thin, lines.sliced, gate, burst, lines.pages, floor)
        if not (long > threshold and state.fed(w.long_seconds) and holds):
            return None
        guarded = float(state.bad_slices(w.long_seconds)) if lines.sliced else bad_long * w.long_seconds
        if lines.min_bad_events and not guarded >= _float(decimal_text(count_floor(lines.min_bad_events))):
            return None
        return long
    remaining = 1 - (state.window(lines.period_seconds)[3] / lines.budget)
    if alert.budget == "low":
        return remaining if remaining < lines.budget_left and remaining > 0 else None
    return remaining if remaining <= 0 else None


def off_tied(alerts: Sequence[AlertKind], lines: Lines, state: _State) -> tuple[float | None, ...]:
    """Each alert's value under `state` (alert_value), after raising by millionths the window a shown value is read
    from (a pair's long window, the coarse tier for the budget alerts) until every value is clear of `%.4g` rounding
    ties (cases.spelled_alike): whatever ratio a case builder set (1.25x a line, a share of a budget, a coarse ratio
    read back over the history seen), Prometheus's own arithmetic may land on the other side of a tie. Found at
    objective 99.05 (round 54): the 3d/6h pair's line at 1.25x, 0.011875, read back over 1d8h of history seen,
    showed 1.187% where the case expected 1.188%."""
    values = tuple(alert_value(a, lines, state) for a in alerts)
    for _ in range(64):
        tied = [a for a, v in zip(alerts, values, strict=True) if v is not None and not spelled_alike(v)]
        if not tied:
            break
        for seconds in {a.window.long_seconds if a.window else lines.period_seconds for a in tied}:
            if recording_tiers().is_coarse(seconds):
                state.coarse *= NUDGE
            else:
                state.ratios[seconds] = state.ratios.get(seconds, Decimal(0)) * NUDGE
        state._windows.clear()  # its memo of what each window reads
        values = tuple(alert_value(a, lines, state) for a in alerts)
    return values


def page_pairs(windows: Iterable[BurnWindow]) -> frozenset[str]:
    """The names of the page pairs among `windows`: one alert, whose firing a page pair's start reads
    (counted_short.paged_within)."""
    return frozenset(w.name for w in windows if w.tier is Tier.CRITICAL)


@functools.lru_cache(maxsize=4096)
def _float(text: str) -> float:
    """A number as Prometheus reads it from the rule text."""
    return float(text)
