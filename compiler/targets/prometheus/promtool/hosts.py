"""Where the longer key-metric cases run: beside a test group that is long anyway, or with the other long ones.

promtool evaluates a test group at every step up to its last check (~7 ms per step for a rich service),
and a group is as long as its longest case. The SLO rows are two steps; a key case checked later (a
rollout, a disk filling up: 1h–1h30m) made its row three or four. Such a case moves beside the SLO
hand-over group (as long, fed other series) when neither reads what the other feeds, through any
recording rule; the rest of a lane's cases are ordered longest first, so long cases share rows.
"""

from __future__ import annotations

import bisect
import itertools
import re

from compiler.model.promql_text import emptied
from compiler.targets.prometheus.promtool.cases import Case
from compiler.targets.prometheus.rule_model import ServiceRules

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")  # every word of an expression: a superset of what it reads


# A `__name__` matcher's string names the series it reads: kept, as bare words.
_NAME_MATCHER = re.compile(r"""__name__\s*(?:=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)""")


def _read_text(expr: str) -> str:
    """The expression as searched for the names it reads: string literals emptied, but for what a
    `__name__` matcher matches. A label value or a function's string argument is never a name a rule
    reads: searched with them, a fed `up` was "read" by every rule of a service named `nightly-backup`, and
    where a case ran depended on the service's name."""
    if "__name__" in expr:
        expr = _NAME_MATCHER.sub(lambda m: f" {m.group(1)[1:-1]} ", expr)
    return emptied(expr)


def end(case: Case) -> int:
    """The last evaluation time a case checks (seconds)."""
    return max([c.at for c in case.alerts] + [c.at for c in case.exprs], default=0)


class Reads:
    """Which series names each rule reads, directly or through the recording rules it reads. Lazy: a
    service's rules are many, the cases placed few (expressions are tokenised only when reached)."""

    def __init__(self, rules: ServiceRules) -> None:
        self._rules = [(r.record or r.alert, _read_text(r.expr)) for g in rules.groups for r in g.rules]
        self._exprs: dict[str, list[str]] = {}
        for name, expr in self._rules:
            self._exprs.setdefault(name, []).append(expr)
        self._memo: dict[str, frozenset[str]] = {}
        self._readers: dict[frozenset[str], frozenset[str]] = {}
        # Every expression in one text for `holding`'s searches (C-level, instead of a test per rule), between
        # NULs: a name without one is found inside a single expression. `_starts`: where each one starts, then
        # past the end.
        self._text = "\0".join(expr for _, expr in self._rules)
        self._starts = list(itertools.accumulate((len(expr) + 1 for _, expr in self._rules), initial=0))

    def of(self, name: str) -> frozenset[str]:
        """Every name `name` (a rule, or any series) depends on, itself included."""
        if name not in self._memo:
            out, todo = {name}, [name]
            while todo:
                for expr in self._exprs.get(todo.pop(), ()):
                    for word in _NAME.findall(expr):
                        if word not in out:
                            out.add(word)
                            todo.append(word)
            self._memo[name] = frozenset(out)
        return self._memo[name]

    def readers(self, fed: frozenset[str]) -> frozenset[str]:
        """The fed names and every rule (record or alert) computed from any of them, through records (a rule
        whose expression holds a name anywhere, even inside a longer word: more than it reads, never less)."""
        if fed not in self._readers:
            out, new = set(fed), set(fed)
            while new:  # each round looks for the names found in the last one (substring tests: no regex)
                found: set[str] = set()
                for word in new:
                    found.update(self._holding(word))
                new = found - out
                out |= new
            self._readers[fed] = frozenset(out)
        return self._readers[fed]

    def _holding(self, word: str) -> list[str]:
        """The names of the rules whose expression holds `word`."""
        if not word or "\0" in word:
            return [name for name, expr in self._rules if word in expr]
        text, starts, out = self._text, self._starts, []
        at = text.find(word)
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            out.append(self._rules[i][0])
            at = text.find(word, starts[i + 1])  # the next expression
        return out


def apart(target: Case, guest: Case, reads: Reads) -> bool:
    """Whether `guest` can run beside `target`: neither feeds (or derives) what the other feeds or checks.
    Worked out from the guest's side only (its few series and alerts), not from the target's many."""
    if target.interval != guest.interval:
        return False
    checked = {c.alertname for c in guest.alerts}
    if checked & {c.alertname for c in target.alerts}:
        return False
    fed = frozenset(s.name for s in guest.series)
    # what the guest's alerts read, and what its fed series are computed from, through every record
    needs = set().union(*[reads.of(name) for name in checked | fed])
    # every rule that reads what the guest feeds, through every record
    wakes = reads.readers(fed)
    target_fed = {s.name for s in target.series}
    return (
        not needs & target_fed
        and not wakes & (target_fed | {c.alertname for c in target.alerts})
        and not any(w in c.expr for c in target.exprs for w in wakes)
    )


def host(hosts: list[Case], lanes: list[list[Case]], rules: ServiceRules, step: int) -> list[Case]:
    """`hosts` with the longest fitting case of each lane beside them (removed from `lanes`, in place);
    every lane then ordered longest first."""
    reads = Reads(rules)
    out = []
    ends = {id(c): end(c) for lane in lanes for c in lane if c.interval == step}
    for target in hosts:
        limit = end(target) if target.interval == step else 0
        for lane in lanes:
            fits = [c for c in lane if step < ends.get(id(c), 0) <= limit and apart(target, c, reads)]
            if fits:
                guest = max(fits, key=lambda c: ends[id(c)])
                del lane[next(i for i, c in enumerate(lane) if c is guest)]
                target = target._replace(
                    name=f"{target.name}; {guest.name}",
                    series=target.series + guest.series,
                    alerts=target.alerts + guest.alerts,
                    exprs=target.exprs + guest.exprs,
                )
        out.append(target)
    for lane in lanes:
        lane.sort(key=lambda c: ends.get(id(c)) or end(c), reverse=True)  # stable: equal lengths keep their order
    return out
