"""Istio's standard metrics, which both sidecars of each call report: a selector must say whose view it reads.

`istio_requests_total` (and the request duration, sizes and TCP counters) carries `reporter="source"` from the
caller's sidecar and `reporter="destination"` from the server's, for the same request. Read without `reporter`, an SLO
counts each request twice: two failed requests on a quiet service were 4 bad events and passed a `min_bad_events` of
3 (replayed with promtool: a page at ~20 requests an hour), and a failure only the caller sees (a timeout, no
healthy upstream) counts as half of one. Dashboards show twice the traffic.

The server's view (`reporter="destination"`) holds no call that never reached a server pod: with every pod unready
the callers get 503 (no healthy upstream) and the server's sidecar sees nothing, so an availability SLI over it
reads no traffic: mesh_views.py warns of it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from compiler.model import promql_text as text_checks
from compiler.model.promql_regex import full_match

_REPORTED_BY_BOTH = re.compile(
    r"istio_(?:requests_total|request_messages_total|response_messages_total"
    r"|(?:request_duration_(?:milli)?seconds|request_bytes|response_bytes)(?:_bucket|_count|_sum)?"
    r"|tcp_(?:sent_bytes|received_bytes|connections_opened|connections_closed)_total)"
)


# Both views and a value neither names: matchers on `reporter` that pass all three choose no view (`=~".*"`, a
# dashboard's "All"; `!=""`); `=~"source|destination"` names both, as meant.
_VIEWS = ("source", "destination", "obsc-any-other-view")
OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}  # promql_parser's names of the operators


def passes(op: str, pattern: str, value: str) -> bool:
    if op in ("=", "!="):
        return (value == pattern) == (op == "=")
    matched = full_match(pattern, value)
    return matched is None or matched == (op == "=~")  # a pattern RE2 refuses is another check's error


def reported_twice(series: str, matchers: Iterable[tuple[str, str, str]]) -> str | None:
    """Why a selector of `series` with `matchers` (label, op, value) reads each call twice, or None: none of
    them is on `reporter`, or those that are let every view through."""
    if not _REPORTED_BY_BOTH.fullmatch(series):
        return None
    on_reporter = [(op, value) for label, op, value in matchers if label == "reporter"]
    if on_reporter and not all(passes(op, value, view) for op, value in on_reporter for view in _VIEWS):
        return None
    return (
        f'{series} is reported by both sidecars of each call (reporter="source", the caller\'s, and '
        'reporter="destination", the server\'s): read without reporter, each request counts twice (two failed '
        "requests pass a min_bad_events of 3) and a failure only the caller sees (a timeout, no healthy upstream) "
        "counts as half of one; pin one view (in the metric's selector or the service's): reporter=\"source\" for "
        'what its callers got (timeouts and unreachable pods included), or reporter="destination" for the '
        "server's own answers (a call that never reaches a pod is not among them)"
    )


def reporter_problems(text: str, selectors: Sequence[Any], service_pins: bool) -> list[tuple[int | None, str]]:
    """The first selector of a parsed expression that reads both views (`service_pins`: the service's selector,
    which $selector brings, names `reporter`: not judged, as obsc does not tell which selectors carry it)."""
    if service_pins:
        return []
    for selector in selectors:
        found = ((m.name, OPS[str(m.op).rsplit(".", 1)[-1]], m.value) for m in selector.matchers.matchers)
        if message := reported_twice(selector.name or "", found):
            return [(text_checks.name_offset(text, selector.name), message)]
    return []
