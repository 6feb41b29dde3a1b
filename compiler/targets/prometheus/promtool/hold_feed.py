"""What a holds group may feed: never a series name and labels that a rule of the same test file also writes.

The holds groups feed recorded series (a signal, an error ratio, a budget) with nothing else scraped. A recording
rule that still gives a sample from those inputs (`0 * errors + 1` as a raw ratio's total, a budget read from
a window another SLO's inputs fill, a constant) writes its own sample beside the fed one at the same timestamp,
and promtool fails the whole file ("duplicate sample for timestamp") though each case passes alone. Which rules
give a sample is followed rule to rule from the fed series until nothing new is written (values are not
modelled: a rule that may give one counts); a part whose inputs would clash is left to the other files.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from compiler.model.promql_check import parsed_with_names, selectors, selects, yields_with
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_SELECTOR = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\{")
_FROM_NOTHING = {"absent", "absent_over_time", "vector", "time", "scalar", "pi"}
_Labelled = tuple[str, tuple[tuple[str, str], ...]]  # a series: name, labels


class _Record:
    """A recording rule, the names its text holds (a superset of the series it reads), and whether it gives a
    sample with nothing scraped at all."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.names, self.always = _read(rule.expr)

    @functools.cached_property
    def selectors(self) -> tuple[tuple[Any, tuple[tuple[str, str], ...]], ...]:
        return _selectors(self.rule.expr)

    @functools.cached_property
    def reads(self) -> tuple[str, ...] | None:
        """The names its selectors read, None for any (a selector without a name)."""
        names = [node.name for node, _ in self.selectors]
        return None if None in names or "" in names else tuple(sorted(set(names)))


@functools.lru_cache(maxsize=1 << 12)
def _read(expr: str) -> tuple[frozenset[str], bool]:
    """The names in a rule's text, and whether it gives a sample from nothing (a rule text is read again by
    every compile of the same service)."""
    found = frozenset(_NAME.findall(expr))
    maybe = bool(found & _FROM_NOTHING) or not _SELECTOR.search(expr)
    return found, maybe and yields_with(expr, [])


class HoldFeed:
    """The series a service's holds group feeds so far; `admits` adds a part's when they clash with no rule."""

    def __init__(self, rules: ServiceRules) -> None:
        self._records = [_Record(r) for g in rules.groups for r in g.rules if r.record]
        self._fed: list[InputSeries] = []

    def admits(self, part: Sequence[InputSeries]) -> bool:
        fed = [*self._fed, *part]
        by_name: dict[str, list[tuple[tuple[str, str], ...]]] = {}
        for series in fed:
            by_name.setdefault(series.name, []).append(series.labels)
        if any(_clashes(rule, by_name) for rule in _written(self._records, fed)):
            return False
        self._fed = fed
        return True


def _written(records: list[_Record], fed: Sequence[InputSeries]) -> list[Rule]:
    """The recording rules that may give a sample when only `fed` is scraped, each feeding the next (a rule whose
    text names nothing present is not asked: a service has ~150 rules, and a part is asked about at each step).
    A rule asked again in a later pass is skipped while no series of the names it reads has come since: the
    series it is offered are the same, so is its answer."""
    present = _Present()
    for s in fed:
        present.add((s.name, s.labels))
    written: list[Rule] = []
    waiting = list(records)
    seen: dict[int, tuple[int, ...]] = {}  # id of a record asked and left waiting → its names' series counts then
    grew = True
    while grew:
        grew = False
        still = []
        for one in waiting:
            if one.always or (one.names & present.by_name.keys() and _asked_anew(one, present, seen)):
                written.append(one.rule)
                present.add((one.rule.record, tuple(one.rule.label_dict().items())))
                grew = True
            else:
                still.append(one)
        waiting = still
    return written


def _asked_anew(one: _Record, present: _Present, seen: dict[int, tuple[int, ...]]) -> bool:
    counts = present.counts(one.reads)
    if seen.get(id(one)) == counts:
        return False
    seen[id(one)] = counts
    return _yields(one, present)


class _Present:
    """The series present so far, in the order they came, by name and by name and label value: a rule is offered
    only the series its selectors select, found through one `label="value"` matcher of each (a service's rules
    select by service and SLO), never by filtering every present series for each rule asked (100 SLOs: 59 CPU-s)."""

    def __init__(self) -> None:
        self.all: list[_Labelled] = []
        self.by_name: dict[str, list[tuple[int, _Labelled]]] = {}
        self.by_value: dict[tuple[str, str, str], list[tuple[int, _Labelled]]] = {}

    def add(self, series: _Labelled) -> None:
        entry = (len(self.all), series)
        self.by_name.setdefault(series[0], []).append(entry)
        for label, value in series[1]:
            self.by_value.setdefault((series[0], label, value), []).append(entry)
        self.all.append(series)

    def counts(self, names: tuple[str, ...] | None) -> tuple[int, ...]:
        """How many series of each name (of any, for None) are present: they only ever come, never go."""
        return (len(self.all),) if names is None else tuple(len(self.by_name.get(name, ())) for name in names)

    def selected(self, one: _Record) -> tuple[_Labelled, ...]:
        """The present series a selector of the rule selects, in the order they came."""
        found: dict[int, _Labelled] = {}
        for node, equal in one.selectors:
            for index, series in self._candidates(node.name, equal):
                if index not in found and selects(node, series[0], dict(series[1])):
                    found[index] = series
        return tuple(found[i] for i in sorted(found))

    def _candidates(self, name: str | None, equal: tuple[tuple[str, str], ...]) -> Sequence[tuple[int, _Labelled]]:
        if name is None:
            return list(enumerate(self.all))
        if not equal:
            return self.by_name.get(name, [])
        return min((self.by_value.get((name, label, value), []) for label, value in equal), key=len)


@functools.lru_cache(maxsize=1 << 12)
def _selectors(expr: str) -> tuple[tuple[Any, tuple[tuple[str, str], ...]], ...]:
    """Each selector of a rule's text and its `label="value"` matchers (a value: "" is a missing label, no key)."""
    return tuple(
        (node, tuple((m.name, m.value) for m in node.matchers.matchers if _anchors(m)))
        for node in selectors(parsed_with_names(expr)[0])
    )


def _anchors(matcher: Any) -> bool:
    """`label="value"`: a series selected has that label at that value (the name is a key of its own)."""
    return str(matcher.op).rsplit(".", 1)[-1] == "Equal" and matcher.value != "" and matcher.name != "__name__"


def _yields(one: _Record, present: _Present) -> bool:
    """yields_with on the present series the rule's selectors select (no other changes its answer)."""
    return _yields_on(one.rule.expr, present.selected(one))


@functools.lru_cache(maxsize=1 << 14)
def _yields_on(expr: str, series: tuple[_Labelled, ...]) -> bool:
    """yields_with, asked once per rule text and set of series in the process: every `admits` follows the rules
    again from the start, mostly over the same series, and a shape's two token generations (targets/shapes.py)
    ask the same rules of every team's shape again (7,800 asks, 2,692 different, for a 200-service fleet)."""
    return yields_with(expr, [(name, dict(labels)) for name, labels in series])


def _clashes(rule: Rule, fed: dict[str, list[tuple[tuple[str, str], ...]]]) -> bool:
    """Whether the rule may write one of the fed series (by name): the same name, and no label of both set apart
    (labels the rule's expression carries, a `by:` group's, are not in its `labels:`: they may match). Indexed by
    name: 100 SLOs and 100 threshold alerts asked every rule against every fed series, 91 million times."""
    mine = rule.label_dict()
    return any(all(mine.get(k, v) == v for k, v in labels) for labels in fed.get(rule.record, ()))
