"""`within: D` on a timestamp of something that already happened.

`within:` fires while the soonest timestamp is less than D ahead of the clock: an expiry (a certificate's notAfter,
a token's end). A timestamp of a past event (the Pushgateway's `push_time_seconds`, a job's last success, a
process's start) is always behind the clock, so `min(...) - time() < D` holds from the first evaluation and for
good. A batch job's `{name: EtlNotPushed, metric: pushed, within: 26h}` ("pushed within the last 26h") compiled
without a word and ticketed from its first evaluation to the end of a two-day replay, healthy runs and all
(promtool, round 37). A located warning says what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.threshold_paths import written_indexes
from compiler.model.types import Comparison, ThresholdAlert

# Names exporters give timestamps of past events: the Pushgateway's own, process and node starts, OpenMetrics'
# `_created`, and `last_<event>`; a future word vetoes (`probe_ssl_last_chain_expiry_timestamp_seconds` is ahead).
_PAST = re.compile(
    r"(?:^|_)(?:push(?:_failure)?_time_seconds|start_time_seconds|boot_time_seconds|created|completion_time)"
    r"(?:_seconds)?$|(?:^|_)last_(?:success|successful|run|seen|push|pushed|completion|completed|update|updated|"
    r"sync|synced|backup|scrape|change|changed|transition|event|modified|write|written|started|finished)"
)
_FUTURE = re.compile(r"expir|not_after|notafter|valid_until|deadline|(?:^|_)next_|(?:^|_)due(?:_|$)")


def names_past_event(series: str) -> bool:
    """A timestamp named as something that already happened (a push, a start, a last success)."""
    return bool(_PAST.search(series)) and not _FUTURE.search(series)


def names_future_event(series: str) -> bool:
    """A timestamp named as something ahead (an expiry, a deadline)."""
    return bool(_FUTURE.search(series))


def past_within_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    """A located warning, at `within:`, for each alert whose timestamp records a past event: a freshness SLI's
    last success, or a series named like one."""
    index = written_indexes(data)
    last = {str(s["sli"]["last_success"]) for s in _slos(data) if "last_success" in s["sli"]}
    found = []
    for alert in alerts:
        if alert.comparison is not Comparison.WITHIN or alert.name not in index:
            continue
        series = alert.metric.selector.metric if alert.metric.selector is not None else ""
        if alert.metric.name not in last and not names_past_event(series):
            continue
        path = ("threshold_alerts", index[alert.name], "within")
        found.append(Diagnostic(ctx.loc(path), path, _message(alert, series)))
    return tuple(found)


def _slos(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    slos = data.get("slos")
    return (
        [s for s in slos if isinstance(s, Mapping) and isinstance(s.get("sli"), Mapping)]
        if isinstance(slos, list)
        else []
    )


def _message(alert: ThresholdAlert, series: str) -> str:
    what = series or f"metric {alert.metric.name!r}"
    span = alert.threshold_text
    read = f"time() - max({series}{{$selector}})" if series else "time() - <the timestamp>"
    return (
        f"within: {span} fires while the soonest timestamp is less than {span} ahead of the clock (an expiry); "
        f"{what} records when something happened, so it is always behind the clock and the alert fires from its "
        f"first evaluation and never stops; to be told it is older than {span}, write an SLO with sli: "
        f"{{last_success: {alert.metric.name}, max_age: {span}}} (SLOFreshnessStale fires past it), or a metric "
        f"{{expr: '{read}', type: gauge, unit: s}} with above: {span}"
    )
