"""How many requests a key alert needs in its window besides its line.

One failed call in a quiet 5 minutes is a 100% error ratio, and two slow calls are its p99: neither may page.
The rules compare this count (targets/prometheus/keyalerts.py) and the runbook pages say it, so an on-call
engineer reading "above 10%" beside a ratio of 100% knows why the alert is quiet or resolved."""

from __future__ import annotations

from compiler.model.burnrate import default_min_bad_events
from compiler.model.types import AlertKind, Service


def evidence_events(service: Service, kind: AlertKind | None) -> int | None:
    """Failed requests (error rate) or requests at least as slow as the line (p99 of a histogram the spec names
    by selector: an expression's p99 has no buckets to count) the alert needs in its window; None: the line
    alone."""
    if kind is AlertKind.ERROR_RATE:
        return default_min_bad_events()
    latency = service.metric("latency") if kind is AlertKind.LATENCY_P99 else None
    if latency is not None and latency.selector is not None:
        return default_min_bad_events()
    return None
