"""The group values generated tests feed a grouped SLO (`by: [route]`): `a` burns, `b` is the neighbour, `c` a
new group with no good series yet."""

from __future__ import annotations

from compiler.model.types import Slo

GROUP_VALUES = ("a", "b", "c")


def sample_group(slo: Slo, n: int = 0) -> dict[str, str]:
    """Labels of test group `n` of the SLO (every group label set to the same value); {} when ungrouped."""
    return {label: GROUP_VALUES[n] for label in slo.by}


def one_apart(slo: Slo, n: int) -> list[dict[str, str]]:
    """Groups that each differ from group `a` in one label only, set to value `n`: beside `a`, a join or a sum
    that drops any one of the group labels reads one of them as `a` (groups apart in every label would still
    be told apart by the labels left). For an SLO kept by one label, the one group `sample_group(slo, n)`."""
    return [{**sample_group(slo), label: GROUP_VALUES[n]} for label in slo.by]
