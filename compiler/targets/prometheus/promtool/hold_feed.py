"""What a holds group may feed: never a series name and labels that a rule of the same test file also writes.

The holds groups feed recorded series (a signal, an error ratio, a budget) with nothing else scraped. A recording
rule that still gives a sample from those inputs (`0 * errors + 1` as a raw ratio's total, a budget read from
a window another SLO's inputs fill, a constant) writes its own sample beside the fed one at the same timestamp,
and promtool fails the whole file ("duplicate sample for timestamp") though each case passes alone. Which rules
give a sample is followed rule to rule from the fed series until nothing new is written (values are not
modelled: a rule that may give one counts); a part whose inputs would clash is left to the other files.

Each part offered is answered as if every rule were followed again from the start over all that is fed, but only
the rules the part can change are asked (round 45): the feed keeps when each rule wrote in its last admitted run.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from compiler.model.promql_check import selectors
from compiler.model.promql_yields import may_yield_from_nothing, parsed_with_names, selects, yields_with
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
    def writes(self) -> _Labelled:
        """The series it writes: its name and labels."""
        return self.rule.record, tuple(self.rule.label_dict().items())

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
    """The series a service's holds group feeds so far; `admits` adds a part's when they clash with no rule.

    Which rules write is the fixpoint `_Run` follows (every rule asked in its order, pass after pass, until a pass
    writes nothing). The feed keeps the last admitted run (when each rule wrote) and asks a part's run again only
    for the rules whose inputs the part changes, then for those reading what they now write differently (a
    100-SLO spec's 303 parts each followed all its 3,006 rules again: quadratic in the SLOs, 5.5 CPU-s; 0.8 now)."""

    def __init__(self, rules: ServiceRules) -> None:
        self._records = [_Record(r) for g in rules.groups for r in g.rules if r.record]
        self._readers = _Readers(self._records)
        self._fed: list[InputSeries] = []
        self._fed_by_name: dict[str, list[_Labels]] = {}
        self._present = _Index()
        self._times: dict[int, _Stamp] = {}  # record index -> when it wrote, in the last admitted run
        self._by_record: dict[str, set[int]] = {}  # a written rule's record name -> record indexes
        self._commit(_Run(self, (), everything=True), ())

    def admits(self, part: Sequence[InputSeries]) -> bool:
        run = _Run(self, part)
        if self._clash(run, part):
            return False
        self._commit(run, part)
        return True

    def _clash(self, run: _Run, part: Sequence[InputSeries]) -> bool:
        """Whether a rule the run writes may write a fed series: a rule also written before was checked against
        the series fed before, so only the part's series and the rules the run asked again are compared."""
        for series in part:
            written = {i for i in self._by_record.get(series.name, ()) if i not in run.tainted}
            written.update(i for i in run.times if self._records[i].rule.record == series.name)
            if any(_clashes(self._records[i].rule, {series.name: [series.labels]}) for i in sorted(written)):
                return True
        fed: dict[str, list[_Labels]] = {}
        for series in part:
            fed.setdefault(series.name, []).append(series.labels)
        rules = [self._records[i].rule for i in sorted(run.times)]
        return any(_clashes(rule, self._fed_by_name) or _clashes(rule, fed) for rule in rules)

    def _commit(self, run: _Run, part: Sequence[InputSeries]) -> None:
        for i in run.tainted:
            if self._times.pop(i, None) is not None:
                self._present.remove(i, self._records[i].writes)
                self._by_record[self._records[i].rule.record].discard(i)
        self._present.merge(run.added)
        self._times.update(run.times)
        for i in run.times:
            self._by_record.setdefault(self._records[i].rule.record, set()).add(i)
        for series in part:
            self._fed_by_name.setdefault(series.name, []).append(series.labels)
        self._fed.extend(part)


_Stamp = tuple[int, int]  # when a series came: (0, position) if fed, (pass, rule index) if a rule wrote it
_Labels = tuple[tuple[str, str], ...]
_Entry = tuple[_Stamp, _Labelled]


class _Index:
    """Series with when they came, keyed by who brought them (a fed position as -1 - position, a rule's index), by
    name and by name and label value: a rule is offered only the series its selectors select."""

    def __init__(self) -> None:
        self.by_name: dict[str, dict[int, _Entry]] = {}
        self.by_value: dict[tuple[str, str, str], dict[int, _Entry]] = {}

    def add(self, key: int, stamp: _Stamp, series: _Labelled) -> None:
        entry = (stamp, series)
        self.by_name.setdefault(series[0], {})[key] = entry
        for label, value in series[1]:
            self.by_value.setdefault((series[0], label, value), {})[key] = entry

    def remove(self, key: int, series: _Labelled) -> None:
        del self.by_name[series[0]][key]
        for label, value in series[1]:
            del self.by_value[(series[0], label, value)][key]

    def merge(self, other: _Index) -> None:
        for entries in other.by_name.values():
            for key, (stamp, series) in entries.items():
                self.add(key, stamp, series)

    def candidates(self, name: str | None, equal: _Labels) -> Iterable[tuple[int, _Entry]]:
        if name is None:
            return [item for entries in self.by_name.values() for item in entries.items()]
        if not equal:
            return self.by_name.get(name, {}).items()
        return min((self.by_value.get((name, label, value), {}) for label, value in equal), key=len).items()


class _Readers:
    """Which rules a series may change the answer of: those with a selector that selects it, and those asked
    whenever a name of their text is present (a selector without a name, or a rule giving a sample with nothing
    selected: the moment the question is first asked then matters). A rule's selectors are read (parsed) only
    when a series of a name in its text comes, as the run asks only such rules; each selector is then found
    through its rarest `label="value"` matcher (a service's rules all select its `service`, one SLO's its `slo`:
    rarity is counted on the rules' texts, which name the values)."""

    def __init__(self, records: Sequence[_Record]) -> None:
        self._records = records
        self._unread: dict[str, list[int]] = {}  # a name in a rule's text -> the rules not yet read
        for i, one in enumerate(records):
            for name in one.names:
                self._unread.setdefault(name, []).append(i)
        self._texts = Counter(name for one in records for name in one.names)
        self._read: set[int] = set()
        self._by_value: dict[tuple[str, str, str], set[int]] = {}
        self._by_name: dict[str, set[int]] = {}
        self._by_token: dict[str, set[int]] = {}
        self._any: set[int] = set()  # a selector without a name: any series may be selected

    def of(self, series: _Labelled) -> list[int]:
        name, labels = series
        for i in self._unread.pop(name, ()):
            self._index(i)
        found = {*self._any, *self._by_token.get(name, ()), *self._by_name.get(name, ())}
        for label, value in labels:
            found.update(self._by_value.get((name, label, value), ()))
        return sorted(i for i in found if self._reads(i, series))

    def _index(self, i: int) -> None:
        if i in self._read:
            return
        self._read.add(i)
        one = self._records[i]
        if one.always:
            return
        if one.reads is None:
            self._any.add(i)
        elif may_yield_from_nothing(one.rule.expr):
            for name in one.names:
                self._by_token.setdefault(name, set()).add(i)
        else:
            for node, equal in one.selectors:
                if equal:
                    rarest = min(equal, key=lambda pair: (self._texts.get(pair[1], len(self._records)), pair))
                    self._by_value.setdefault((node.name, *rarest), set()).add(i)
                else:
                    self._by_name.setdefault(node.name, set()).add(i)

    def _reads(self, i: int, series: _Labelled) -> bool:
        one = self._records[i]
        if i in self._any or (series[0] in one.names and may_yield_from_nothing(one.rule.expr)):
            return True
        labels = dict(series[1])
        return any(selects(node, series[0], labels) for node, _ in one.selectors)


class _Run:
    """The rules that may give a sample when only the fed series and a part's are scraped, each feeding the next:
    every rule not yet written is asked in its order, pass after pass, until a pass writes nothing (a rule whose
    text names nothing present is not asked). Only the rules the part may change are asked (`tainted`): each other
    rule writes when it wrote in the feed's last run, as every series it reads comes when it came then. A rule
    asked again whose answer differs from the last run's at that moment changes what its readers read from then
    on: they are asked too."""

    def __init__(self, feed: HoldFeed, part: Sequence[InputSeries], everything: bool = False) -> None:
        self._feed = feed
        self.added = _Index()  # the part's series and what asked rules write
        self.times: dict[int, _Stamp] = {}  # asked rules that write, and when
        self._everything = everything  # the first run: every rule is asked, none is told of another
        self._open: set[str] = set()  # names found present (see _gate)
        self.tainted: set[int] = set(range(len(feed._records))) if everything else set()
        base = len(feed._fed)
        for j, series in enumerate(part):
            self.added.add(-1 - base - j, (0, base + j), (series.name, series.labels))
            self._taint(feed._readers.of((series.name, series.labels)), (0, base + j), [])
        self._follow()

    def _follow(self) -> None:
        later: dict[int, list[int]] = {}  # pass -> rules that wrote in it in the last run
        for i, (step, _) in self._feed._times.items():
            later.setdefault(step, []).append(i)
        step, grew = 0, True
        while grew:
            step, grew = step + 1, False
            queue = [i for i in self.tainted if i not in self.times]
            queue += [i for i in later.get(step, ()) if i not in self.tainted]
            heapq.heapify(queue)
            done: set[int] = set()
            while queue:
                i = heapq.heappop(queue)
                if i in done:
                    continue
                done.add(i)
                if i not in self.tainted:
                    grew = True  # it writes as it did in the last run
                elif self._ask(i, (step, i), queue):
                    grew = True

    def _ask(self, i: int, now: _Stamp, queue: list[int]) -> bool:
        one = self._feed._records[i]
        writes = one.always or (self._gate(one, now) and _yields_on(one.rule.expr, self._selected(one, now)))
        if writes:
            self.times[i] = now
            self.added.add(i, now, one.writes)
        if not self._everything and writes != (self._feed._times.get(i) == now):
            self._taint(self._feed._readers.of(one.writes), now, queue)
        return writes

    def _taint(self, readers: Iterable[int], now: _Stamp, queue: list[int]) -> None:
        """Ask `readers` from `now` on: those not written before it in the last run (their answers until now
        are the last run's; one already written stays written)."""
        for reader in readers:
            if reader in self.tainted:
                continue
            when = self._feed._times.get(reader)
            if when is not None and when < now:
                continue
            self.tainted.add(reader)
            if reader > now[1]:
                heapq.heappush(queue, reader)

    def _valid(self, key: int) -> bool:
        return key not in self.tainted  # a rule asked again: its last run's series is not there as it was

    def _entries(self, name: str | None, equal: _Labels) -> Iterator[tuple[int, _Entry]]:
        for key, entry in self._feed._present.candidates(name, equal):
            if self._valid(key):
                yield key, entry
        yield from self.added.candidates(name, equal)

    def _gate(self, one: _Record, now: _Stamp) -> bool:
        """Whether a name in the rule's text is present before `now`. The run asks in the order of time, and a
        series present stays present (a rule asked again never wrote before it was), so a name found present
        is kept (`_open`)."""
        if not one.names.isdisjoint(self._open):
            return True
        present, added, tainted = self._feed._present.by_name, self.added.by_name, self.tainted
        for name in one.names.intersection(present).union(one.names.intersection(added)):
            if any(stamp < now and key not in tainted for key, (stamp, _) in present.get(name, {}).items()) or any(
                stamp < now for stamp, _ in added.get(name, {}).values()
            ):
                self._open.add(name)
                return True
        return False

    def _selected(self, one: _Record, now: _Stamp) -> tuple[_Labelled, ...]:
        """The series present before `now` a selector of the rule selects, in the order they came."""
        found: dict[int, _Entry] = {}
        for node, equal in one.selectors:
            for key, (stamp, series) in self._entries(node.name, equal):
                if stamp < now and key not in found and selects(node, series[0], dict(series[1])):
                    found[key] = (stamp, series)
        return tuple(series for _, series in sorted(found.values()))


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
