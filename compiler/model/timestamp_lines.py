"""`above:` or `below:` a span of time on a gauge that holds a Unix timestamp (round 53).

A timestamp is the date itself, about 1.7e9 seconds today, so a line written as a span compares the date with the
span: `below: 14d` (1209600) never fires and `above: 14d` always does. A newcomer's cert-manager spec read
`certmanager_certificate_expiration_timestamp_seconds` (`unit: s`) with `below: 14d`: it compiled without a word
(`... < 1209600`), and replayed with promtool a certificate 3 days from expiry raised nothing. blackbox_exporter's
`probe_ssl_earliest_cert_expiry`, cert exporters' `*_not_after`, kube-state-metrics' `*_created` and `*_time` are
the same kind. Refused at the line, with what reads time left (`within:`) or an age (`time() - ...`).

A bare 0 or 1 passes: some exporters write 0 for "never happened", and a line there asks whether it ever did.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from compiler.model.metric_seconds import name_says_timestamp
from compiler.model.past_within import names_future_event, names_past_event
from compiler.model.timestamps import scale
from compiler.model.types import Comparison, Metric, MetricType
from compiler.model.units import decimal_text, parse_threshold_seconds

# Gauges named as points in time besides `*_timestamp_seconds` and `*_time_seconds`: an expiry or a certificate's
# notAfter/notBefore (blackbox_exporter, ssl_exporter, x509-certificate-exporter), OpenMetrics' `_created`, and
# kube-state-metrics' `kube_*_time` (`kube_pod_start_time`, `kube_cronjob_status_last_schedule_time`).
_NAMED_AS_DATE = re.compile(r".*(?:_timestamp|_expiry|_not_after|_not_before|_created)|kube_\w*_time")
_YEAR_2000 = Decimal(946684800)  # no modern timestamp is compared with a date before it
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def is_timestamp(metric: Metric) -> bool:
    """A gauge whose value is a point in time: named as one, or declared with a date unit."""
    if metric.type is not MetricType.GAUGE:
        return False
    series = metric.selector.metric if metric.selector is not None else ""
    return name_says_timestamp(metric) or metric.unit.startswith("dateTime") or bool(_NAMED_AS_DATE.fullmatch(series))


def timestamp_line_problem(value: Any, comparison: Comparison, metric: Metric) -> str | None:
    """Why `above:`/`below:` `value` compares a timestamp with a span of time. Said before the line is read in the
    metric's unit, whose refusal ("a duration needs unit: s") would lead to the dead alert."""
    if comparison is Comparison.WITHIN or not is_timestamp(metric) or isinstance(value, bool):
        return None
    spelled = str(value).strip()
    if _NUMBER.fullmatch(spelled):
        line = Decimal(spelled)
        if not 1 < line < _YEAR_2000 * scale(metric):
            return None
        span = f"{decimal_text(line / scale(metric))}s"
    else:
        try:
            seconds = parse_threshold_seconds(spelled)
        except ValueError:
            return None  # not a span: the line's own reading says what is wrong with it
        line, span = seconds * scale(metric), spelled
    series = metric.selector.metric if metric.selector is not None else metric.name
    outcome = "never fires" if comparison is Comparison.BELOW else "fires at every evaluation"
    ahead = f"for time left until it, write within: {span} (fires while the soonest is less than that ahead)"
    age_metric = f"{{expr: 'time() - max({series}{{$selector}})', type: gauge, unit: s}}"
    age = f"for its age, a metric {age_metric} with {comparison.value}: {span}"
    if "success" in series:
        age += f", or an SLO with sli: {{last_success: {metric.name}, max_age: {span}}}"
    advice = ahead if names_future_event(series) else age if names_past_event(series) else f"{ahead}; {age}"
    return (
        f"metric {metric.name!r} reads {series}, a Unix timestamp (the date itself: about 1.7e9 seconds today), so "
        f"{comparison.value}: {spelled} compares the date with {decimal_text(line)} and {outcome}; {advice}"
    )
