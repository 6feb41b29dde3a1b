"""The oracle's reading of a page's dense-burst gate (counted_short._dense_peak), apart from the case's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from compiler.model.burnrate import count_floor
from compiler.model.burst_windows import (
    EVENT_BURST_PEAK,
    EVENT_BURST_PEAK_LEAST,
    EVENT_BURST_PEAK_SHARE,
    event_burst_peak,
)
from compiler.model.units import decimal_text

_SHARE = float(EVENT_BURST_PEAK_SHARE)


def rule_floor(count: float | Decimal) -> float:
    """A count's comparand as the rules write it (burnrate.count_floor)."""
    return float(decimal_text(count_floor(Decimal(str(count)))))


_LEAST = rule_floor(EVENT_BURST_PEAK_LEAST)


class _Windows(Protocol):
    def fed(self, seconds: int) -> bool: ...

    def window(self, seconds: int) -> tuple[Decimal, Decimal, float, float]: ...


def dense_peak(state: _Windows, short: int, burst: tuple[int, int]) -> bool:
    """The record's dense-burst gate (a page's), its fed peak window a constant: the busiest peak window's failures
    reach the gate's least count, as the rule writes it, and its share of the burst window's failures."""
    peak = event_burst_peak((EVENT_BURST_PEAK,), short, burst[1])
    busiest = state.window(peak)[2] * peak if peak is not None and state.fed(peak) else 0.0
    return busiest >= _LEAST and busiest >= state.window(burst[0])[2] * burst[0] * _SHARE
