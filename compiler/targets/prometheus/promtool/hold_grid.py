"""The evaluation step of a service's holds file (`<service>.holds.test.yaml`), and which holds it takes.

A holds group's promtool CPU is its evaluation steps (README "Known limits", round 31): at 1m a 15m `for` and a
15m `keep_firing_for` cost 33 steps of every rule the group loads. A grid step s pins a hold as well as 1m does
when s <= every `for` and s < every `keep_firing_for`: checked at the grid points either side of each end, a
`for` doubled ends at least a step later (2F >= F + s), one removed fires at the step before F; a
`keep_firing_for` removed ends at the drop, one halved ends at least a step earlier (K > s). A zero hold has
nothing to pin. A unit (the rules one part of the group drives together) goes to the coarse file when its own
longest such step reaches the file's; the others stay in the 1m scrapes file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from compiler.targets.prometheus.rule_model import Rule

STEP = 60  # the scrapes file's step, and the grid's unit: whole minutes
Admit = Callable[[Sequence[Rule]], bool]  # whether a unit's holds go in the file being built


def allowed_step(unit: Sequence[Rule]) -> int:
    """The longest whole-minute step that pins every hold of `unit` as 1m does (at least STEP)."""
    limits = [r.for_seconds for r in unit if r.for_seconds]
    limits += [r.keep_firing_seconds - 1 for r in unit if r.keep_firing_seconds]  # strictly under it
    return max(STEP, min(limits) // STEP * STEP) if limits else STEP


def up_to_grid(seconds: int, step: int) -> int:
    """The first grid point at or after `seconds` (from 0)."""
    return -(-seconds // step) * step


def _span(unit: Sequence[Rule]) -> int:
    """What a unit's timeline takes: its longest `for` and longest `keep_firing_for`."""
    return max(r.for_seconds for r in unit) + max(r.keep_firing_seconds for r in unit)


def _cost(units: Sequence[Sequence[Rule]], step: int) -> int:
    """A group's evaluations: its steps (the longest unit's span) times the alert rules it asserts (a focused
    group loads little else: README "Known limits", round 31, measured the burn pairs' rules as half of it)."""
    return max(map(_span, units)) // step * sum(map(len, units)) if units else 0


def holds_step(units: Sequence[Sequence[Rule]]) -> int:
    """The service's coarse grid: of the steps its units allow, the one with the fewest evaluations in all (the
    coarse group's, the 1m group's of the units left behind, and a second group's fixed cost; ties to the longer
    step); STEP (no holds file) when no step beats keeping every unit at 1m."""
    best, fewest = STEP, _cost(units, STEP)
    for step in sorted({allowed_step(u) for u in units} - {STEP}, reverse=True):
        coarse = [u for u in units if allowed_step(u) >= step]
        fine = [u for u in units if allowed_step(u) < step]
        cost = _cost(coarse, step) + _cost(fine, STEP) + _GROUP_COST
        if cost < fewest:
            best, fewest = step, cost
    return best


# A test group of its own costs promtool about as much as a few dozen rule evaluations (loading the rules,
# opening its TSDB): a coarse file must save more than that.
_GROUP_COST = 50
