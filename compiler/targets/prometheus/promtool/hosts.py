"""Where the longer key-metric cases run: beside a test group that is long anyway, or with the other long ones.

promtool evaluates a test group at every step up to its last check (~7 ms per step for a rich service),
and a group is as long as its longest case. The SLO rows are two steps; a key case checked later (a
rollout, a disk filling up: 1h–1h30m) made its row three or four. Such a case moves beside the SLO
hand-over group (as long, fed other series) when neither reads what the other feeds, through any
recording rule; the rest of a lane's cases are ordered longest first, so long cases share rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from compiler.targets.prometheus.promtool.cases import Case
from compiler.targets.prometheus.rule_model import ServiceRules

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")  # every word of an expression: a superset of what it reads


def end(case: Case) -> int:
    """The last evaluation time a case checks (seconds)."""
    return max([c.at for c in case.alerts] + [c.at for c in case.exprs], default=0)


class Reads:
    """Which series names each rule reads, directly or through the recording rules it reads."""

    def __init__(self, rules: ServiceRules) -> None:
        self._direct: dict[str, set[str]] = {}
        for group in rules.groups:
            for rule in group.rules:
                self._direct.setdefault(rule.record or rule.alert, set()).update(_NAME.findall(rule.expr))
        self._memo: dict[str, frozenset[str]] = {}

    def of(self, name: str) -> frozenset[str]:
        """Every name `name` (a rule, or any series) depends on, itself included."""
        if name not in self._memo:
            self._memo[name] = frozenset()  # a cycle (none in obsc's rules) ends here
            out, todo = {name}, [name]
            while todo:
                for word in self._direct.get(todo.pop(), ()):
                    if word not in out:
                        out.add(word)
                        todo.append(word)
            self._memo[name] = frozenset(out)
        return self._memo[name]

    def touched(self, case: Case) -> frozenset[str]:
        """What a case's checks read (alerts and expression checks, through records)."""
        names = {c.alertname for c in case.alerts} | {w for c in case.exprs for w in _NAME.findall(c.expr)}
        return frozenset(w for n in names for w in self.of(n))

    def derived(self, fed: Iterable[str]) -> frozenset[str]:
        """The fed series and every record computed from any of them."""
        fed = set(fed)
        return frozenset(fed | {r for r in self._direct if self.of(r) & fed})


def apart(a: Case, b: Case, reads: Reads) -> bool:
    """Whether two cases can run side by side: neither feeds (or derives) what the other feeds or reads."""
    fed_a, fed_b = {s.name for s in a.series}, {s.name for s in b.series}
    out_a, out_b = reads.derived(fed_a), reads.derived(fed_b)
    return (
        a.interval == b.interval
        and not {c.alertname for c in a.alerts} & {c.alertname for c in b.alerts}
        and not out_a & (fed_b | reads.touched(b))
        and not out_b & (fed_a | reads.touched(a))
    )


def host(hosts: list[Case], lanes: list[list[Case]], rules: ServiceRules, step: int) -> list[Case]:
    """`hosts` with the longest fitting case of each lane beside them (removed from `lanes`, in place);
    every lane then ordered longest first."""
    reads = Reads(rules)
    out = []
    for target in hosts:
        for lane in lanes:
            fits = [c for c in lane if step < end(c) <= end(target) and apart(target, c, reads)]
            if fits:
                guest = max(fits, key=end)
                lane.remove(guest)
                target = replace(
                    target,
                    name=f"{target.name}; {guest.name}",
                    series=target.series + guest.series,
                    alerts=target.alerts + guest.alerts,
                    exprs=target.exprs + guest.exprs,
                )
        out.append(target)
    for lane in lanes:
        lane.sort(key=end, reverse=True)  # stable: equal lengths keep their order
    return out
