"""Istio's standard metrics, which both sidecars of each call report: a selector must say whose view it reads.

`istio_requests_total` (and the request duration, sizes and TCP counters) carries `reporter="source"` from the
caller's sidecar and `reporter="destination"` from the server's, for the same request. Read without `reporter`, an SLO
counts each request twice: two failed requests on a quiet service were 4 bad events and passed a `min_bad_events` of
3 (replayed with promtool: a page at ~20 requests an hour), and a failure only the caller sees (a timeout, no
healthy upstream) counts as half of one. Dashboards show twice the traffic."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from compiler.model import promql_text as text_checks

_REPORTED_BY_BOTH = re.compile(
    r"istio_(?:requests_total|request_messages_total|response_messages_total"
    r"|(?:request_duration_(?:milli)?seconds|request_bytes|response_bytes)(?:_bucket|_count|_sum)?"
    r"|tcp_(?:sent_bytes|received_bytes|connections_opened|connections_closed)_total)"
)


def reported_twice(series: str, labels: Iterable[str]) -> str | None:
    """Why a selector of `series` with matchers on `labels` reads each call twice, or None."""
    if not _REPORTED_BY_BOTH.fullmatch(series) or "reporter" in labels:
        return None
    return (
        f'{series} is reported by both sidecars of each call (reporter="source", the caller\'s, and '
        'reporter="destination", the server\'s): read without reporter, each request counts twice (two failed '
        "requests pass a min_bad_events of 3) and a failure only the caller sees (a timeout, no healthy upstream) "
        "counts as half of one; pin one view (in the metric's selector or the service's): reporter=\"source\" for "
        'what its callers got (timeouts and unreachable pods included), or reporter="destination" for the '
        "server's own answers"
    )


def reporter_problems(text: str, selectors: Sequence[Any], service_pins: bool) -> list[tuple[int | None, str]]:
    """The first selector of a parsed expression that reads both views (`service_pins`: the service's selector,
    which $selector brings, names `reporter`: not judged, as obsc does not tell which selectors carry it)."""
    if service_pins:
        return []
    for selector in selectors:
        if message := reported_twice(selector.name or "", (m.name for m in selector.matchers.matchers)):
            return [(text_checks.name_offset(text, selector.name), message)]
    return []
