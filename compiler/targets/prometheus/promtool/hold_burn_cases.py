"""The burn-rate alerts' holds (`for`, `keep_firing_for`) at 1m steps or a coarser grid, beside the key alerts'
(hold_cases.py).

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
from compiler.model.burnrate import error_ratio_threshold, recorded_windows, recovery_windows
from compiler.model.sli_kinds import UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Service, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.counted_short import short_counted
from compiler.targets.prometheus.promtool.cases import AlertCheck, Firing, InputSeries, fires_at, firing, off_ties
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.hold_feed import HoldFeed
from compiler.targets.prometheus.promtool.hold_grid import STEP, Admit, up_to_grid
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.slo import window_labels

_READS = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def _by_slo(rules: ServiceRules) -> list[tuple[Slo, list[tuple[Rule, BurnWindow]]]]:
    by_slo: dict[int, tuple[Slo, list[tuple[Rule, BurnWindow]]]] = {}
    for rule in rules.alert_rules:
        source = rule.source
        if source is not None and source.slo is not None and source.window is not None:
            by_slo.setdefault(id(source.slo), (source.slo, []))[1].append((rule, source.window))
    return list(by_slo.values())


def burn_units(rules: ServiceRules) -> list[list[Rule]]:
    """The burn alerts by name, every SLO's: what a holds file takes or leaves whole. A check lists every alert of
    its name that fires, and each file feeds every window of the SLOs it drives, so an alert of a name the file
    does not check may fire there unasserted, but never one of a name it checks."""
    by_name: dict[str, list[Rule]] = {}
    for _, pairs in _by_slo(rules):
        for rule, _ in pairs:
            by_name.setdefault(rule.alert, []).append(rule)
    return list(by_name.values())


def burn_holds(
    service: Service, rules: ServiceRules, feed: HoldFeed, step: int, admit: Admit
) -> tuple[tuple[InputSeries, ...], list[AlertCheck]]:
    """The series to feed and the checks, evaluated every `step`, for every SLO whose burn alerts (of the parts
    `admit` takes) this case can drive and whose inputs no rule of the file also writes (`feed`)."""
    series: list[InputSeries] = []
    states: list[tuple[str, Firing, list[bool]]] = []
    times: dict[str, set[int]] = {}
    taken = {id(r) for unit in burn_units(rules) if admit(unit) for r in unit}
    for slo, every in _by_slo(rules):
        pairs = [pair for pair in every if id(pair[0]) in taken]
        fed = _slo_series(service, slo, pairs, every, step) if pairs else None
        if fed is None or not feed.admits(fed[0]):
            continue
        inputs, value, breaches, minutes = fed
        series += inputs
        group = sample_group(slo)
        for rule, _ in pairs:
            breach = breaches[id(rule)]
            holds = [m * step < breach * STEP for m in range(minutes * STEP // step + 1)]
            fires = fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, step)
            states.append((rule.alert, firing(rule, value, group=group or None), fires))
            drop = breach * STEP
            held, kept = up_to_grid(rule.for_seconds, step), drop + up_to_grid(rule.keep_firing_seconds, step)
            times.setdefault(rule.alert, set()).update(t for t in (held - step, held, kept - step, kept) if t >= 0)
    checks = [
        AlertCheck(
            at, name, tuple(f for n, f, fires in states if n == name and at // step < len(fires) and fires[at // step])
        )
        for name, at_ in times.items()
        for at in sorted(at_)
    ]
    return tuple(series), checks


def _slo_series(
    service: Service,
    slo: Slo,
    pairs: list[tuple[Rule, BurnWindow]],
    every: list[tuple[Rule, BurnWindow]],
    step: int,
) -> tuple[list[InputSeries], float, dict[int, int], int] | None:
    """The inputs (at 1m) of the SLO's `pairs` (every window of all its pairs, `every`), the value they show, the
    minutes each pair's windows burn (two steps past the longest `for` of the pairs sharing a window with it,
    ending on the grid) and the minutes fed in all; None when its alerts read other series, or no ratio can pass
    every line."""
    lines = [error_ratio_threshold(slo, w) for _, w in pairs]
    high = off_ties(max(lines) * Decimal("1.25"))
    if high >= 1 or any(abs(float(high) - float(line)) <= 1e-9 * float(line) for line in lines):
        return None
    windows = sorted({s for _, w in every for s in (w.short_seconds, w.long_seconds)})
    longs = sorted({w.long_seconds for _, w in every})
    failing_in = sorted({*longs, *(w.short_seconds for _, w in pairs)})  # a short window starts on its errors too
    ratio_names = {names.sli_error_ratio(format_duration(s)) for s in windows}
    rate_names = {names.sli_errors_rate(format_duration(s)) for s in failing_in}
    # ALERTS: the pair's own, which promtool writes. The short windows' and steps' events (counted_short.py)
    # are not fed (fed, the ratio rules would write beside the fed ratios): a held pair then reads its long
    # window, which drops to 0 with its short window.
    counted = (s for _, w in pairs for s in (w.short_seconds, *recovery_windows(recorded_windows(slo), w)))
    totals = {names.sli_total_rate(format_duration(s)) for s in counted}
    # names.SLI_BURST_OVER: recorded from the short window's events (counted_short.event_burst_record), absent
    known = ratio_names | rate_names | totals | {names.ALERTS_SERIES, names.SLI_BURST_OVER}
    if any(set(_READS.findall(rule.expr)) - known for rule, _ in pairs):
        return None
    breaches: dict[int, int] = {}  # a rule's (by id) minutes at the high ratio
    burns: dict[int, int] = {}  # a window's minutes at the high ratio
    minutes = 0
    for together in _sharing(pairs):
        breach = (2 + max(r.for_seconds for r, _ in together) // step) * step // STEP
        kept = up_to_grid(max(r.keep_firing_seconds for r, _ in together), step) // STEP
        minutes = max(minutes, breach + kept + 1)
        breaches.update((id(r), breach) for r, _ in together)
        burns.update((s, breach) for _, w in together for s in (w.short_seconds, w.long_seconds))
    longest = max(breaches.values())  # the windows only other pairs read: as long as any
    group = sample_group(slo)

    def ratio(seconds: int) -> str:
        breach = burns.get(seconds, longest)
        return f"{decimal_text(high)}x{breach - 1} 0x{minutes - breach - 1}"

    # failures a second: the guard's count over the shortest long window reaches min_bad_events; a short window's
    # (60 or more) starts its pair without its newest one (counted_short.started_by_counted_short)
    failing = Decimal(max(slo.min_bad_events, 1))

    def labels(seconds: int) -> tuple[tuple[str, str], ...]:
        return tuple(sorted({**window_labels(service, slo, format_duration(seconds)), **group}.items()))

    # An event-count pair's short window starts it on its errors and its events (counted_short.started_by_counted_
    # short): fed as `events` a second, `high` of them failing until the drop, the ratio rule writing the ratio.
    # Not one in the coarse tier (a 3d/1d ticket's 1d): its ratio is recorded from the 5m base alone, never from
    # those rates, so it is fed as a ratio like the long windows' (fed as rates, the pair never started).
    by_count = (w.short_seconds for _, w in pairs if short_counted(w))
    counted_shorts = set() if slo.sli.kind in UNCOUNTED_KINDS else set(by_count)
    events = Decimal(10) ** max(0, (failing / high).adjusted() + 1)  # failing or more of them fail

    def errors(seconds: int) -> str:
        if seconds not in counted_shorts:
            return f"{decimal_text(failing)}+0x{minutes}"
        breach = burns.get(seconds, longest)
        return f"{decimal_text(high * events)}x{breach - 1} 0x{minutes - breach - 1}"

    inputs = [
        InputSeries(names.sli_error_ratio(format_duration(s)), labels(s), ratio(s))
        for s in windows
        if s not in counted_shorts
    ]
    inputs += [InputSeries(names.sli_errors_rate(format_duration(s)), labels(s), errors(s)) for s in failing_in]
    inputs += [
        InputSeries(names.sli_total_rate(format_duration(s)), labels(s), f"{decimal_text(events)}+0x{minutes}")
        for s in sorted(counted_shorts)
    ]
    return inputs, float(decimal_text(high)), breaches, minutes


def _sharing(pairs: list[tuple[Rule, BurnWindow]]) -> list[list[tuple[Rule, BurnWindow]]]:
    """The pairs in sets that share no window: each set burns on its own timeline, so a short hold's pair drops
    early instead of burning as long as the longest `for` of the SLO (fewer 1m steps for the whole group)."""
    sets: list[tuple[set[int], list[tuple[Rule, BurnWindow]]]] = []
    for pair in pairs:
        reads = {pair[1].short_seconds, pair[1].long_seconds}
        joined = [one for one in sets if one[0] & reads]
        sets = [one for one in sets if not one[0] & reads]
        sets.append((reads.union(*(w for w, _ in joined)), [p for _, ps in joined for p in ps] + [pair]))
    return [together for _, together in sets]
