"""The group values generated tests feed a grouped SLO (`by: [route]`): `a` burns, `b` is the neighbour, `c` a
new group with no good series yet."""

from __future__ import annotations

from compiler.model.types import Slo

GROUP_VALUES = ("a", "b", "c")


def sample_group(slo: Slo, n: int = 0) -> dict[str, str]:
    """Labels of test group `n` of the SLO (every group label set to the same value); {} when ungrouped."""
    return {label: GROUP_VALUES[n] for label in slo.by}
