"""Objectives too close to 100% to compile: none left of the error budget, or less than float64 keeps.

Prometheus holds the objective ratio as a float64, whose steps below 1 are 1.1e-16: 0.9999999999999999 is
1 - 1.1e-16, not the 1 - 1e-16 written, and obsc's generated promtool cases, which keep 15 decimals, looped on a
line that rounds to 0 until Decimal overflowed (exit 70, round 38). 1e-15 is 15 nines after "100%".
"""

from __future__ import annotations

from decimal import Decimal

SMALLEST_BUDGET = Decimal("1e-15")  # of the events


def objective_problem(objective: Decimal) -> str | None:
    """Why an objective (in percent) cannot be compiled, or None."""
    if objective >= 100:
        return "an objective of 100% leaves no error budget: every failure would breach it; use e.g. 99.99"
    budget = (Decimal(100) - objective) / 100
    if budget < SMALLEST_BUDGET:
        return (
            f"an objective of {objective}% leaves an error budget of {budget:.1e} of the events, under 1e-15, the "
            "smallest obsc compiles (Prometheus's float64 numbers step by 1.1e-16 near 1, and the generated tests "
            "keep 15 decimals): use at most 99.9999999999999"
        )
    return None
