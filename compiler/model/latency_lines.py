"""A bare number on a request-latency gauge read in seconds, too large to be its line (round 53).

A p99 line needs its unit (round 45: `latency_p99: {critical: 500}` is refused, "did you mean 500ms?"), but a
time-slice condition or a threshold alert on a latency gauge took a bare number in the gauge's unit:
`good_when: 'probe_rtt_seconds < 250'` (meant as ms) judged every slice good under 250 s, and `above: 500` on a
summary's p99 in seconds never fired: a slow service read as healthy. A bare whole number of 50 or more (as the
p99 line's guess: 250 s is no request's latency line) on a gauge read in seconds whose name says it times requests
is refused with both spellings; written with a unit (`250ms`, `250s`) it is taken as written. A lag, an age or a
job's duration (`backup_duration_seconds`) is no request's latency and keeps its bare number.
"""

from __future__ import annotations

import re
from decimal import Decimal

from compiler.model.metric_seconds import seconds_by_name
from compiler.model.types import Metric
from compiler.model.units import decimal_text

_REQUEST_TIMING = re.compile(r"(?:^|_)(?:latency|rtt|response|request|rpc|handling|roundtrip|probe)(?:_|$)")
_NO_LATENCY_LINE = Decimal(50)


def bare_latency_problem(metric: Metric, number: Decimal) -> str | None:
    """Why `number`, written without a unit for `metric`, is no latency line in seconds; None if it may be."""
    if number < _NO_LATENCY_LINE or number != number.to_integral_value():
        return None
    if metric.unit != "s" and not seconds_by_name(metric):
        return None
    named = metric.selector.metric if metric.selector is not None else metric.name
    if not (_REQUEST_TIMING.search(named) or _REQUEST_TIMING.search(metric.name)):
        return None
    n = decimal_text(number)
    return (
        f"{n} has no unit, and metric {metric.name!r} ({named}) times requests in seconds: {n} s is no request's "
        f"latency line, and a slow service would read as healthy under it; write {n}ms, or {n}s if you mean that"
    )
