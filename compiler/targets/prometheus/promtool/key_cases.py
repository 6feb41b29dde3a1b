"""Test cases for key-metric alerts, fed through the recorded service signals the alerts read.

Threshold alerts get, per tier, a case at 1.25x its threshold (checked one step before and at its `for`)
and one case at 0.8x the lowest threshold; the others get a timeline that makes them fire and a moment
where they must not (a rollout still in progress, an error type seen yesterday, last week's traffic).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from compiler import conventions as names
from compiler.model.burnrate import count_floor
from compiler.model.relays import relay_page_labels
from compiler.model.types import AlertKind, Service
from compiler.model.units import decimal_text, format_duration, parse_duration
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.keyalerts import (
    SIGNAL_WINDOW,
    UTILISATION_SIGNALS,
    error_rate_min_events,
    error_type_labels,
)
from compiler.targets.prometheus.promtool.cases import (
    AlertCheck,
    Case,
    InputSeries,
    firing,
    hold_times,
    off_ties,
    steps_after,
)
from compiler.targets.prometheus.promtool.down_steady_cases import gaps_read_as_loop, steady_cases
from compiler.targets.prometheus.promtool.key_common import ABOVE, BELOW, DAY
from compiler.targets.prometheus.promtool.key_common import check as _check
from compiler.targets.prometheus.promtool.key_common import signal as _signal
from compiler.targets.prometheus.promtool.key_common import threshold as _threshold
from compiler.targets.prometheus.promtool.key_missing_cases import split_twins, twins_case, up_labels
from compiler.targets.prometheus.promtool.series import constant, fed, passes
from compiler.targets.prometheus.promtool.traffic_cases import traffic_cases
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

SIGNALS = {
    AlertKind.LATENCY_P99: names.SERVICE_LATENCY_P99,
    AlertKind.DISK: names.SERVICE_DISK,
    **UTILISATION_SIGNALS,
}


def _duration(seconds: int) -> str:
    return format_duration(seconds) if seconds else "0s"


def _threshold_cases(service: Service, kind: AlertKind, rules: list[Rule], step: int) -> Iterator[Case]:
    """Alerts of the form `signal > threshold`, for every tier of one kind. The error rate also needs
    min_events failures in its window: its traffic is a power of two (ratios stay exact) high enough that
    0.8x the lowest line still counts twice that; then, per tier, 1.25x the line with 1.25x / 0.8x
    min_events failures pages / does not."""
    guarded = kind is AlertKind.ERROR_RATE
    # the p99 alert's evidence: the 3rd-slowest request's latency, fed at `slowest` (the p99's own value unless
    # a case says otherwise; from 300 requests in the window it is at least the p99)
    evidenced = kind is AlertKind.LATENCY_P99 and names.SERVICE_LATENCY_EVIDENCE in rules[0].expr
    events = Decimal(error_rate_min_events()) if guarded else Decimal(0)
    window = parse_duration(SIGNAL_WINDOW)
    traffic = Decimal(1)
    while guarded and min(_threshold(r) for r in rules) * BELOW * traffic * window < 2 * events:
        traffic *= 2

    def inputs(value: Decimal, total: Decimal, samples: int, slowest: Decimal) -> tuple[InputSeries, ...]:
        if guarded:
            bad = fed(value * total)
            return (
                _signal(service, names.SERVICE_REQUESTS_RATE, constant(total, samples)),
                _signal(service, names.SERVICE_ERRORS_RATE, constant(bad, samples)),
            )
        signal = _signal(service, SIGNALS[kind], constant(value, samples))
        if evidenced:
            return (signal, _signal(service, names.SERVICE_LATENCY_EVIDENCE, constant(slowest, samples)))
        return (signal,)

    def case(
        title: str, value: Decimal, times: list[int], total: Decimal = traffic, slowest: Decimal | None = None
    ) -> Case:
        slowest = value if slowest is None else slowest
        series = inputs(value, total, max(times) // step + 1, slowest)
        if guarded:
            bad, all_ = (float(s.values.split("+")[0]) for s in (series[1], series[0]))
            number, enough = bad / all_, bad * window >= float(decimal_text(count_floor(events)))
        else:
            number, enough = float(decimal_text(value)), True

        def value_of(rule: Rule) -> float | None:
            line = _threshold(rule)
            if evidenced and (slowest < line or _while_blind(rule)):
                return None  # (the page kept while an SLO is blind reads raw series, which no case feeds)
            return number if enough and number > float(decimal_text(line)) else None

        checks = tuple(_check(rules, at, value_of) for at in times)
        return Case(title, step, series, checks)

    for rule in rules:
        hold = rule.for_seconds
        tier = dict(rule.labels)["severity"]
        line = _threshold(rule)
        yield case(
            f"{rule.alert} ({tier}): 1.25x its line fires after {_duration(hold)}",
            off_ties(line * ABOVE),
            hold_times(hold, step),
        )
        yield case(f"{rule.alert} ({tier}): 0.8x its line does not", line * BELOW, [steps_after(hold, step)])
        if evidenced:
            yield case(
                f"{rule.alert} ({tier}): 1.25x its line with fewer than {error_rate_min_events()} requests that "
                "slow (the 3rd-slowest at 0.8x) does not",
                off_ties(line * ABOVE),
                [steps_after(hold, step)],
                slowest=line * BELOW,
            )
            # Evidence without the p99 over its line (a busy service with a few slow calls): the line itself
            # decides, or a lowered line would still pass every case (the full mutation sweep found that).
            yield case(
                f"{rule.alert} ({tier}): 0.8x its line with the 3rd-slowest request at 1.25x does not",
                line * BELOW,
                [steps_after(hold, step)],
                slowest=off_ties(line * ABOVE),
            )
        if guarded:
            for share, what in ((ABOVE, "fires"), (BELOW, "does not")):
                thin = fed(events * share / (line * ABOVE * window))
                yield case(
                    f"{rule.alert} ({tier}): 1.25x its line with {decimal_text(events * share)} failures in "
                    f"{SIGNAL_WINDOW} {what} (at least {events} needed)",
                    off_ties(line * ABOVE),
                    [steps_after(hold, step)],
                    thin,
                )


def _while_blind(rule: Rule) -> bool:
    return rule.source is not None and rule.source.key_alert is not None and rule.source.key_alert.while_blind


def _disk_full_cases(service: Service, rules: list[Rule], step: int) -> Iterator[Case]:
    """A disk filling linearly: time to full = (1 - used) / slope, chosen as N + 0.5 s so the text is exact."""

    def case(title: str, time_to_full: Decimal) -> Case:
        longest = max(r.for_seconds for r in rules)
        at = step + steps_after(longest, step)  # deriv needs two samples: the condition holds from the second step
        exponent = 1
        while (time_to_full + at) / 2**exponent > Decimal("0.5"):
            exponent += 1
        slope = Decimal(1) / 2**exponent  # per second, a power of two: every sample is exact
        start = 1 - (time_to_full + at) * slope
        values = f"{decimal_text(start)}+{decimal_text(slope * step)}x{at // step}"

        def active_since(rule: Rule) -> int | None:
            horizon = _threshold(rule)
            if time_to_full >= horizon:
                return None
            # time to full shrinks as time passes: it first drops below the horizon at this time
            first = at + time_to_full - horizon
            return max(step, steps_after(int(first) + 1, step))

        def check_at(when: int) -> AlertCheck:
            fired = []
            for rule in rules:
                since = active_since(rule)
                if since is not None and when - since >= rule.for_seconds:
                    fired.append(firing(rule, float(time_to_full + at - when)))
            return AlertCheck(when, rules[0].alert, tuple(fired))

        # and a step before, when the disk is filling but a `for` of a step or more has not passed yet (a rule
        # without its `for` fires there)
        checks = tuple(check_at(when) for when in (at - step, at) if when >= step)
        return Case(title, step, (_signal(service, names.SERVICE_DISK, values),), checks)

    for rule in rules:
        horizon = _threshold(rule)
        span = format_duration(int(horizon))
        # Active from the first step at which the time to full is under the horizon, it must stay so for
        # `for` rounded up to a step: a disk full in 0.8x the horizon, or sooner where `for` needs it (a
        # `for` is at most half the horizon, model/build_key_alerts.py).
        soon = Decimal(int(horizon) - steps_after(rule.for_seconds, step)) - Decimal("0.5")
        full_in = Decimal(int(horizon * BELOW)) + Decimal("0.5")
        if full_in <= soon:
            title = f"full in 0.8x the {span} horizon"
        elif soon > 0:
            title = f"full in {soon}s ({span} horizon)"
        else:  # a horizon within a step: the prediction still holds past full while the disk keeps filling
            title = f"full {-soon}s ago and still filling ({span} horizon)"
        yield case(f"{rule.alert}: {title} fires", min(full_in, soon))
        yield case(
            f"{rule.alert}: full in 1.25x the {span} horizon does not", Decimal(int(horizon * ABOVE)) + Decimal("0.5")
        )
    flat = Case(
        f"{rules[0].alert}: a full but steady disk is not filling",
        step,
        (_signal(service, names.SERVICE_DISK, constant(Decimal("0.95"), 3)),),
        (AlertCheck(step * 3, rules[0].alert, ()),),
    )
    yield flat


def _down_cases(service: Service, rules: list[Rule], step: int) -> Iterator[Case]:
    times = hold_times(max(r.for_seconds for r in rules), step)
    samples = max(times) // step + 1

    def up(instance: str, value: int) -> InputSeries:
        return InputSeries("up", up_labels(service, instance), constant(value, samples))

    def checks(down: bool) -> tuple[AlertCheck, ...]:
        return tuple(_check(rules, at, lambda r: 0.0 if down else None) for at in times)

    # another job's target, named apart from the service's own (targets `{job: obsc-unrelated}` read it: round 30)
    jobs = [m for m in service.targets if m.label == "job"]
    free = (j for j in ("obsc-unrelated", "obsc-unrelated-2") if not all(passes(m, j) for m in jobs) or not jobs)
    job = next(free, "obsc-x")  # a job the targets do not read (a `=~` may pass the first two)
    unrelated = InputSeries("up", (("job", job),), constant(1, samples))
    yield Case(f"{rules[0].alert}: every instance reports up 0", step, (up("a", 0), up("b", 0)), checks(True))
    relay = relay_page_labels(service)
    if relay is not None:  # the same `up` while the relay's page fires (its ALERTS, fed): that page is the one
        page = InputSeries(names.ALERTS_SERIES, tuple(sorted(relay.items())), constant(1, samples))
        title = f"{rules[0].alert}: every instance reports up 0 while the relay's page fires"
        yield Case(title, step, (up("a", 0), up("b", 0), page), checks(False))
    # a service that scales to zero (`missing: ignore`) is idle with no target at all, not down
    idle = tuple(_check(rules, at, lambda r: 0.0 if _absent_is_down(r) else None) for at in times)
    yield Case(f"{rules[0].alert}: no instance is scraped at all", step, (unrelated,), idle)
    if not gaps_read_as_loop(service, rules, step):  # else in the scrapes file (down_steady_cases.py)
        yield from steady_cases(service, rules, step)


def _absent_is_down(rule: Rule) -> bool:
    """ServiceDown reads no `up` series at all as down (the default), or as idle (`missing: ignore`)."""
    return rule.source is None or rule.source.key_alert is None or rule.source.key_alert.missing_fires


def _deployment_case(service: Service, rules: list[Rule], step: int) -> Case:
    hold = max(r.for_seconds for r in rules)
    # Each quiet moment lasts the hold, so a broken rule that holds there (one version alone counted as a
    # rollout; the rollout itself) is seen firing, not just pending. Without a hold: one step each.
    held = steps_after(hold, step)
    new_from = held + step  # one version only until then
    old_until = new_from + held + step  # the rollout: both versions run from new_from to here
    gone = steps_after(old_until + 301, step)  # the old version's last sample has left the 5m lookback
    done = gone + steps_after(hold, step)

    def versions(version: str, start: int, end: int) -> InputSeries:
        blanks = f"_x{start // step} " if start else ""
        return InputSeries(
            names.SERVICE_VERSIONS,
            ((names.LABEL_SERVICE, service.name), ("version", version)),
            blanks + constant(2, (end - start) // step),
        )

    series = (versions("1.0.0", 0, old_until), versions("1.1.0", new_from, done))
    fired = tuple(firing(r, 1.0, {"version": "1.1.0"}) for r in rules if done - gone >= r.for_seconds)
    checks = (
        AlertCheck(held, rules[0].alert, ()),  # one version, no other seen
        AlertCheck(new_from + held, rules[0].alert, ()),  # two versions running: rollout in progress
        AlertCheck(done, rules[0].alert, fired),
    )
    return Case(f"{rules[0].alert}: 1.0.0 -> 1.1.0 fires once the rollout is complete", step, series, checks)


def _new_error_case(service: Service, rules: list[Rule], step: int) -> Case:
    """An error type seen from the start is not new (checked at 2h); one appearing after more than a day
    without it is. Without type labels the one series stands for both: present, gone a day, back."""
    errors = service.metric("errors")
    assert errors is not None
    labels = error_type_labels(errors)
    # `early` is at least 1h in (the 1h offset reaches the first sample); the type comes back once the
    # day before `appear` (offset 1h) has no sample of it: a whole step count at any step.
    early = steps_after(2 * 3600, step)
    appear = steps_after(early + DAY + 3600, step)
    hold = max(r.for_seconds for r in rules)
    at = appear + steps_after(hold, step)
    own = ((names.LABEL_SERVICE, service.name),)
    back = constant(1, (at - appear) // step)
    inputs: tuple[InputSeries, ...]
    if labels:
        inputs = (
            InputSeries(
                names.SERVICE_ERROR_TYPES, own + tuple((k, "obsc-new") for k in labels), f"_x{appear // step} {back}"
            ),
            InputSeries(
                names.SERVICE_ERROR_TYPES, own + tuple((k, "obsc-old") for k in labels), constant(1, at // step)
            ),
        )
    else:
        gap = (appear - early) // step - 1
        inputs = (InputSeries(names.SERVICE_ERROR_TYPES, own, f"{constant(1, early // step)} _x{gap} {back}"),)
    checks = (
        AlertCheck(early, rules[0].alert, ()),
        AlertCheck(appear - step, rules[0].alert, ()),
        _check(rules, at, lambda r: 1.0, active_at=appear),
    )
    return Case(
        f"{rules[0].alert}: errors seen all along are not new; a type unseen for a day is", step, inputs, checks
    )


def key_cases(service: Service, rules: ServiceRules, step: int, long_step: int) -> Iterator[tuple[Case, bool]]:
    """(case, belongs in the long-horizon file) for every key-metric alert of the service."""
    by_kind: dict[AlertKind, list[Rule]] = {}
    twins: list[Rule] = []
    for rule in rules.alert_rules:
        if rule.source is not None and rule.source.kind is not None:
            (twins if is_missing(rule) else by_kind.setdefault(rule.source.kind, [])).append(rule)
    saturation, request = split_twins(twins)
    if saturation:
        yield twins_case(service, saturation, step), False
    twinned = {t.source.kind for t in request if t.source is not None}  # their cases feed records, not raw series
    for kind, mine in by_kind.items():
        if kind is AlertKind.ERROR_RATE or kind in SIGNALS:
            woken = kind in twinned
            yield from ((c._replace(woken_by_up=woken), False) for c in _threshold_cases(service, kind, mine, step))
        elif kind is AlertKind.DISK_FULL:
            yield from ((c, False) for c in _disk_full_cases(service, mine, step))
        elif kind is AlertKind.SERVICE_DOWN:
            yield from ((c, False) for c in _down_cases(service, mine, step))
        elif kind is AlertKind.DEPLOYMENT:
            yield _deployment_case(service, mine, step), False
        elif kind is AlertKind.NEW_ERROR_TYPE:
            held = _held(mine)
            yield _new_error_case(service, mine, step if held else long_step), not held
    anomaly = by_kind.get(AlertKind.TRAFFIC_ANOMALY, [])
    milestone = by_kind.get(AlertKind.TRAFFIC_MILESTONE, [])
    if _held(milestone):
        yield from ((c, False) for c in traffic_cases(service, [], milestone, step))
        milestone = []
    yield from ((c, True) for c in traffic_cases(service, anomaly, milestone, long_step))


def _held(rules: list[Rule]) -> bool:
    """An event notice with a `for` (at most 30m, model/alert_kinds.py) fires within the hour after its event,
    which the long file's 12h steps cannot show: its cases run at the main file's steps (a week of them for
    the traffic high, paid only by services that set such a `for`)."""
    return any(r.for_seconds for r in rules)
