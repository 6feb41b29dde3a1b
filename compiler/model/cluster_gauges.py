"""Gauges of a whole installation that every process writes alike, summed (round 51, Sidekiq through yabeda).

yabeda-sidekiq collects the Sidekiq installation's own numbers (the jobs waiting in each queue, the retry, scheduled
and dead sets, the oldest job's wait, the processes and busy workers) in every Sidekiq server process by default:
each of N processes scrapes the same Redis and writes the same value. Summed, as obsc combines a gauge unless told
otherwise and as the aggregation error's "a total" invites, the line reads N times the set: round 51's newcomer
fleet declared its retry set `aggregation: sum` with a line of 100; replayed with promtool, 4 processes each writing
30 retries read 120 and ticketed a healthy queue, and a scale-out from 2 to 4 processes doubled every such panel.
A located warning at the metric: `max` (or `avg`) reads the set once whatever the process count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.types import Aggregation, Service
from compiler.spec.document import Path

# yabeda-sidekiq's cluster metrics (its `collect_cluster_metrics`, on in every server process)
_CLUSTER_GAUGES = re.compile(
    r"sidekiq_(?:jobs_(?:waiting|scheduled|retry|dead)_count|jobs_latency|queue_latency|active_processes"
    r"|active_workers_count)"
)


def cluster_gauge_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per summed metric (once however many services read it) that every process of an
    installation writes alike."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            selector = metric.selector
            if selector is None or metric.aggregation is not Aggregation.SUM:
                continue
            if _CLUSTER_GAUGES.fullmatch(selector.metric):
                found.setdefault((metric.location, metric_path(service, metric)), _message(selector.metric))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _message(series: str) -> str:
    return (
        f"{series} is the whole Sidekiq installation's, written alike by every Sidekiq process (yabeda-sidekiq "
        "collects its cluster metrics in each server process): summed, N processes read N times it (4 processes "
        "each writing 30 jobs to retry read 120 and ticketed a line of 100), and a scale-out moves every line; "
        "aggregation: max reads it once"
    )
