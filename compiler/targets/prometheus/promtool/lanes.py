"""An SLO's budget cases side by side in one test group, their inputs told apart by a LANE label.

The budget cases (low, not low yet, exhausted) all set the coarse tier, which the period window reads
over 30 days, so they can neither share a state nor run in turn on one timeline: each took a test group
(~30 ms of promtool each for a rich service). The budget alerts compare the remaining budget per series
(`max without (window)`, `and` on every label), so a series that carries `obsc_lane="budget-1"` fires, or
not, on its own: the cases run beside each other and each expects its alerts with its lane label.
The burn-rate alerts join their windows `on (service, slo)`, which would mix lanes: they stay apart.
"""

from __future__ import annotations

import re

from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing
from compiler.targets.prometheus.rule_model import Rule

# What would drop or ignore the lane label between the inputs and the alert: a join or an aggregation
# naming its labels. `max without (window)` keeps it.
_DROPS = re.compile(r"\b(?:on|ignoring|by|group_left|group_right)\s*\(|\bwithout\s*\((?!\s*window\s*\))")


def lane_safe(rules: list[Rule]) -> bool:
    """Whether every one of the budget `rules` keeps each label of the series it reads."""
    return bool(rules) and not any(_DROPS.search(r.expr) for r in rules)


def budget_lanes(cases: list[Case], budget: set[str]) -> list[Case]:
    """`cases` (each with its own LANE value, checking the same budget alerts at the same times) as one."""
    if len(cases) < 2 or len({tuple((c.at, c.alertname) for c in case.alerts) for case in cases}) > 1:
        return cases
    first = cases[0]
    predicts = [c.predict for c in cases if c.predict is not None]
    assert first.predict is not None and len(predicts) == len(cases)

    def predict(name: str, at: int) -> tuple[Firing, ...]:
        # Other alerts of the SLO read no lane's inputs the same way (the burn-rate joins, an unguarded
        # SLODataMissing): the first lane, with the alerts' own labels, speaks for all.
        if name not in budget:
            return first.predict(name, at) if first.predict is not None else ()
        return tuple(f for p in predicts for f in p(name, at))

    checks = tuple(
        AlertCheck(check.at, check.alertname, tuple(f for c in cases for f in c.alerts[i].firing))
        for i, check in enumerate(first.alerts)
    )
    title = "; ".join(c.name for c in cases)
    return [Case(title, first.interval, tuple(s for c in cases for s in c.series), checks, predict=predict)]
