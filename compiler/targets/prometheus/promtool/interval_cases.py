"""The cases of `<service>.interval.test.yaml`: rules evaluated at the platform's declared evaluation interval
(`defaults.slo_alerts.evaluation_interval`), for a platform that declares one other than 1m.

Every other file evaluates at a step of its own choosing (render.py), so a rule whose reach depends on the
server's interval passed them all at 1m: a relayed ServiceDown read its relay's page over a fixed 3m, and at 5m
the relay's page, written up to 5 minutes before, read as gone (round 50, lookback50). Here, at the declared
interval: every hold (`for`, `keep_firing_for` of the burn pairs, ServiceDown and the threshold alerts: hold_cases.py)
and, for a service held back by its relay, the relay's page written at that interval just after each of this
group's evaluations, from a start to a stop, with every instance down throughout. A 1m platform gets no such file.
"""

from __future__ import annotations

import math

from compiler import conventions as names
from compiler.model.relays import relay_page_labels
from compiler.model.types import AlertKind, Service
from compiler.model.units import format_duration
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries, fires_at, firing, steps_after
from compiler.targets.prometheus.promtool.hold_cases import every_hold_at
from compiler.targets.prometheus.promtool.key_missing_cases import up_series
from compiler.targets.prometheus.relay_quiet import relay_lookback_seconds
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

DEFAULT_SECONDS = 60  # the interval every other file's cases are written for (model/evaluation_interval.py)


def interval_cases(service: Service, rules: ServiceRules, seconds: int) -> list[Case]:
    """The cases at the declared interval `seconds`; none at 1m (the other files cover it)."""
    if seconds == DEFAULT_SECONDS:
        return []
    out = every_hold_at(service, rules, seconds)
    relay = relay_page_case(service, rules, seconds)
    return [*out, relay] if relay is not None else out


def _down_rules(rules: ServiceRules) -> list[Rule]:
    return [
        r
        for r in rules.alert_rules
        if r.source is not None and r.source.kind is AlertKind.SERVICE_DOWN and not is_missing(r)
    ]


def write_offset(seconds: int, grid: int) -> int:
    """How long after each of this group's evaluations the relay's group writes its page: one input sample, or more
    where a write would then age exactly the lookback at an evaluation (a range's edge, read either way)."""
    offset = grid
    while (offset + relay_lookback_seconds(seconds)) % seconds == 0 and offset + grid < seconds:
        offset += grid
    return offset


def relay_page_case(service: Service, rules: ServiceRules, seconds: int) -> Case | None:
    """Every instance down from 0; the relay's page written every `seconds`, each write one input sample after an
    evaluation of this group (its group runs at an offset of its own), from a start to a stop. The held page stays
    quiet while the latest write is within the lookback, then holds its `for` (fires_at replays the state)."""
    relay = relay_page_labels(service)
    down = _down_rules(rules)
    if relay is None or not down:
        return None
    grid = math.gcd(seconds, DEFAULT_SECONDS)  # inputs fall on both the evaluations and whole minutes
    offset = write_offset(seconds, grid)
    lookback = relay_lookback_seconds(seconds)
    hold = max(r.for_seconds for r in down)
    start = steps_after(hold // 2, seconds) + offset  # a page that starts while the held one is pending
    stop = start + steps_after(hold, seconds) + 2 * seconds  # outlasts the held page's `for`
    end = steps_after(stop + lookback + hold, seconds) + 2 * seconds
    writes = list(range(start, stop + 1, seconds))
    samples = end // grid + 1
    written = {w // grid for w in writes}
    page = " ".join("1" if i in written else "_" for i in range(samples))
    fed = (
        up_series(service, samples, "a", 0),
        up_series(service, samples, "b", 0),
        InputSeries(names.ALERTS_SERIES, tuple(sorted(relay.items())), page),
    )
    times = range(0, end + 1, seconds)
    quiet = [any(t - lookback <= w <= t for w in writes) for t in times]
    fired = {id(r): fires_at([not q for q in quiet], r.for_seconds, r.keep_firing_seconds, seconds) for r in down}
    alert = down[0].alert
    checks = tuple(
        AlertCheck(t, alert, tuple(firing(r, 0.0) for r in down if fired[id(r)][i])) for i, t in enumerate(times)
    )
    every = format_duration(seconds)
    title = (
        f"{down[0].alert} every {every}: every instance reports up 0, the relay's page written every {every} "
        f"from {format_duration(start)} to {format_duration(stop)}, {format_duration(offset)} after each evaluation"
    )
    return Case(title, grid, fed, checks)
