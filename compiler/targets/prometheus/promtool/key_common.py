"""Helpers shared by the key-metric case builders (key_cases.py, traffic_cases.py): the time units, how far
past a line the inputs go, a rule's threshold, a service's recorded signal and the expected alerts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from compiler import conventions as names
from compiler.model.types import Service
from compiler.targets.prometheus.promtool.cases import AlertCheck, Firing, InputSeries, firing
from compiler.targets.prometheus.rule_model import Rule

DAY, WEEK = 86400, 7 * 86400
ABOVE, BELOW = Decimal("1.25"), Decimal("0.8")  # how far past (or short of) a line the inputs go


def threshold(rule: Rule) -> Decimal:
    assert rule.source is not None and rule.source.key_alert is not None
    line = rule.source.key_alert.threshold
    assert line is not None
    return line


def signal(service: Service, name: str, values: str) -> InputSeries:
    return InputSeries(name, ((names.LABEL_SERVICE, service.name),), values)


def check(
    rules: list[Rule],
    at: int,
    value_of: Callable[[Rule], float | None],
    active_at: int = 0,
    lane: dict[str, str] | None = None,
    made: dict[int, Firing] | None = None,
) -> AlertCheck:
    """Every rule of one alert name that holds (a value) and has held since `active_at` for its `for`
    (with `lane`: on the series carrying that LANE label, which the alert keeps). `made`: the firings of
    these rules under this `value_of` and `lane` already made, by rule index (for checks at several times)."""
    fired = []
    for n, rule in enumerate(rules):
        value = value_of(rule)
        if value is not None and at - active_at >= rule.for_seconds:
            one = made.get(n) if made is not None else None
            if one is None:
                one = firing(rule, value, group={**dict(rule.labels), **lane} if lane else None)
                if made is not None:
                    made[n] = one
            fired.append(one)
    return AlertCheck(at, rules[0].alert, tuple(fired))


def union(checks: list[AlertCheck]) -> tuple[AlertCheck, ...]:
    """Checks of one alert at one time as one (in first-seen order): promtool compares the whole set firing
    then, and each lane's check lists what fires on its own series; sound only if every lane checks every
    time it may fire."""
    merged: dict[tuple[int, str], list[AlertCheck]] = {}
    for one in checks:
        merged.setdefault((one.at, one.alertname), []).append(one)
    return tuple(AlertCheck(at, name, tuple(f for c in same for f in c.firing)) for (at, name), same in merged.items())
