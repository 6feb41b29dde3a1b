"""Independent SLO states packed together into one test group.

promtool re-reads the rule file and re-evaluates every rule for each test group (~26 ms of a rich
service's rules per group, ~7 ms per evaluation step), so states that set disjoint windows of one SLO
(the 1h/5m pair burning beside the 6h/30m pair's burst that ended) run as one state: each alert reads
only its own windows, and the oracle predicts every rule of the SLO from the joined state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


def pack(
    states: list[_State],
    lasts: list[int] | None = None,
    horizons: list[int | None] | None = None,
    floored: Mapping[str, int] | None = None,
    clash: Callable[[list[int]], bool] | None = None,
) -> list[list[int]]:
    """Indexes of `states` in bins of disjoint windows and equal default traffic, first fit in order. With `lasts`
    (each state's last check) and `horizons` (the last time a state's prediction holds, None: any), no bin is
    checked past a member's horizon: a bin is checked whenever any member is. With `floored` (an SLO with a restart
    floor: each page pair's name → its short window's seconds), the rows the floor's waiver would blur stay apart
    (`_floor_told`). With `clash`, no bin holds members it says clash (slo_plan's `shy`)."""
    bins: list[tuple[set[int], Decimal, list[int]]] = []
    for i, state in enumerate(states):
        keys = state.keys()
        for used, total, members in bins:
            if total == state.total and not used & keys and _within([*members, i], lasts, horizons):
                beside = [states[m] for m in members]
                if not _held_alike(beside, state) or (floored and not _floor_told(beside, state, floored)):
                    continue
                if clash is not None and clash([*members, i]):
                    continue
                used |= keys
                members.append(i)
                break
        else:
            bins.append((set(keys), state.total, [i]))
    return [members for _, _, members in bins]


def _held_alike(members: list[_State], state: _State) -> bool:
    """Whether `state` holds no page pair another member does not (or the other way round): a row after a page
    with the other page pair up (event_strays, a hand-over) beside the converse row would hold each pair by
    the other's fed ALERTS, and the floor's waiver would go unread (counted_short.paged_now, round 51)."""
    return all(not state.held or not m.held or m.held == state.held for m in members)


def _floor_told(members: list[_State], state: _State, floored: Mapping[str, int]) -> bool:
    """Whether `state` may join `members` with the restart floor's rows still telling what they tell alone
    (counted_short.paged_now, round 51): a row after a page holding no page pair (the floor read) never beside a
    row holding one (its fed ALERTS waive the floor: intranet's floor of 3 raised by half passed, the 4.25 failures
    starting either way); a row holding a page pair whose short window it does not set (a hand-over) never beside
    the row that sets it (that row's pair would be held: intranet's 0.064 failures at 0.8x the line fired through
    the pair's thin-short hold, and its `S > L` lowered by 40% passed)."""
    for one in members:
        for a, b in ((one, state), (state, one)):
            if a.paged and not a.held & floored.keys() and b.held & floored.keys():
                return False
            if any(floored[name] in b.keys() - a.keys() for name in a.held & floored.keys()):
                return False
    return True


def _within(members: list[int], lasts: list[int] | None, horizons: list[int | None] | None) -> bool:
    if lasts is None or horizons is None:
        return True
    bounds = [h for h in (horizons[i] for i in members) if h is not None]
    return not bounds or max(lasts[i] for i in members) <= min(bounds)
