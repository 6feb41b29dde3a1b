"""What a holds group may feed: never a series name and labels that a rule of the same test file also writes.

The holds groups feed recorded series (a signal, an error ratio, a budget) with nothing else scraped. A recording
rule that still gives a sample from those inputs (`0 * errors + 1` as a raw ratio's total, a budget read from
a window another SLO's inputs fill, a constant) writes its own sample beside the fed one at the same timestamp,
and promtool fails the whole file ("duplicate sample for timestamp") though each case passes alone. Which rules
give a sample is followed rule to rule from the fed series until nothing new is written (values are not
modelled: a rule that may give one counts); a part whose inputs would clash is left to the other files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compiler.model.promql_check import yields_with
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

_Series = tuple[str, Mapping[str, str]]


class HoldFeed:
    """The series a service's holds group feeds so far; `admits` adds a part's when they clash with no rule."""

    def __init__(self, rules: ServiceRules) -> None:
        self._records = [r for g in rules.groups for r in g.rules if r.record]
        self._fed: list[InputSeries] = []

    def admits(self, part: Sequence[InputSeries]) -> bool:
        fed = [*self._fed, *part]
        if any(_clashes(rule, fed) for rule in _written(self._records, fed)):
            return False
        self._fed = fed
        return True


def _written(records: list[Rule], fed: Sequence[InputSeries]) -> list[Rule]:
    """The recording rules that may give a sample when only `fed` is scraped, each feeding the next."""
    present: list[_Series] = [(s.name, dict(s.labels)) for s in fed]
    written: list[Rule] = []
    waiting = list(records)
    grew = True
    while grew:
        grew = False
        for rule in list(waiting):
            if yields_with(rule.expr, present):
                waiting.remove(rule)
                written.append(rule)
                present.append((rule.record, rule.label_dict()))
                grew = True
    return written


def _clashes(rule: Rule, fed: Sequence[InputSeries]) -> bool:
    """Whether the rule may write one of the fed series: the same name, and no label of both set apart (labels
    the rule's expression carries, a `by:` group's, are not in its `labels:`: they may match)."""
    mine = rule.label_dict()
    return any(s.name == rule.record and all(mine.get(k, v) == v for k, v in s.labels) for s in fed)
