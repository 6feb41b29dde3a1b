"""The stray-events branch of a grouped SLO's SLODataMissing (slo_missing.stray_probe): good or bad events in a
group that no total-events series has. The data-missing scenarios show it quiet while both counters share their
groups, and firing for an outcome counter without the group labels.

A ratio SLI's outcome counter is fed by the raw-counter case that hosts the scenario with traffic. A raw SLI's
is not (free PromQL is not hosted): where its bad events are the rate of one counter summed per group, the
scenarios feed that counter beside the total themselves, so a probe that loses its grouping (`sum` without its
`by`, either side) fires where both are present.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.promql_feed import single_rate
from compiler.model.promql_yields import groups_with, yields_with
from compiler.model.queries import may_stray
from compiler.model.types import Service, SliKind, Slo
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.series import satisfy
from compiler.targets.prometheus.slo_missing import stray_probe

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]  # (name, sorted labels) of an input series
Counters = list[tuple[str, dict[str, str]]]  # (metric, labels) of counters to feed


def grouped_outcome(service: Service, slo: Slo) -> Counters:
    """A grouped raw SLI's bad-events counter in group `a`, to feed beside its total: [] unless the probe's two
    sides are each the rate of one counter (another metric for each) under sums that keep the group labels, so
    that the groups it gives are the fed series' (promql_yields.groups_with, which predicts the branch)."""
    probe = stray_probe(service, slo)
    if slo.sli.kind is not SliKind.RAW or probe is None:
        return []
    bad, total = (single_rate(side, slo.by) for side in probe)
    if bad is None or total is None or bad[0] == total[0]:
        return []
    labels = satisfy(bad[1])
    return [] if labels is None or set(labels) & set(slo.by) else [(bad[0], {**labels, **sample_group(slo)})]


def ungrouped_outcome(service: Service, slo: Slo) -> Counters:
    """The good or bad events counter of a grouped SLI that can stray, fed without the group labels; [] when
    there is none or obsc cannot write its series."""
    if slo.sli.kind is SliKind.RAW:
        return [
            (metric, {k: v for k, v in labels.items() if k not in slo.by})
            for metric, labels in grouped_outcome(service, slo)
        ]
    part = slo.sli.errors or slo.sli.good
    if not may_stray(slo.sli, slo.by) or part is None or part.selector is None:
        return []
    labels = satisfy(part.selector.matchers)
    return [] if labels is None or set(labels) & set(slo.by) else [(part.selector.metric, labels)]


def strays(
    probe: tuple[str, str] | None,
    by: tuple[str, ...],
    every: tuple[SeriesKey, ...],
    seen: dict[tuple[tuple[str, str], tuple[SeriesKey, ...]], bool],
) -> bool:
    """Whether the good or bad events of a grouped SLI (`probe`: slo_missing.stray_probe) have a group that its
    total events lack among `every` series of a scenario: SLODataMissing's count of them holds. `seen`: the
    answers so far, for the scenarios of one service."""
    if probe is None:
        return False
    key = (probe, every)
    if key not in seen:
        series: Sequence[tuple[str, dict[str, str]]] = [(name, dict(labels)) for name, labels in every]
        outcome, total = probe
        have = groups_with(total, series, by) if yields_with(total, series) else set()
        seen[key] = yields_with(outcome, series) and not groups_with(outcome, series, by) <= have
    return seen[key]
