"""What a case expects of a ticket pair its SLO's page covered (page_covered.py): the ticket stays quiet.

A case's inputs are constant, so a pair whose condition holds fires at the first evaluation at or after its `for`
and stays up. A ticket then fires unless a page of its SLO (same lane, same group) fired first or at the same
evaluation (the pages' group is evaluated before the tickets' coarse one) and the ticket was not already firing:
a fed firing ALERTS series of a page counts from the start, one of the ticket's own keeps the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.burnrate import BurnWindow
from compiler.model.types import Tier
from compiler.targets.prometheus.promtool.cases import steps_after
from compiler.targets.prometheus.promtool.slo_state import _State


def uncovered(
    pairs: Sequence[tuple[BurnWindow | None, int]],
    state: _State,
    holding: tuple[tuple[int, float], ...],
    step: int,
) -> tuple[tuple[int, float], ...]:
    """`holding` (rule index, value) without the tickets a page of the same case covers (`pairs`: each rule's
    window pair, if a burn pair, and its `for`; `step`: the case's evaluation interval)."""
    firing = state.held - state.pending  # pairs whose firing ALERTS series the case feeds
    fires = [steps_after(hold, step) for _, hold in pairs]
    paged = [0 for w, _ in pairs if w and w.tier is Tier.CRITICAL and w.name in firing]
    paged += [fires[i] for i, _ in holding if (w := pairs[i][0]) and w.tier is Tier.CRITICAL]
    if not paged:
        return holding
    first = min(paged)

    def covered(i: int) -> bool:
        w = pairs[i][0]
        return w is not None and w.tier is not Tier.CRITICAL and w.name not in firing and first <= fires[i]

    return tuple((i, v) for i, v in holding if not covered(i))
