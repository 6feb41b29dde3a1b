"""The group values generated tests feed a grouped SLO (`by: [route]`): `a` burns, `b` is the neighbour, `c` a
new group with no good series yet. Where the SLI's own selectors constrain a group label
(`cluster=~"eu-.*"`), each value is one they match (`eu-a`, `eu-b`, `eu-c`): a series in group `a` would be
invisible to the SLI, and every case about that group would test nothing (promtool then rejects the output)."""

from __future__ import annotations

import functools
import re

from compiler.model.promql import Matcher
from compiler.model.types import Slo
from compiler.targets.prometheus.promtool.series import matches, satisfy, spelled

GROUP_VALUES = ("a", "b", "c")


def sample_group(slo: Slo, n: int = 0) -> dict[str, str]:
    """Labels of test group `n` of the SLO (every group label set to its `n`th value); {} when ungrouped."""
    return {label: group_values(slo, label)[n] for label in slo.by}


def one_apart(slo: Slo, n: int) -> list[dict[str, str]]:
    """Groups that each differ from group `a` in one label only, set to value `n`: beside `a`, a join or a sum
    that drops any one of the group labels reads one of them as `a` (groups apart in every label would still
    be told apart by the labels left). For an SLO kept by one label, the one group `sample_group(slo, n)`."""
    return [{**sample_group(slo), label: group_values(slo, label)[n]} for label in slo.by]


def group_values(slo: Slo, label: str) -> tuple[str, ...]:
    """Three values of group label `label` that every matcher of the SLI's selectors on it accepts (`a`, `b`,
    `c` when they do). Where they accept fewer (`job="checkout"` of the service selector, `cluster=~"eu1|us1"`),
    those come first and plain ones fill the rest: the cases about group `a` read a series the SLI selects."""
    sli = slo.sli
    metrics = (sli.total, sli.errors, sli.good, sli.latency, sli.gauge)
    selectors = [m.selector for m in metrics if m is not None and m.selector is not None]
    return _values(tuple(m for s in selectors for m in s.matchers if m.label == label))


@functools.lru_cache(maxsize=256)
def _values(matchers: tuple[Matcher, ...]) -> tuple[str, ...]:
    def fits(value: str) -> bool:
        return all(matches(m, value) for m in matchers)

    if all(fits(v) for v in GROUP_VALUES):
        return GROUP_VALUES
    # A regex's literal start first (`eu-` of `eu-.*`), then a value the search finds, with each suffix; then
    # the values the matchers spell out (`eu1` and `us1` of `eu1|us1|ap1`): a list may leave no room for a suffix.
    starts = [re.split(r"[^\w\-:/ ]", m.value, maxsplit=1)[0] for m in matchers if m.op == "=~"]
    bases = [*starts, (satisfy(matchers) or {}).get(matchers[0].label, "")]
    found: list[str] = []
    for v in GROUP_VALUES:
        tried = [v, *(b + v for b in bases), *(f"{b}-{v}" for b in bases), *(v + b for b in bases)]
        fitting = [c for c in tried if c not in found and fits(c)]
        if not fitting:
            break
        found.append(fitting[0])
    found += [c for c in dict.fromkeys(spelled(matchers)) if c and c not in found and fits(c)]
    return (*found, *(v for v in GROUP_VALUES if v not in found))[: len(GROUP_VALUES)]
