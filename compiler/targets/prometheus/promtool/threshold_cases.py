"""Test cases for threshold alerts (`threshold_alerts:`), fed through the recorded signal each alert reads.

Per alert: its value a quarter past the line fires after `for` (checked one step before: still pending) and
a quarter short of it stays quiet; a line at 0 is passed by 1. `within` feeds a timestamp that runs ahead
of the clock at its pace, so the time left stays constant. With `missing: alert`, no series for the
service (only another service's) fires the data=missing twin after max(for, 10m), as does one instance's
series stopping while the instance is still scraped (split `by: [instance]`); with `missing: ignore`
the same input stays quiet. Every mutant of the comparison (line raised by half, lowered by 40%, flipped)
changes one of these outcomes (tests/test_prometheus_mutations.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from compiler import conventions as names
from compiler.model.thresholds import (
    MISSING_FOR_SECONDS,
    reads_up,
    signal_name,
    watches_vanished_groups,
    watches_vanished_instances,
)
from compiler.model.types import Comparison, Service, ThresholdAlert
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.key_missing import is_instance_twin, is_missing
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, InputSeries, hold_times, steps_after
from compiler.targets.prometheus.promtool.series import satisfy
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.thresholds import missing_family, targets_down_within

SHARE = Decimal("0.25")  # how far past (or short of) the line the inputs go
OTHER_SERVICE = "obsc-other-service"  # a series that must not stand in for the service's own
VANISHED_INSTANCE = "obsc-vanished"  # the instance whose series stop while it is still scraped
VANISHED_GROUP = "obsc-vanished"  # a group (a topic...) whose series stop past the line
GONE_QUIET_GROUP = "obsc-gone-quiet"  # one whose series stop short of it
LOOKBACK_DELTA = 300  # Prometheus reads a series' last sample for 5 minutes: absent only after that


def threshold_firing(rule: Rule, value: float, series_labels: dict[str, str]) -> Firing:
    labels = tuple(sorted({**series_labels, **dict(rule.labels)}.items()))
    return Firing(labels, tuple((k, tmpl.render(v, value, labels=dict(labels))) for k, v in rule.annotations))


def _values(alert: ThresholdAlert, start: Decimal, samples: int, step: int) -> str:
    """Constant for a value; for `within` a timestamp `start` seconds ahead of the clock at every sample."""
    pace = step if alert.comparison is Comparison.WITHIN else 0
    return f"{decimal_text(start)}+{pace}x{samples}"


def _inputs(service: Service, alert: ThresholdAlert, value: Decimal, samples: int, step: int) -> InputSeries:
    labels = {names.LABEL_SERVICE: service.name, **{label: "obsc" for label in alert.by}}
    return InputSeries(signal_name(alert), tuple(sorted(labels.items())), _values(alert, value, samples, step))


def _shown(alert: ThresholdAlert, value: Decimal) -> str:
    if alert.comparison is Comparison.WITHIN:
        seconds = int(value)
        return f"{format_duration(seconds) if seconds > 0 and seconds == value else decimal_text(value) + 's'} left"
    return decimal_text(value)


def _sides(alert: ThresholdAlert) -> tuple[Decimal, Decimal]:
    """(a value that fires, one that does not)."""
    line = alert.threshold
    gap = abs(line) * SHARE if line != 0 else Decimal(1)
    if alert.comparison is Comparison.ABOVE:
        return line + gap, line - gap
    return line - gap, line + gap  # below, and within (less time left than the line fires)


def quiet_side(alert: ThresholdAlert) -> Decimal:
    """A value the alert does not fire on."""
    return _sides(alert)[1]


def fire_side(alert: ThresholdAlert) -> Decimal:
    """A value the alert fires on."""
    return _sides(alert)[0]


def _cases(service: Service, main: Rule, missing: Rule | None, step: int, apart: Rule | None = None) -> Iterator[Case]:
    """`apart`: the twin's instance branch as a rule of its own (a critical alert's, at warning)."""
    assert main.source is not None and main.source.threshold is not None
    alert = main.source.threshold
    fire, quiet = _sides(alert)
    hold = main.for_seconds
    times = hold_times(hold, step)
    series = _inputs(service, alert, fire, max(times) // step + 1, step)
    labels = dict(series.labels)
    checks = tuple(
        AlertCheck(at, main.alert, (threshold_firing(main, float(decimal_text(fire)), labels),) if at >= hold else ())
        for at in times
    )
    what = f"{alert.comparison.value} {alert.threshold_text}"
    held = format_duration(hold) if hold else "0s"
    yield Case(f"{main.alert}: {_shown(alert, fire)} ({what}) fires after {held}", step, (series,), checks)
    at = steps_after(hold, step)
    yield Case(
        f"{main.alert}: {_shown(alert, quiet)} ({what}) does not",
        step,
        (_inputs(service, alert, quiet, at // step + 1, step),),
        (AlertCheck(at, main.alert, ()),),
    )
    # Another service's series: named apart from this one, even a service that took the name.
    stranger = OTHER_SERVICE if service.name != OTHER_SERVICE else f"{OTHER_SERVICE}-2"
    other = InputSeries(
        signal_name(alert),
        ((names.LABEL_SERVICE, stranger),),
        _values(alert, fire, 1 + 2 * max(hold, MISSING_FOR_SECONDS) // step, step),
    )
    if missing is None:
        at = steps_after(max(hold, MISSING_FOR_SECONDS), step)
        yield Case(
            f"{main.alert}: no series stays quiet (missing: ignore)", step, (other,), (AlertCheck(at, main.alert, ()),)
        )
        return
    own = {names.LABEL_SERVICE: service.name}
    checks = tuple(
        AlertCheck(t, main.alert, (threshold_firing(missing, 1.0, own),) if t >= missing.for_seconds else ())
        for t in hold_times(missing.for_seconds, step)
    )
    yield Case(
        f"{main.alert}: no series of the service fires after {format_duration(missing.for_seconds)}",
        step,
        (other, *_targets_up(service, missing, max(c.at for c in checks) // step + 1)),
        checks,
    )
    if (vanished := _vanished_case(service, alert, apart or missing, step)) is not None:
        yield vanished
    if watches_vanished_groups(alert):
        yield _vanished_group_case(service, main, missing, step)


def _targets_up(service: Service, missing: Rule, samples: int) -> tuple[InputSeries, ...]:
    """The service's targets up throughout, where the twin is quiet while they were all down
    (thresholds.targets_down_within): it fires on missing data, not on their `up`."""
    assert missing.source is not None and missing.source.threshold is not None
    hold = max(missing.source.threshold.for_seconds, MISSING_FOR_SECONDS)
    up = satisfy(service.targets)
    if up is None or targets_down_within(service, missing.source.threshold, hold) is None:
        return ()
    return (InputSeries("up", tuple(sorted(up.items())), f"1x{samples}"),)


def _vanished_case(service: Service, alert: ThresholdAlert, missing: Rule, step: int) -> Case | None:
    """An alert split by instance: one instance still on `up` whose signal stops while another's goes on
    fires the twin with its labels once held; quiet before (see thresholds.vanished_instances)."""
    if not watches_vanished_instances(alert, bool(service.targets)):
        return None
    up = satisfy(service.targets)
    if up is None or "instance" in up:
        return None
    late = steps_after(LOOKBACK_DELTA + step + missing.for_seconds, step)
    samples = late // step + 1
    value = _sides(alert)[1]  # on the quiet side of the line: only the twin can fire
    staying = _inputs(service, alert, value, samples, step)
    gone = {**dict(staying.labels), "instance": VANISHED_INSTANCE}
    fed = (
        staying,
        InputSeries(staying.name, tuple(sorted(gone.items())), _values(alert, value, 0, step)),  # one sample, at 0
        InputSeries("up", tuple(sorted({**up, "instance": VANISHED_INSTANCE}.items())), f"1x{samples}"),
    )
    quiet = steps_after(missing.for_seconds, step)  # absent for less than the hold yet (the lookback delta)
    return Case(
        f"{missing.alert}: an instance still scraped whose series stopped fires after "
        f"{format_duration(missing.for_seconds)}, with its labels",
        step,
        fed,
        (
            AlertCheck(quiet, missing.alert, ()),
            AlertCheck(late, missing.alert, (threshold_firing(missing, 1.0, {"instance": VANISHED_INSTANCE}),)),
        ),
    )


def _vanished_group_case(service: Service, main: Rule, missing: Rule, step: int) -> Case:
    """An alert split by labels other than `instance`: of three groups past, past and short of the line, the
    second and third stop; the twin fires for the one that stopped past the line, with its labels, once held
    (see thresholds.vanished_groups), while the main alert fires for the one still there. Split by several
    labels, one group more per label stays, one label apart from the stopped one: its branch's `unless on
    (...)` without any one label would read that group as the stopped one still reporting."""
    assert main.source is not None and main.source.threshold is not None
    alert = main.source.threshold
    fire, quiet = _sides(alert)
    late = steps_after(LOOKBACK_DELTA + step + missing.for_seconds, step)
    staying = _inputs(service, alert, fire, late // step + 1, step)
    # a stopped timestamp's time left shrinks as the clock runs on: the quiet one is fed as far ahead as it
    # must still be at `late`; the one past the line only gets further past it
    ahead = Decimal(late) if alert.comparison is Comparison.WITHIN else Decimal(0)

    def stopped(group: str, value: Decimal) -> InputSeries:
        labels = {**dict(staying.labels), **{label: group for label in alert.by}}
        return InputSeries(staying.name, tuple(sorted(labels.items())), _values(alert, value, 0, step))

    gone = {names.LABEL_SERVICE: service.name, **{label: VANISHED_GROUP for label in alert.by}}
    near = [{**gone, label: dict(staying.labels)[label]} for label in alert.by] if len(alert.by) > 1 else []
    stays = (staying, *(staying._replace(labels=tuple(sorted(labels.items()))) for labels in near))
    fed = (*stays, stopped(VANISHED_GROUP, fire), stopped(GONE_QUIET_GROUP, quiet + ahead))
    firing = (
        *(threshold_firing(main, float(decimal_text(fire)), dict(s.labels)) for s in stays),
        threshold_firing(missing, 1.0, gone),
    )
    return Case(
        f"{missing.alert}: a group whose series stopped past the line fires after "
        f"{format_duration(missing.for_seconds)}, with its labels; one that stopped short of it does not",
        step,
        fed,
        (AlertCheck(late, missing.alert, firing),),
    )


def family_cases(service: Service, rules: ServiceRules, step: int) -> Iterator[Case]:
    """For each counter compared `above` whose missing-data rule also reads its family: the family there, no
    event of the alert's own series yet, stays quiet (see thresholds.missing_family). Raw series: each case
    runs in a test group of its own, as they feed the service's other recordings too."""
    for rule in rules.alert_rules:
        alert = rule.source.threshold if rule.source is not None else None
        if alert is not None and is_missing(rule) and not is_instance_twin(rule):  # one case checks both
            case = _family_without_events(service, alert, rule, step)
            if case is not None:
                yield case


def _family_without_events(service: Service, alert: ThresholdAlert, missing: Rule, step: int) -> Case | None:
    family = missing_family(service, alert)
    assert alert.metric.selector is not None or family is None
    if family is None or alert.metric.selector is None:
        return None
    labels = satisfy(family.matchers, avoid=alert.metric.selector.matchers)
    if labels is None:
        return None
    at = steps_after(missing.for_seconds, step)
    fed = InputSeries(family.metric, tuple(sorted(labels.items())), f"0+60x{at // step + 1}")
    return Case(
        f"{missing.alert}: the family without any {alert.metric.name} event yet stays quiet",
        step,
        (fed,),
        (AlertCheck(at, missing.alert, ()),),
    )


def threshold_cases(service: Service, rules: ServiceRules, step: int) -> Iterator[Case]:
    """Cases for every threshold alert of the service (its value rule and its missing-data twin)."""
    by_name: dict[str, list[Rule]] = {}
    for rule in rules.alert_rules:
        if rule.source is not None and rule.source.threshold is not None:
            by_name.setdefault(rule.alert, []).append(rule)
    for mine in by_name.values():
        main = next(r for r in mine if not is_missing(r))
        missing = next((r for r in mine if is_missing(r) and not is_instance_twin(r)), None)
        apart = next((r for r in mine if is_instance_twin(r)), None)
        alert = main.source.threshold if main.source is not None else None
        up = alert is not None and reads_up(alert)
        cases = _cases(service, main, missing, step, apart)
        yield from (case._replace(reads_up=True) if up else case for case in cases)
