"""Cases for the missing-data twin of a CPU, memory or disk alert (targets/prometheus/key_missing.py).

One timeline for all of a service's twins (they share `up`, so they could not run side by side anyway): with
nothing scraped (scaled to zero) they stay quiet; with the service's targets up and its series there (under
every line) nothing fires; with the targets up and no series, each twin fires after its hold.

A p99 latency or error-rate twin (round 54) reads raw series: its own timeline feeds the histogram's `+Inf`
bucket and `_count`, or the requests counter, standing still (an idle service: quiet), then counting (quiet),
then none (fires after its hold).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from compiler import conventions as names
from compiler.model.saturation_twins import REQUEST_KIND
from compiler.model.types import AlertKind, Service
from compiler.targets.prometheus.key_missing import SIGNAL_OF, is_missing
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries, firing, hold_times, steps_after
from compiler.targets.prometheus.promtool.series import constant, satisfy
from compiler.targets.prometheus.rule_model import Rule, ServiceRules

_UNDER = Decimal("0.01")
_LINES = (AlertKind.CPU, AlertKind.MEMORY, AlertKind.DISK)  # utilisation lines (disk_full's is a time to full)


def quiet_reading(service: Service, signal: str) -> Decimal:
    """A reading of the saturation record `signal` under every line that reads it: 1%, or half the lowest line
    below that (`cpu: {warning: 0.5%}` read 1% as quiet, and the compile failed its own tests: round 38)."""
    lines = [
        alert.threshold / 2
        for alert in service.key_alerts
        if alert.kind in _LINES and SIGNAL_OF[alert.kind][1] == signal and alert.threshold is not None
    ]
    return min([_UNDER, *lines])


def up_labels(
    service: Service, instance: str = "a", group: Mapping[str, str] | None = None
) -> tuple[tuple[str, str], ...]:
    """The labels of one scrape target's `up` series (the targets' labels, not the metrics', and `group`'s): a
    target is told apart by `instance`, or by another label where the targets pin one (`targets: {instance:
    db-1:9100}`: overriding it fed series ServiceDown never reads, and the compile failed its own tests)."""
    selector = {m.label: m.value for m in service.targets if m.op == "="}
    if len(selector) < len(service.targets):  # matchers (`job=~"search-(blue|green)"`): a value each passes
        selector = satisfy(service.targets) or selector
    apart = "instance" if "instance" not in selector else "obsc_target"
    return tuple(sorted({**selector, **(group or {}), apart: instance}.items()))


def up_series(service: Service, samples: int, instance: str = "a", value: int = 1) -> InputSeries:
    """An `up` series of the service's scrape targets, `value` throughout."""
    return InputSeries("up", up_labels(service, instance), constant(value, samples))


def request_inputs(service: Service, kind: AlertKind) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(name, labels) of the raw series a request alert's twin reads, as a test feeds them: the histogram's `+Inf`
    bucket and `_count`, or the requests counter; [] where no labels pass the selector."""
    metric = service.metric(REQUEST_KIND[kind])
    assert metric is not None and metric.selector is not None
    labels = satisfy(metric.selector.matchers)
    if labels is None:
        return []
    own = tuple(sorted(labels.items()))
    base = metric.selector.metric
    if kind is AlertKind.LATENCY_P99:
        return [(base + "_bucket", tuple(sorted({**labels, "le": "+Inf"}.items()))), (base + "_count", own)]
    return [(base, own)]


def split_twins(twins: list[Rule]) -> tuple[list[Rule], list[Rule]]:
    """(the saturation signals' twins, the request alerts' twins)."""
    request = [t for t in twins if t.source is not None and t.source.kind in REQUEST_KIND]
    return [t for t in twins if t not in request], request


def request_twin_cases(service: Service, rules: ServiceRules, step: int) -> list[Case]:
    """The p99 latency and error-rate twins' case, in a test group of its own: beside another lane, the records
    that lane feeds (the error ratio, the p99) would be derived from this case's raw series too."""
    _, request = split_twins([r for r in rules.alert_rules if is_missing(r)])
    case = request_twins_case(service, request, step) if request else None
    return [case] if case is not None else []


def request_twins_case(service: Service, twins: list[Rule], step: int) -> Case | None:
    """One timeline for the p99 latency and error-rate twins: nothing scraped (quiet), the targets up and the
    series standing still (an idle service: quiet), then counting (quiet), then the targets up without them
    (fires after the hold). None where no labels pass a selector."""
    inputs = [
        i for t in twins if t.source is not None and t.source.kind for i in request_inputs(service, t.source.kind)
    ]
    if not inputs or len(inputs) < sum(2 if t.source and t.source.kind is AlertKind.LATENCY_P99 else 1 for t in twins):
        return None
    longest = max(steps_after(t.for_seconds, step) for t in twins)
    measured = longest + step  # each stretch outlasts every hold by a step
    gone = 3 * measured
    end = gone + longest
    n = measured // step
    blanks = f"_x{n} "
    idle = constant(0, n - 1)  # n samples each stretch: standing still, then counting
    busy = " ".join(str(10 * k) for k in range(1, n + 1))
    series = [InputSeries(name, labels, f"{blanks}{idle} {busy}") for name, labels in inputs]
    up = up_series(service, (end - measured) // step)
    series.append(up._replace(values=blanks + up.values))
    checks = []
    for twin in twins:
        for at in (measured - step, 2 * measured - step, gone - step):
            checks.append(AlertCheck(at, twin.alert, ()))
        fired = firing(twin, 1.0)
        for at in hold_times(twin.for_seconds, step):
            checks.append(AlertCheck(gone + at, twin.alert, (fired,) if at >= twin.for_seconds else ()))
    return Case(
        f"{', '.join(t.alert for t in twins)}: no series while nothing is scraped, or with the raw series there "
        "standing still (idle) or counting, stays quiet; scraped without them, the missing-data twin fires after "
        "its hold",
        step,
        tuple(series),
        tuple(checks),
    )


def twins_case(service: Service, twins: list[Rule], step: int) -> Case:
    """One timeline for every twin of the service: nothing scraped and no series (scaled to zero: quiet), then
    the service scraped with its series there (quiet), then scraped without them (fires after the hold)."""
    longest = max(steps_after(t.for_seconds, step) for t in twins)
    measured = longest + step  # each stretch outlasts every hold by a step
    gone = 2 * measured
    end = gone + longest
    signals = sorted({SIGNAL_OF[t.source.kind][1] for t in twins if t.source is not None and t.source.kind})
    own = ((names.LABEL_SERVICE, service.name),)
    blanks = f"_x{measured // step} "
    series = [InputSeries(s, own, blanks + constant(quiet_reading(service, s), measured // step - 1)) for s in signals]
    up = up_series(service, (end - measured) // step)
    series.append(up._replace(values=blanks + up.values))
    checks = []
    for twin in twins:
        checks += [AlertCheck(measured - step, twin.alert, ()), AlertCheck(gone - step, twin.alert, ())]
        fired = firing(twin, 1.0)
        for at in hold_times(twin.for_seconds, step):
            checks.append(AlertCheck(gone + at, twin.alert, (fired,) if at >= twin.for_seconds else ()))
    return Case(
        f"{', '.join(t.alert for t in twins)}: no series while nothing is scraped (scaled to zero) or with its "
        "series there stays quiet; scraped without them, the missing-data twin fires after its hold",
        step,
        tuple(series),
        tuple(checks),
    )
