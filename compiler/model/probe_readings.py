"""A time-slice SLI over a prober's measurement that a failed probe passes (round 48).

The blackbox exporter writes its gauges for a probe that got no answer too: a refused connection, a DNS failure or
a timeout leave `probe_http_status_code` at 0, and the first two `probe_duration_seconds` at the milliseconds the
failure took (a refused connection is faster than any page). A newcomer's endpoint SLOs, `good_when: status <
500` ("no server errors") and `good_when: probe_time < 1` ("fast"), read an unreachable site as good slices.
Replayed with promtool (99.9%/30d, every probe refused for an hour after 3 healthy hours): 20 minutes in, the
status SLO and the speed SLO had raised nothing, not even SLODataMissing, while `probe_success == 1` paged.

A threshold alert `above:` a line on such a gauge (`probe_http_status_code` above 499) is quiet for the same probe:
0 is under every line. Both are located warnings, at `good_when` (a `probe_*` gauge whose condition holds at 0;
`probe_success` itself, 0 on failure, only when the condition passes 0 too) or at the alert. `probe_success` is
the prober's verdict: the module's `valid_status_codes` say which statuses pass and its `timeout` which answers
are too slow, so it can say both what the status and the speed SLOs meant to.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from compiler.errors import Diagnostic
from compiler.model.types import Comparison, Service, SliKind

_PROBER = "probe_"
_HOLDS = {
    "==": lambda x, v: x == v,
    "!=": lambda x, v: x != v,
    "<": lambda x, v: x < v,
    "<=": lambda x, v: x <= v,
    ">": lambda x, v: x > v,
    ">=": lambda x, v: x >= v,
}


def failed_probe_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each time-slice SLO whose condition a probe without an answer passes, and at each
    threshold alert such a probe keeps quiet."""
    found = []
    for service in services:
        for index, slo in enumerate(service.slos):
            sli = slo.sli
            gauge = sli.gauge
            if sli.kind is not SliKind.TIME_SLICE or gauge is None or gauge.selector is None or sli.value is None:
                continue
            series = gauge.selector.metric
            if series.startswith(_PROBER) and _HOLDS[sli.op](Decimal(0), sli.value):
                condition = f"{gauge.name} {sli.op} {sli.value}"
                where = ("slos", index, "sli", "good_when")
                found.append(Diagnostic(slo.location, where, _message(slo.name, condition, series)))
        for index, alert in enumerate(service.threshold_alerts):
            selector = alert.metric.selector
            if selector is None or not selector.metric.startswith(_PROBER) or selector.metric == "probe_success":
                continue
            if alert.comparison is Comparison.ABOVE and alert.threshold >= 0:
                path = ("threshold_alerts", index)
                found.append(
                    Diagnostic(alert.location, path, _quiet(alert.name, alert.threshold_text, selector.metric))
                )
    return found


def _quiet(alert: str, line: str, series: str) -> str:
    return (
        f"{alert} fires above {line}, and the prober writes {series} for a probe that got no answer too (a refused "
        "connection, a DNS failure or a timeout leave probe_http_status_code at 0, and the first two leave "
        "probe_duration_seconds at the few milliseconds the failure took): 0 is under the line, so an unreachable "
        "endpoint keeps this alert quiet; alert on probe_success below 1 beside it, which fails these"
    )


def _message(slo: str, condition: str, series: str) -> str:
    return (
        f"SLO {slo!r}: good_when {condition} holds at 0, and the prober writes {series} for a probe that got no "
        "answer too (a refused connection, a DNS failure or a timeout leave probe_http_status_code at 0, and the "
        "first two leave probe_duration_seconds at the few milliseconds the failure took): an unreachable endpoint "
        "reads as good slices (replayed: every probe refused, `status < 500` and `probe_time < 1` raised nothing); "
        "judge the probe by probe_success (good_when: <probe_success metric> == 1), which fails these: the "
        "module's valid_status_codes say which statuses pass, and its timeout which answers are too slow; a gauge "
        "condition beside it still counts an unreachable endpoint as good"
    )
