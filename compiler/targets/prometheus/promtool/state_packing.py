"""Independent SLO states packed together into one test group.

promtool re-reads the rule file and re-evaluates every rule for each test group (~26 ms of a rich
service's rules per group, ~7 ms per evaluation step), so states that set disjoint windows of one SLO
(the 1h/5m pair burning beside the 6h/30m pair's burst that ended) run as one state: each alert reads
only its own windows, and the oracle predicts every rule of the SLO from the joined state.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from compiler.targets.prometheus.promtool.slo_state import _State


def join(states: Iterable[_State]) -> _State:
    """One state setting what each of `states` sets (they set disjoint windows at the same traffic)."""
    out = _State()
    for state in states:
        out.ratios.update(state.ratios)
        out.totals.update(state.totals)
        out.coarse = out.coarse or state.coarse
        out.coarse_seen = out.coarse_seen or state.coarse_seen
        out.total = state.total
        out.held |= state.held
        out.pending |= state.pending
        out.paged = out.paged or state.paged
        out.counts.update(state.counts)
    return out


def pack(states: list[_State]) -> list[list[int]]:
    """Indexes of `states` in bins of disjoint windows and equal default traffic, first fit in order."""
    bins: list[tuple[set[int], Decimal, list[int]]] = []
    for i, state in enumerate(states):
        keys = state.keys()
        for used, total, members in bins:
            if total == state.total and not used & keys:
                used |= keys
                members.append(i)
                break
        else:
            bins.append((set(keys), state.total, [i]))
    return [members for _, _, members in bins]
