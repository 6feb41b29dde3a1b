"""An SLO's alert cases side by side in one test group, their inputs told apart by a LANE label.

Cases that set the same windows to other values can neither share a state nor, as they set the coarse
tier that the long windows read over days, run in turn on one timeline: each took a test group (~30 ms of
promtool each for a rich service). The budget alerts compare the remaining budget per series
(`max without (window)`, `and` on every label), so a series that carries `obsc_lane="lane-1"` fires, or
not, on its own. A burn-rate alert compares its long window per series too, but joins its short window
and traffic guard `and on (service, slo)`, where the lane label is dropped: a lane's long window meets
every lane's short window and guard. The planner (slo_plan.py) runs cases side by side only where that
changes no alert of any lane; each case then expects its alerts with its lane label.
"""

from __future__ import annotations

import re

from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing
from compiler.targets.prometheus.rule_model import Rule

# What would drop or ignore the lane label between the inputs and the alert: a join or an aggregation
# naming its labels. `max without (window)` keeps it.
_DROPS = re.compile(r"\b(?:on|ignoring|by|group_left|group_right)\s*\(|\bwithout\s*\((?!\s*window\s*\))")


# A join that only filters: the left-hand side's series (and labels) are kept when any series on the right
# matches on these labels.
_FILTER_JOIN = re.compile(r"\band\s+on\s*\(")
_SET_OPS = re.compile(r"\b(?:or|unless)\b")


def lane_safe(rules: list[Rule]) -> bool:
    """Whether every one of the budget `rules` keeps each label of the series it reads."""
    return bool(rules) and not any(_DROPS.search(r.expr) for r in rules)


def joins_lanes(rules: list[Rule]) -> bool:
    """Whether each of the burn-rate `rules` keeps the labels of its left-hand side and joins the rest only as a
    filter (`and on (...)`): then a lane fires when its own left side holds and any lane's right sides do."""
    return not any(_SET_OPS.search(r.expr) or _DROPS.search(_FILTER_JOIN.sub("and (", r.expr)) for r in rules)


def side_lanes(cases: list[Case], joined: set[str]) -> Case:
    """`cases` (each with its own LANE value but the first) as one: every alert name any of them checks, at
    each time any of them checks it, with what each lane predicts for it (`joined`: the alerts that read
    the lanes' inputs; what the others predict, the first lane speaks for, with the alerts' own labels)."""
    first = cases[0]
    predicts = [c.predict for c in cases if c.predict is not None]
    assert first.predict is not None and len(predicts) == len(cases)

    def predict(name: str, at: int) -> tuple[Firing, ...]:
        if name not in joined:
            return first.predict(name, at) if first.predict is not None else ()
        return tuple(f for p in predicts for f in p(name, at))

    asked = sorted({(check.at, check.alertname) for c in cases for check in c.alerts})
    checks = tuple(AlertCheck(at, name, predict(name, at)) for at, name in asked)
    title = "; ".join(c.name for c in cases)
    return Case(title, first.interval, tuple(s for c in cases for s in c.series), checks, predict=predict)
