"""What a holds group may feed: never a series name and labels that a rule of the same test file also writes.

The holds groups feed recorded series (a signal, an error ratio, a budget) with nothing else scraped. A recording
rule that still gives a sample from those inputs (`0 * errors + 1` as a raw ratio's total, a budget read from
a window another SLO's inputs fill, a constant) writes its own sample beside the fed one at the same timestamp,
and promtool fails the whole file ("duplicate sample for timestamp") though each case passes alone. Which rules
give a sample is followed rule to rule from the fed series until nothing new is written (values are not
modelled: a rule that may give one counts); a part whose inputs would clash is left to the other files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from compiler.model.promql_check import yields_with
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

_Series = tuple[str, Mapping[str, str]]


_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_SELECTOR = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\{")
_FROM_NOTHING = {"absent", "absent_over_time", "vector", "time", "scalar", "pi"}


class _Record:
    """A recording rule, the names its text holds (a superset of the series it reads), and whether it gives a
    sample with nothing scraped at all."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.names = frozenset(_NAME.findall(rule.expr))
        maybe = bool(self.names & _FROM_NOTHING) or not _SELECTOR.search(rule.expr)
        self.always = maybe and yields_with(rule.expr, [])


class HoldFeed:
    """The series a service's holds group feeds so far; `admits` adds a part's when they clash with no rule."""

    def __init__(self, rules: ServiceRules) -> None:
        self._records = [_Record(r) for g in rules.groups for r in g.rules if r.record]
        self._fed: list[InputSeries] = []

    def admits(self, part: Sequence[InputSeries]) -> bool:
        fed = [*self._fed, *part]
        if any(_clashes(rule, fed) for rule in _written(self._records, fed)):
            return False
        self._fed = fed
        return True


def _written(records: list[_Record], fed: Sequence[InputSeries]) -> list[Rule]:
    """The recording rules that may give a sample when only `fed` is scraped, each feeding the next (a rule whose
    text names nothing present is not asked: a service has ~150 rules, and a part is asked about at each step)."""
    present: list[_Series] = [(s.name, dict(s.labels)) for s in fed]
    named = {s.name for s in fed}
    written: list[Rule] = []
    waiting = list(records)
    grew = True
    while grew:
        grew = False
        for one in list(waiting):
            if one.always or (one.names & named and yields_with(one.rule.expr, present)):
                waiting.remove(one)
                written.append(one.rule)
                present.append((one.rule.record, one.rule.label_dict()))
                named.add(one.rule.record)
                grew = True
    return written


def _clashes(rule: Rule, fed: Sequence[InputSeries]) -> bool:
    """Whether the rule may write one of the fed series: the same name, and no label of both set apart (labels
    the rule's expression carries, a `by:` group's, are not in its `labels:`: they may match)."""
    mine = rule.label_dict()
    return any(s.name == rule.record and all(mine.get(k, v) == v for k, v in s.labels) for s in fed)
