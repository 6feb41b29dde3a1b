"""What one test group of a focused promtool run needs: the rules its assertions read, through every rule
that records what they read, less the rules its input series cannot feed (see `promtool_focus`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compiler.toolcheck.promql_reads import Producing, may_produce

RuleId = tuple[int, int, int]  # (rule file, group, index)


@dataclass(frozen=True)
class Rule:
    group: int
    index: int
    alert: str | None  # None for a recording rule
    produces: tuple[str, ...]
    reads: frozenset[str] | None  # None: any series
    producing: Producing  # when it can produce a sample at all (`promql_reads.producing`)


@dataclass(frozen=True)
class Seeds:
    alerts: frozenset[str]
    reads: frozenset[str] | None  # what its promql_expr_tests read; None: any series
    inputs: frozenset[str] | None  # the metric names of its input series; None: not sure of one


def producers_of(by_id: dict[RuleId, Rule]) -> dict[str, list[RuleId]]:
    out: dict[str, list[RuleId]] = {}
    for rule_id, rule in by_id.items():
        for name in rule.produces:
            out.setdefault(name, []).append(rule_id)
    return out


def closure(
    by_id: dict[RuleId, Rule], producers: dict[str, list[RuleId]], seeds: Seeds, rules: Iterable[RuleId] = ()
) -> set[RuleId]:
    """The rules a group with these seeds (and these `rules`) can read, directly or through recorded series."""
    if seeds.reads is None:
        return set(by_id)
    todo = [rule_id for rule_id, rule in by_id.items() if rule.alert in seeds.alerts]
    todo += [rule_id for name in seeds.reads for rule_id in producers.get(name, ())]
    todo += rules
    kept: set[RuleId] = set()
    while todo:
        rule_id = todo.pop()
        if rule_id in kept:
            continue
        kept.add(rule_id)
        reads = by_id[rule_id].reads
        if reads is None:
            return set(by_id)
        todo += [other for name in reads for other in producers.get(name, ())]
    return kept


def unread_inputs(by_id: dict[RuleId, Rule], kept: Iterable[RuleId], seeds: Seeds, fed: list[str | None]) -> set[int]:
    """Which of a group's input series (`fed`: the name each is read under, `promql_reads.alert_series_of`;
    None when not sure) no rule in `kept` and no expression check of the group reads: nothing evaluated sees
    them, so they change no verdict, and promtool parses and stores each (~0.15 ms a series)."""
    reads = set(seeds.reads) if seeds.reads is not None else None
    for rule_id in kept:
        rule_reads = by_id[rule_id].reads
        if reads is None or rule_reads is None:
            return set()
        reads |= rule_reads
    if reads is None:
        return set()
    # a reader of every `ALERTS` (no one alertname) reads each alert's series too
    return {i for i, name in enumerate(fed) if name is not None and not {name, name.split("{")[0]} & reads}


class Live:
    """The rules that can produce a sample in a test group, from the names of its input series: a rule that
    reads only names nothing in the group writes (a raw counter, where the group feeds the recorded rate) is
    empty at every step, so its readers see the same without it, and it cannot fail to evaluate. Leaving
    such rules out cut the rules a rich service's focused groups load and evaluate by ~45%."""

    def __init__(self, by_id: dict[RuleId, Rule]) -> None:
        self.by_id = by_id
        self.known: dict[frozenset[str], set[RuleId]] = {}  # a service's groups share a few input sets

    def __call__(self, inputs: frozenset[str] | None) -> set[RuleId]:
        if inputs is None:
            return set(self.by_id)
        if inputs not in self.known:
            present, live, grew = set(inputs), set(), True
            while grew:  # until no rule is added: a recorded name makes its readers live in turn
                grew = False
                for rule_id, rule in self.by_id.items():
                    if rule_id not in live and may_produce(rule.producing, present):
                        live.add(rule_id)
                        present.update(rule.produces)
                        grew = True
            self.known[inputs] = live
        return self.known[inputs]
