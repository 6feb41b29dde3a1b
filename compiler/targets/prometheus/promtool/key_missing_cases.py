"""Cases for the missing-data twin of a CPU, memory or disk alert (targets/prometheus/key_missing.py).

Each feeds another service's signal past every line (the cases of the signal's own alerts feed the same
series, so they run one after another, never side by side with a check of the same alert name): with the
service's targets up and no series of its own the twin fires after its hold; with nothing scraped (scaled to
zero) it stays quiet; with its own series there (under the line) nothing fires.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from compiler import conventions as names
from compiler.model.types import Service
from compiler.model.units import format_duration
from compiler.targets.prometheus.key_missing import SIGNAL_OF
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries, firing, hold_times, steps_after
from compiler.targets.prometheus.promtool.series import constant
from compiler.targets.prometheus.promtool.threshold_cases import OTHER_SERVICE
from compiler.targets.prometheus.rule_model import Rule

_PAST_EVERY_LINE = Decimal("0.99")  # another service's signal: a share, above any line a share can have
_UNDER = Decimal("0.01")


def up_series(service: Service, samples: int, instance: str = "a", value: int = 1) -> InputSeries:
    """An `up` series of the service's scrape targets (their labels, not the metrics'); a target that pins
    `instance` is told apart by another label."""
    selector = {m.label: m.value for m in service.targets}
    apart = "instance" if "instance" not in selector else "obsc_target"
    return InputSeries("up", tuple(sorted({**selector, apart: instance}.items())), constant(value, samples))


def twin_cases(service: Service, twin: Rule, step: int) -> Iterator[Case]:
    assert twin.source is not None and twin.source.kind is not None
    signal = SIGNAL_OF[twin.source.kind][1]
    hold = twin.for_seconds
    times = hold_times(hold, step)
    samples = max(times) // step + 1
    stranger = OTHER_SERVICE if service.name != OTHER_SERVICE else f"{OTHER_SERVICE}-2"
    other = InputSeries(signal, ((names.LABEL_SERVICE, stranger),), constant(_PAST_EVERY_LINE, samples))
    fired = firing(twin, 1.0)
    yield Case(
        f"{twin.alert}: no {signal} series while the service is scraped fires after {format_duration(hold)}",
        step,
        (other, up_series(service, samples)),
        tuple(AlertCheck(at, twin.alert, (fired,) if at >= hold else ()) for at in times),
    )
    at = steps_after(hold, step)
    yield Case(
        f"{twin.alert}: no {signal} series and nothing scraped (scaled to zero) stays quiet",
        step,
        (other,),
        (AlertCheck(at, twin.alert, ()),),
    )
    own = InputSeries(signal, ((names.LABEL_SERVICE, service.name),), constant(_UNDER, at // step + 1))
    yield Case(
        f"{twin.alert}: its series there, the service scraped, stays quiet",
        step,
        (own, up_series(service, at // step + 1)),
        (AlertCheck(at, twin.alert, ()),),
    )
