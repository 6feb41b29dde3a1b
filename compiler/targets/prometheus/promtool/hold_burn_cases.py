"""The burn-rate alerts' holds (`for`, `keep_firing_for`) at 1m steps, beside the key alerts' (hold_cases.py).

Each SLO's recorded error ratios, every window its burn alerts read, are fed at 1.25x the highest line of its
pairs from 0 until two minutes past its longest `for`, then at 0; the long windows' failed-event rates, which
the min_bad_events guard reads, stay high enough throughout. Every pair of every tier then holds at once: each is
checked one step before its `for` ends and at it, and one step before its `keep_firing_for` ends after the drop
and at it. An SLO whose alerts read a series not fed this way (a time slice's counts) is left to the main file.
"""

from __future__ import annotations

import re
from decimal import Decimal

from compiler import conventions as names
from compiler.model.burnrate import error_ratio_threshold
from compiler.model.types import BurnWindow, Service, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.promtool.cases import AlertCheck, Firing, InputSeries, fires_at, firing, off_ties
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.hold_feed import HoldFeed
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.slo import window_labels

STEP = 60
_READS = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def burn_holds(
    service: Service, rules: ServiceRules, feed: HoldFeed
) -> tuple[tuple[InputSeries, ...], list[AlertCheck]]:
    """The series to feed and the checks, for every SLO whose burn alerts this case can drive and whose inputs
    no rule of the file also writes (`feed`)."""
    by_slo: dict[int, tuple[Slo, list[tuple[Rule, BurnWindow]]]] = {}
    for rule in rules.alert_rules:
        source = rule.source
        if source is not None and source.slo is not None and source.window is not None:
            by_slo.setdefault(id(source.slo), (source.slo, []))[1].append((rule, source.window))
    series: list[InputSeries] = []
    states: list[tuple[str, Firing, list[bool]]] = []
    times: dict[str, set[int]] = {}
    for slo, pairs in by_slo.values():
        fed = _slo_series(service, slo, pairs)
        if fed is None or not feed.admits(fed[0]):
            continue
        inputs, value, breach, minutes = fed
        series += inputs
        group = sample_group(slo)
        for rule, _ in pairs:
            holds = [m < breach for m in range(minutes + 1)]
            fires = fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, STEP)
            states.append((rule.alert, firing(rule, value, group=group or None), fires))
            drop = breach * STEP
            edges = {rule.for_seconds - STEP, rule.for_seconds}
            edges |= {drop + rule.keep_firing_seconds - STEP, drop + rule.keep_firing_seconds}
            times.setdefault(rule.alert, set()).update(t for t in edges if t >= 0)
    checks = [
        AlertCheck(
            at, name, tuple(f for n, f, fires in states if n == name and at // STEP < len(fires) and fires[at // STEP])
        )
        for name, at_ in times.items()
        for at in sorted(at_)
    ]
    return tuple(series), checks


def _slo_series(
    service: Service, slo: Slo, pairs: list[tuple[Rule, BurnWindow]]
) -> tuple[list[InputSeries], float, int, int] | None:
    """The SLO's inputs, the value its alerts show, the minutes they burn and the minutes fed in all; None when
    its alerts read other series, or no ratio can pass every line."""
    lines = [error_ratio_threshold(slo, w) for _, w in pairs]
    high = off_ties(max(lines) * Decimal("1.25"))
    if high >= 1 or any(abs(float(high) - float(line)) <= 1e-9 * float(line) for line in lines):
        return None
    windows = sorted({s for _, w in pairs for s in (w.short_seconds, w.long_seconds)})
    longs = sorted({w.long_seconds for _, w in pairs})
    ratio_names = {names.sli_error_ratio(format_duration(s)) for s in windows}
    rate_names = {names.sli_errors_rate(format_duration(s)) for s in longs}
    # ALERTS: the pair's own, which promtool writes (every short window is fed here: its branch is never read)
    known = ratio_names | rate_names | {names.ALERTS_SERIES}
    if any(set(_READS.findall(rule.expr)) - known for rule, _ in pairs):
        return None
    breach = 2 + max(r.for_seconds for r, _ in pairs) // STEP
    minutes = breach + max(r.keep_firing_seconds for r, _ in pairs) // STEP + 1
    group = sample_group(slo)
    ratio = f"{decimal_text(high)}x{breach - 1} 0x{minutes - breach - 1}"
    # failures a second: the guard's count over the shortest long window reaches min_bad_events
    failing = Decimal(max(slo.min_bad_events, 1))

    def labels(seconds: int) -> tuple[tuple[str, str], ...]:
        return tuple(sorted({**window_labels(service, slo, format_duration(seconds)), **group}.items()))

    inputs = [InputSeries(names.sli_error_ratio(format_duration(s)), labels(s), ratio) for s in windows]
    inputs += [
        InputSeries(names.sli_errors_rate(format_duration(s)), labels(s), f"{decimal_text(failing)}+0x{minutes}")
        for s in longs
    ]
    return inputs, float(decimal_text(high)), breach, minutes
