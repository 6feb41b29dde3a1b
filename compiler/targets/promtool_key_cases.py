"""Test cases for key-metric alerts, fed through the recorded service signals the alerts read.

Threshold alerts get, per tier, a case at 1.25x its threshold (checked one step before and at its `for`)
and one case at 0.8x the lowest threshold; the others get a timeline that makes them fire and a moment
where they must not (a rollout still in progress, an error type seen yesterday, last week's traffic).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from compiler import conventions as names
from compiler.model.types import AlertKind, Service
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus_keyalerts import TRAFFIC_FLOOR, UTILISATION_SIGNALS, error_type_labels
from compiler.targets.prometheus_model import Rule, ServiceRules
from compiler.targets.promtool_series import constant
from compiler.targets.promtool_tests import AlertCheck, Case, InputSeries, firing, hold_times, steps_after

DAY, WEEK = 86400, 7 * 86400
SIGNALS = {
    AlertKind.LATENCY_P99: names.SERVICE_LATENCY_P99,
    AlertKind.DISK: names.SERVICE_DISK,
    **UTILISATION_SIGNALS,
}


def _duration(seconds: int) -> str:
    return format_duration(seconds) if seconds else "0s"


def _threshold(rule: Rule) -> Decimal:
    assert rule.source is not None and rule.source.key_alert is not None
    threshold = rule.source.key_alert.threshold
    assert threshold is not None
    return threshold


def _signal(service: Service, name: str, values: str) -> InputSeries:
    return InputSeries(name, ((names.LABEL_SERVICE, service.name),), values)


def _check(rules: list[Rule], at: int, value_of: Callable[[Rule], float | None], active_at: int = 0) -> AlertCheck:
    """Every rule of one alert name that holds (a value) and has held since `active_at` for its `for`."""
    fired = []
    for rule in rules:
        value = value_of(rule)
        if value is not None and at - active_at >= rule.for_seconds:
            fired.append(firing(rule, value))
    return AlertCheck(at, rules[0].alert, tuple(fired))


def _threshold_cases(service: Service, kind: AlertKind, rules: list[Rule], step: int) -> Iterator[Case]:
    """Alerts of the form `signal > threshold`, for every tier of one kind."""

    def inputs(value: Decimal, samples: int) -> tuple[InputSeries, ...]:
        if kind is AlertKind.ERROR_RATE:
            return (
                _signal(service, names.SERVICE_REQUESTS_RATE, constant(1, samples)),
                _signal(service, names.SERVICE_ERRORS_RATE, constant(value, samples)),
            )
        return (_signal(service, SIGNALS[kind], constant(value, samples)),)

    def case(title: str, value: Decimal, times: list[int]) -> Case:
        number = float(decimal_text(value))

        def value_of(rule: Rule) -> float | None:
            return number if number > float(decimal_text(_threshold(rule))) else None

        checks = tuple(_check(rules, at, value_of) for at in times)
        return Case(title, step, inputs(value, max(times) // step + 1), checks)

    for rule in rules:
        hold = rule.for_seconds
        value = _threshold(rule) * Decimal("1.25")
        times = hold_times(hold, step)
        yield case(
            f"{rule.alert} ({dict(rule.labels)['severity']}): 1.25x the threshold fires after {_duration(hold)}",
            value,
            times,
        )
    lowest = min(_threshold(r) for r in rules)
    longest = steps_after(max(r.for_seconds for r in rules), step)
    yield case(f"{rules[0].alert}: 0.8x the lowest threshold stays quiet", lowest * Decimal("0.8"), [longest])


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

        fired = []
        for rule in rules:
            since = active_since(rule)
            if since is not None and at - since >= rule.for_seconds:
                fired.append(firing(rule, float(time_to_full)))
        check = AlertCheck(at, rules[0].alert, tuple(fired))
        return Case(title, step, (_signal(service, names.SERVICE_DISK, values),), (check,))

    for rule in rules:
        horizon = _threshold(rule)
        yield case(
            f"{rule.alert}: full in half the {format_duration(int(horizon))} horizon fires",
            Decimal(int(horizon / 2)) + Decimal("0.5"),
        )
    furthest = max(_threshold(r) for r in rules)
    yield case(f"{rules[0].alert}: full in twice the horizon stays quiet", Decimal(int(furthest * 2)) + Decimal("0.5"))
    flat = Case(
        f"{rules[0].alert}: a full but steady disk is not filling",
        step,
        (_signal(service, names.SERVICE_DISK, constant(Decimal("0.95"), 40)),),
        (AlertCheck(step * 40, rules[0].alert, ()),),
    )
    yield flat


def _down_cases(service: Service, rules: list[Rule], step: int) -> Iterator[Case]:
    times = hold_times(max(r.for_seconds for r in rules), step)
    samples = max(times) // step + 1
    selector = dict((m.label, m.value) for m in service.selector)

    def up(instance: str, value: int) -> InputSeries:
        return InputSeries("up", tuple(sorted({**selector, "instance": instance}.items())), constant(value, samples))

    def checks(down: bool) -> tuple[AlertCheck, ...]:
        return tuple(_check(rules, at, lambda r: 0.0 if down else None) for at in times)

    unrelated = InputSeries("up", (("job", "obsc-unrelated"),), constant(1, samples))
    yield Case(f"{rules[0].alert}: every instance reports up 0", step, (up("a", 0), up("b", 0)), checks(True))
    yield Case(f"{rules[0].alert}: no instance is scraped at all", step, (unrelated,), checks(True))
    yield Case(f"{rules[0].alert}: one instance up is enough", step, (up("a", 1), up("b", 0)), checks(False))


def _deployment_case(service: Service, rules: list[Rule], step: int) -> Case:
    hold = max(r.for_seconds for r in rules)
    old_until, new_from = 40 * 60, 30 * 60
    gone = steps_after(old_until + 6 * 60, step)  # the old version's last sample left the 5m lookback
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
        AlertCheck(20 * 60, rules[0].alert, ()),  # one version, no other seen
        AlertCheck(35 * 60, rules[0].alert, ()),  # two versions running: rollout in progress
        AlertCheck(done, rules[0].alert, fired),
    )
    return Case(f"{rules[0].alert}: 1.0.0 -> 1.1.0 fires once the rollout is complete", step, series, checks)


def _traffic_case(service: Service, anomaly: list[Rule], milestone: list[Rule], share: Decimal, step: int) -> Case:
    """A week at 8 events/s, then up by 1.5x the threshold, then down by as much (when that stays above 0)."""
    base = Decimal(8)
    up, down = base * (1 + share * Decimal("1.5")), base * (1 - share * Decimal("1.5"))
    hold = max((r.for_seconds for r in anomaly), default=0)
    change = WEEK + 2 * 3600
    settle = steps_after(3600 + hold, step)  # the 1h averages are past the change, then `for`
    rise_at = change + settle
    falls = down > 0 and any(_threshold(r) < 1 for r in anomaly)
    fall_from = rise_at + step
    fall_at = fall_from + settle
    end = fall_at if falls else rise_at
    values = f"{decimal_text(base)}+0x{change // step - 1} "
    if falls:
        values += f"{decimal_text(up)}+0x{(fall_from - change) // step - 1} "
        values += f"{decimal_text(down)}+0x{(end - fall_from) // step}"
    else:
        values += f"{decimal_text(up)}+0x{(end - change) // step}"
    checks: list[AlertCheck] = []

    def anomalous(factor: Decimal) -> Callable[[Rule], float | None]:
        def value_of(rule: Rule) -> float | None:
            t = _threshold(rule)
            hit = factor > 1 + t or factor < 1 - t
            return float(decimal_text(factor)) if hit else None

        return value_of

    if anomaly:
        checks.append(_check(anomaly, change - step, anomalous(Decimal(1))))
        checks.append(_check(anomaly, rise_at, anomalous(up / base), active_at=change + 3600))
        if falls:
            checks.append(_check(anomaly, fall_at, anomalous(down / base), active_at=fall_from + 3600))
    if milestone and up / base > 1 and up >= TRAFFIC_FLOOR:
        top = float(decimal_text(up))
        hold_m = max(r.for_seconds for r in milestone)
        checks.append(_check(milestone, change - step, lambda r: None))
        checks.append(_check(milestone, change + steps_after(hold_m, step), lambda r: top, active_at=change))
        checks.append(_check(milestone, rise_at, lambda r: None))
    title = f"traffic: a week at {base}/s, then {decimal_text(up)}/s" + (
        f", then {decimal_text(down)}/s" if falls else ""
    )
    return Case(title, step, (_signal(service, names.SERVICE_REQUESTS_RATE, values),), tuple(checks))


def _new_error_case(service: Service, rules: list[Rule], step: int) -> Case:
    errors = service.metric("errors")
    assert errors is not None
    labels = error_type_labels(errors)
    appear = DAY + 2 * 3600
    hold = max(r.for_seconds for r in rules)
    at = appear + steps_after(hold, step)
    own = ((names.LABEL_SERVICE, service.name),)
    new_values = f"_x{appear // step} " + constant(1, (at - appear) // step)
    inputs = [InputSeries(names.SERVICE_ERROR_TYPES, own + tuple((k, "obsc-new") for k in labels), new_values)]
    if labels:  # a type seen all along is not new
        inputs.append(
            InputSeries(
                names.SERVICE_ERROR_TYPES, own + tuple((k, "obsc-old") for k in labels), constant(1, at // step)
            )
        )
    checks = (AlertCheck(appear - step, rules[0].alert, ()), _check(rules, at, lambda r: 1.0, active_at=appear))
    return Case(
        f"{rules[0].alert}: an error type first seen after a day fires",
        step,
        tuple(sorted(inputs, key=lambda s: s.labels)),
        checks,
    )


def key_cases(service: Service, rules: ServiceRules, step: int, long_step: int) -> Iterator[tuple[Case, bool]]:
    """(case, belongs in the long-horizon file) for every key-metric alert of the service."""
    by_kind: dict[AlertKind, list[Rule]] = {}
    for rule in rules.alert_rules:
        if rule.source is not None and rule.source.kind is not None:
            by_kind.setdefault(rule.source.kind, []).append(rule)
    for kind, mine in by_kind.items():
        if kind in (AlertKind.ERROR_RATE, *SIGNALS):
            yield from ((c, False) for c in _threshold_cases(service, kind, mine, step))
        elif kind is AlertKind.DISK_FULL:
            yield from ((c, False) for c in _disk_full_cases(service, mine, step))
        elif kind is AlertKind.SERVICE_DOWN:
            yield from ((c, False) for c in _down_cases(service, mine, step))
        elif kind is AlertKind.DEPLOYMENT:
            yield _deployment_case(service, mine, step), False
        elif kind is AlertKind.NEW_ERROR_TYPE:
            yield _new_error_case(service, mine, long_step), True
    anomaly = by_kind.get(AlertKind.TRAFFIC_ANOMALY, [])
    milestone = by_kind.get(AlertKind.TRAFFIC_MILESTONE, [])
    shares = list(dict.fromkeys(_threshold(r) for r in anomaly)) or [Decimal("0.5")]
    for i, share in enumerate(shares if anomaly or milestone else []):
        yield _traffic_case(service, anomaly, milestone if i == 0 else [], share, long_step), True
