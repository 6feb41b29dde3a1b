"""The holds (`for`, `keep_firing_for`) of a spec's own threshold alerts (`threshold_alerts:`), beside the key
alerts' (hold_cases.py), at 1m or on the service's grid (hold_grid.py).

The main file steps every 30 minutes, where a 10m `for` and one doubled both fire at its first step after 0,
and no case checks where a `keep_firing_for` ends: round 33's full sweep left 11 of the Kafka consumer example's
hold mutants alive. Here each alert's recorded signal is past its line (a quarter, as in threshold_cases.py)
from 0 until two steps past its `for`, then short of it; alerts reading one signal go past every line of them,
then short of every one. Each is checked one step before its `for` ends and at it, and one step before its
`keep_firing_for` ends after the drop and at it (each end taken to the grid); what fires is replayed from the
inputs as Prometheus 2.42 keeps alert state (cases.fires_at). The signal stays fed throughout, so a missing-data
twin (its own timeline is in the twins file) stays quiet.

A `within` timestamp fed at 1m keeps the time left at each value only at the samples: a declared interval under a
minute (30s, 45s: interval_cases.py) evaluates between them, where the time left is short by the time since the
latest sample. The quiet value stands a minute further from the line, and each check expects the value of the
alert's latest evaluation over the line (a kept alert keeps it), read that way (selftest53: drawn fleet 5000).
"""

from __future__ import annotations

from decimal import Decimal

from compiler import conventions as names
from compiler.model.thresholds import signal_name
from compiler.model.types import Comparison, Service, ThresholdAlert
from compiler.model.units import decimal_text
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.promtool.cases import AlertCheck, InputSeries, fires_at
from compiler.targets.prometheus.promtool.hold_feed import HoldFeed
from compiler.targets.prometheus.promtool.hold_grid import STEP, Admit, up_to_grid
from compiler.targets.prometheus.promtool.threshold_cases import fire_side, quiet_side, threshold_firing
from compiler.targets.prometheus.rule_model import Rule, ServiceRules


def _alert(rule: Rule) -> ThresholdAlert | None:
    return rule.source.threshold if rule.source is not None else None


def threshold_units(rules: ServiceRules) -> list[list[Rule]]:
    """The spec's threshold alerts that hold, by the signal they read (fed together): the units a holds file
    takes or leaves whole."""
    by_signal: dict[str, list[Rule]] = {}
    for rule in rules.alert_rules:
        alert = _alert(rule)
        if alert is not None and not is_missing(rule) and (rule.for_seconds or rule.keep_firing_seconds):
            by_signal.setdefault(signal_name(alert), []).append(rule)
    return list(by_signal.values())


def _values(alert: ThresholdAlert, high: Decimal, low: Decimal, breach: int, minutes: int) -> str:
    """`high` for `breach` 1m samples from 0, then `low` up to `minutes`; a `within` timestamp runs ahead of the
    clock at its pace, so the time left stays each value."""
    pace = STEP if alert.comparison is Comparison.WITHIN else 0
    later = low + pace * breach
    return f"{decimal_text(high)}+{pace}x{breach - 1} {decimal_text(later)}+{pace}x{minutes - breach - 1}"


def _together(unit: list[Rule], step: int) -> tuple[Decimal, Decimal] | None:
    """A value past every line of the unit and one short of every line, evaluated every `step`; None when its
    alerts compare in different ways (no such pair may exist)."""
    alerts = [a for a in map(_alert, unit) if a is not None]
    if len({a.comparison for a in alerts}) != 1:
        return None
    fire, quiet = [fire_side(a) for a in alerts], [quiet_side(a) for a in alerts]
    if alerts[0].comparison is Comparison.ABOVE:
        return max(fire), min(quiet)
    if alerts[0].comparison is Comparison.WITHIN and step % STEP:
        return min(fire), max(quiet) + STEP  # read up to a minute short between samples, still short of the line
    return min(fire), max(quiet)  # below, and within (less time left fires)


def _shown(alert: ThresholdAlert, high: Decimal, at: int, last: int) -> float:
    """The value an alert fed `high` shows at `at`: that of its latest evaluation over the line (`last`, the last
    before the drop; a kept alert keeps it). A `within` timestamp reads from its latest 1m sample, so between
    samples the time left is short by the time since it."""
    if alert.comparison is not Comparison.WITHIN:
        return float(decimal_text(high))
    return float(decimal_text(high - min(at, last) % STEP))


def threshold_holds(
    service: Service, rules: ServiceRules, feed: HoldFeed, step: int, admit: Admit
) -> tuple[tuple[InputSeries, ...], list[AlertCheck]]:
    """The series to feed and the checks, evaluated every `step`, for the units `admit` takes whose signal no
    rule of the file also writes (`feed`)."""
    series: list[InputSeries] = []
    states: list[tuple[Rule, dict[str, str], Decimal, int, list[bool]]] = []
    times: dict[str, set[int]] = {}
    for unit in threshold_units(rules):
        values = _together(unit, step) if admit(unit) else None
        first = _alert(unit[0])
        if values is None or first is None:
            continue
        high, low = values
        breach = (2 + max(r.for_seconds for r in unit) // step) * step // STEP  # minutes, ending on the grid
        minutes = breach + up_to_grid(max(r.keep_firing_seconds for r in unit), step) // STEP + 1
        labels = {names.LABEL_SERVICE: service.name, **{label: "obsc" for label in first.by}}
        fed = InputSeries(signal_name(first), tuple(sorted(labels.items())), _values(first, high, low, breach, minutes))
        if not feed.admits((fed,)):
            continue
        series.append(fed)
        holds = [m * step < breach * STEP for m in range(minutes * STEP // step + 1)]
        last = (breach * STEP - 1) // step * step  # the last evaluation over the line
        for rule in unit:
            fires = fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, step)
            states.append((rule, labels, high, last, fires))
            held, kept = up_to_grid(rule.for_seconds, step), breach * STEP + up_to_grid(rule.keep_firing_seconds, step)
            times.setdefault(rule.alert, set()).update(t for t in (held - step, held, kept - step, kept) if t >= 0)
    checks = [
        AlertCheck(
            at,
            name,
            tuple(
                threshold_firing(rule, _shown(alert, high, at, last), labels)
                for rule, labels, high, last, fires in states
                if rule.alert == name and fires[at // step] and (alert := _alert(rule)) is not None
            ),
        )
        for name, at_ in times.items()
        for at in sorted(at_)
    ]
    return tuple(series), checks
