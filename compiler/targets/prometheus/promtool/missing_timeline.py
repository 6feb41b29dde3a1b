"""The data-missing scenarios of a service with scrape targets on one timeline (chain.py), kept short.

Every step of that timeline costs promtool an evaluation of every rule the group loads, so two kinds of step
are left out where they prove nothing:

- A stretch of its own for the scenarios the raw-counter case can host (missing_hosts.py). The rest are a
  group of their own, not a stretch after that case in its group (round 36): there each step evaluated its
  ~80 recording rules; here the focused run loads SLODataMissing's few (toolcheck/promtool_focus.py).
- The reset step after a scenario that ends with nothing firing, or before one with its targets down
  (every alert is gated on `up`). Not otherwise, even when the next scenario does not fire what the last
  one did: at its first step its counters have one sample, no rate, so every SLO's `absent` holds and an
  alert still firing stays up into its first check.
- The reset step between two scenarios when alerts firing at the end of one also fire in the next (and no step
  between them sees neither scenario's `up`, which resolves everything): an
  alert that fires at the end of every scenario with targets up is missing whatever is fed (its SLI's
  series are never among them), so its condition holds at the next scenario's first step too and it
  simply keeps firing. The next scenario then starts at once and expects it firing from its first check;
  every other alert starts there from nothing, as in a group of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing
from compiler.targets.prometheus.promtool.chain import chain, unseen_from

FiredKey = tuple[str, tuple[tuple[str, str], ...]]  # (alert name, labels)


def last_fired(case: Case) -> dict[FiredKey, Firing]:
    """Every alert a case expects firing at its last check, by (name, labels)."""
    last = max(c.at for c in case.alerts)
    return {(c.alertname, f.labels): f for c in case.alerts if c.at == last for f in c.firing}


def lends(raw: Case, interval: int) -> bool:
    """Whether a raw-counter case can host scenarios (whose samples are `interval` apart, missing_hosts.py):
    same sample interval, no alert checks, no `up` (so it wakes no data-missing alert of its own accord)."""
    return raw.interval == interval and not raw.alerts and all(s.name != "up" for s in raw.series)


def timeline(
    cases: list[Case], step: int, window: int, keep_firing: int, lead: int, steady: frozenset[FiredKey]
) -> list[Case]:
    """`cases` in turn in one case (chain.py). The first `lead` leave nothing firing at their end (a raw-counter
    case, whose `up` if any stops a step before it ends); `steady`: the alerts firing at the end of every
    scenario with targets up."""
    out, fresh = cases[:1], []
    for i, case in enumerate(cases[1:], start=1):
        before = last_fired(out[-1]) if i > lead else {}
        ended, now = set(before), set(last_fired(case))
        if not ended or _targets_down(case):
            fresh.append(True)  # nothing firing at the end, or nothing can hold here: every alert starts from nothing
        elif not keep_firing and ended <= steady and ended <= now and _no_step_between(out[-1], step, window):
            fresh.append(True)
            case = _carrying(case, [(k[0], before[k]) for k in sorted(ended)])
        else:
            fresh.append(False)
        out.append(case)
    return chain(out, step, window, keep_firing, fresh)


def _no_step_between(case: Case, step: int, window: int) -> bool:
    """Whether the next scenario, started at the first step that reads none of `case`'s inputs through any window
    (chain.py), starts at the first step that no longer sees its `up` either. When the alerts read further back
    than the lookback (a raw SLI adding seven `rate(x[5m])` reads 35m by the sum chain.reach takes), steps see
    neither scenario's `up` in between: every alert's `and on () sum(up) > 0` is empty there, so what fired
    resolves and cannot be carried into the next scenario's checks (it was: promtool failed the fleet's compile)."""
    return unseen_from(case, step, window) == unseen_from(case, step, 0)


def _targets_down(case: Case) -> bool:
    """Whether a scenario feeds `up` at 0 only (constant(0, n): `0+0xn`), so that no alert holds in it."""
    up = [s.values for s in case.series if s.name == "up"]
    return bool(up) and all(v.startswith("0+0x") and " " not in v for v in up)


def _carrying(case: Case, kept: Sequence[tuple[str, Firing]]) -> Case:
    """`case` with alerts still firing from the previous scenario expected at each of its checks."""
    checks = []
    for check in case.alerts:
        has = {f.labels for f in check.firing}
        extra = tuple(f for name, f in kept if name == check.alertname and f.labels not in has)
        checks.append(AlertCheck(check.at, check.alertname, check.firing + extra))
    return case._replace(alerts=tuple(checks))
