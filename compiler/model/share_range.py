"""A share's range (unit percentunit: 0 to 1; percent: 0 to 100), and a time slice's condition on a share that the
range decides alone: `good_when: free > 100%` passes no value, so every slice is bad and the SLO pages for good;
`free <= 1` passes every one, so no slice is ever bad and the SLO never burns. Both compiled (round 36 refused
only a threshold alert's line at the end of the range). The number is read as Prometheus reads it, a float64:
`> 99.99999999999999999%` is `> 1`.
"""

from __future__ import annotations

from decimal import Decimal

from compiler.model.types import Comparison, Metric
from compiler.model.units import decimal_text

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


# Names that say a gauge's scale where no unit is declared: Prometheus's `_ratio` base unit is 0-1; `_percent`
# and its short forms count 0-100.
PERCENT_NAMES = ("_percent", "_pct", "_percentage")


def named_scale(metric: Metric) -> str:
    """`percent` or `percentunit` when an undeclared gauge's series name says its scale, else ``."""
    if metric.unit or metric.selector is None:
        return ""
    name = metric.selector.metric
    return "percent" if name.endswith(PERCENT_NAMES) else "percentunit" if name.endswith("_ratio") else ""


def bare_line_problem(metric: Metric, number: Decimal) -> str | None:
    """Why a line written without a unit reads off the share's scale, or None. On a 0-1 share, 70 meant 70% and
    was a line at 7000% (round 32); on a 0-100 one (declared, or a `*_percent` name),
    0.8 meant 80% and was a line at 0.8%, crossed by any load at all (round 39); on a `*_ratio` with no unit, 80
    never fired."""
    scale = metric.unit or named_scale(metric)
    declared = f"unit: {metric.unit}" if metric.unit else f"named {metric.selector.metric if metric.selector else ''}"
    if scale == "percentunit" and abs(number) > 1:
        fix = (
            "write the percentage with its sign"
            if metric.unit
            else "declare unit: percentunit and write it with its sign"
        )
        return (
            f"metric {metric.name!r} is a 0-1 share ({declared}), where {number} is {number * 100}%: {fix}, "
            f"{number}% (the share {number / 100})"
            + ("" if metric.unit else "; a ratio that exceeds 1 declares its unit (e.g. unit: none)")
        )
    if scale == "percent" and 0 < abs(number) < 1:
        fix = "write it with its sign" if metric.unit else "declare unit: percent and write it with its sign"
        n = decimal_text(number)
        return (
            f"metric {metric.name!r} is a 0-100 share ({declared}), where {n} is {n}%: {fix}, "
            f"{decimal_text(number * 100)}% if you meant the share {n}, or {n}% if you meant that"
        )
    return None


def share_line_problem(threshold: Decimal, read: Decimal, comparison: Comparison, metric: Metric) -> str | None:
    """A share's line at or past the end of its range it is compared towards (`read`: the float64 Prometheus
    parses it into): the alert can never fire (a dead alert CI would pass); or past the other end, where every
    value crosses it: it fires on every healthy service (round 40: `above: -1` on a 0-1 share). A `*_ratio` or
    `*_percent` gauge with no unit is a share by its name, as its lines are read (share_range.named_scale)."""
    scale = metric.unit or named_scale(metric)
    low, high = SHARE_RANGE.get(scale, (None, None))
    end, far, sign = {Comparison.ABOVE: (high, low, 1), Comparison.BELOW: (low, high, -1)}.get(
        comparison, (None, None, 0)
    )
    if end is None or far is None:
        return None
    named = f"named {metric.selector.metric}" if metric.selector else ""
    share = f"metric {metric.name!r} is a share ({f'unit: {scale}' if metric.unit else named})"
    if (far - read) * sign > 0:
        never = "below" if sign > 0 else "above"
        return (
            f"{share}, never {never} {far}: every value is {comparison.value} the line, so this alert would always fire"
        )
    if (read - end) * sign < 0:
        return None
    rounded = f" (Prometheus reads the line as {end}, the float64 nearest it)" if (threshold - end) * sign < 0 else ""
    return f"{share}, never {comparison.value} {end}{rounded}: this alert could never fire"
