"""A share's range (unit percentunit: 0 to 1; percent: 0 to 100), and a time slice's condition on a share that the
range decides alone: `good_when: free > 100%` passes no value, so every slice is bad and the SLO pages for good;
`free <= 1` passes every one, so no slice is ever bad and the SLO never burns. Both compiled (round 36 refused
only a threshold alert's line at the end of the range). The number is read as Prometheus reads it, a float64:
`> 99.99999999999999999%` is `> 1`.
"""

from __future__ import annotations

from decimal import Decimal

from compiler.model.types import Metric

SHARE_RANGE = {"percentunit": (Decimal(0), Decimal(1)), "percent": (Decimal(0), Decimal(100))}


def _decided(op: str, low: Decimal, high: Decimal, n: Decimal) -> tuple[bool, bool]:
    """(no value in [low, high] passes `op n`, every value does)."""
    inside = low <= n <= high
    return {
        ">": (n >= high, n < low),
        ">=": (n > high, n <= low),
        "<": (n <= low, n > high),
        "<=": (n < low, n >= high),
        "==": (not inside, False),
        "!=": (False, not inside),
    }.get(op, (False, False))


def share_condition_problem(metric: Metric, op: str, value: Decimal) -> str | None:
    """Why `metric op value` as a time slice's good condition is decided by the share's range alone, or None."""
    if metric.unit not in SHARE_RANGE:
        return None
    low, high = SHARE_RANGE[metric.unit]
    none, every = _decided(op, low, high, Decimal(float(value)))
    if not (none or every):
        return None
    share = f"metric {metric.name!r} is a share (unit: {metric.unit}, {low} to {high})"
    if none:
        return (
            f"{share}: no value of it passes {op} {value}, so every time slice is bad and the SLO pages for good; "
            "compare with a number inside the range"
        )
    return (
        f"{share}: every value of it passes {op} {value}, so no time slice is ever bad and the SLO never burns; "
        "compare with a number inside the range"
    )
