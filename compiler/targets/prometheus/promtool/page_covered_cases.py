"""What a case expects of a ticket pair its SLO's page covered (page_covered.py): the ticket stays quiet.

A case's inputs are constant, so a pair whose condition holds fires at the first evaluation at or after its `for`
and stays up. A ticket then fires unless a page of its SLO (same lane, same group) fired first or at the same
evaluation (the pages' group is evaluated before the tickets' coarse one) and the ticket was not already firing:
a fed firing ALERTS series of a page counts from the start, one of the ticket's own keeps the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from compiler.model.types import Tier
from compiler.targets.prometheus.promtool.cases import steps_after

if TYPE_CHECKING:
    from compiler.targets.prometheus.promtool.slo_plan import RuleShape
    from compiler.targets.prometheus.promtool.slo_state import _State


def uncovered(
    rules: Sequence[RuleShape], state: _State, holding: tuple[tuple[int, float], ...], step: int
) -> tuple[tuple[int, float], ...]:
    """`holding` (rule index, value) without the tickets a page of the same case covers (`step`: the case's
    evaluation interval)."""
    firing = state.held - state.pending  # pairs whose firing ALERTS series the case feeds
    paged = [0 for r in rules if r.window and r.window.tier is Tier.CRITICAL and r.window.name in firing]
    paged += [steps_after(rules[i].for_seconds, step) for i, _ in holding if (w := rules[i].window) and w.tier is Tier.CRITICAL]
    if not paged:
        return holding
    first = min(paged)

    def covered(i: int) -> bool:
        w = rules[i].window
        return w is not None and w.tier is not Tier.CRITICAL and w.name not in firing and first <= steps_after(rules[i].for_seconds, step)

    return tuple((i, v) for i, v in holding if not covered(i))
