"""`obsc verify`: a p99 line the service is already past, over the lookback and now: it pages as soon as the
rules are loaded and for as long as the service serves as it does.

An API whose `latency` histogram times a whole generation (an LLM answering in 5-60 s) inherits the built-in
critical p99 line of 5 s and pages from its first minute (round 39's fleet replay: 0:06 to the replay's end).
`compile` cannot know how slow a service is; the server can. One query per service with p99 lines: the p99 over
the lookback and over the alert's own 5m window, each compared with every line. A line the histogram's buckets
cannot reach is said by the largest-bucket check instead (histogram_quantile never exceeds that bucket).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from compiler.errors import Location
from compiler.model.types import AlertKind, Service
from compiler.model.units import HISTOGRAM_SECONDS, decimal_text, format_duration, parse_duration
from compiler.spec.document import Path
from compiler.verify.client import Prometheus, QueryRejected, sample_value

Find = Callable[[Path, Location, str], None]
ALERT_WINDOW = 300  # seconds: the p99 ServiceHighLatencyP99 compares (service:latency_seconds:p99_rate5m)


def check_p99_now(
    service: Service, path: Path, lookback: str, prometheus: Prometheus, finds: tuple[Find, Find]
) -> None:
    """`finds`: (the spec's, the platform's); a line written in the platform file is reported there, a spec's or
    the built-in one at `path` in the spec."""
    histogram = service.metric("latency")
    lines = [a for a in service.key_alerts if a.kind is AlertKind.LATENCY_P99 and a.threshold is not None]
    if histogram is None or histogram.selector is None or not lines:
        return
    bucket = histogram.selector.render(histogram.selector.metric + "_bucket")
    now = format_duration(min(ALERT_WINDOW, parse_duration(lookback)))
    p99 = [
        f'label_replace(histogram_quantile(0.99, sum by (le) (rate({bucket}[{window}]))), "over", "{over}", "", "")'
        for over, window in (("lookback", lookback), ("now", now))
    ]
    try:
        answer = prometheus.query(" or ".join(p99))
    except QueryRejected:
        return  # the same selector is reported on the metric
    scale = HISTOGRAM_SECONDS.get(histogram.unit, Decimal(1))
    seen = {s.get("metric", {}).get("over"): _seconds(s, scale) for s in answer}
    over, current = seen.get("lookback"), seen.get("now")
    if over is None or current is None:
        return  # no traffic in one of them: nothing read
    spec_find, platform_find = finds
    for alert in lines:
        assert alert.threshold is not None
        line = alert.threshold
        if over < line or current < line:
            continue
        where = alert.line_location if alert.line_location.file else alert.location
        built_in = where.file in ("", "<defaults>")
        platform = not built_in and where.file != service.location.file
        source = "the built-in table" if built_in else str(where)
        message = (
            f"latency_p99 ({alert.tier.value}): the p99 of {bucket} is {_text(over)}s over the last {lookback} "
            f"and {_text(current)}s over the last {now}, already past the line of {decimal_text(line)}s "
            f"({source}): ServiceHighLatencyP99 fires as soon as these rules are loaded and for as long as the "
            "service serves as it does now"
            + (", a page every time" if alert.tier.value == "critical" else "")
            + "; if this is how it serves (a whole generation, a batch call), set its line above its p99 (alerts: "
            f"{{latency_p99: {{{alert.tier.value}: ...}}}}) or time what the line means (the first byte); if not, "
            "it is slow now"
        )
        if platform:
            platform_find(("alerts", "latency_p99", alert.tier.value), where, message)
        else:
            spec_find(path, where, message)


def _seconds(sample: dict[str, object], scale: Decimal) -> Decimal | None:
    value = sample_value(sample)
    return Decimal(repr(value)) * scale if value is not None else None


def _text(seconds: Decimal) -> str:
    return decimal_text(seconds.quantize(Decimal("0.001")).normalize())
