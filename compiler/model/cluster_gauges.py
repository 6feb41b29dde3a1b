"""Gauges (and counters) of a whole installation that every process writes alike, summed (round 51, Sidekiq).

yabeda-sidekiq collects the Sidekiq installation's own numbers (the jobs waiting in each queue, the retry, scheduled
and dead sets, the oldest job's wait, the processes and busy workers) in every Sidekiq server process by default:
each of N processes scrapes the same Redis and writes the same value. Summed, as obsc combines a gauge unless told
otherwise and as the aggregation error's "a total" invites, the line reads N times the set: round 51's newcomer
fleet declared its retry set `aggregation: sum` with a line of 100; replayed with promtool, 4 processes each writing
30 retries read 120 and ticketed a healthy queue, and a scale-out from 2 to 4 processes doubled every such panel.
A located warning at the metric: `max` (or `avg`) reads the set once whatever the process count.

Round 52: etcd's members write the cluster's facts alike too. Every member counts each leader election it sees in
`etcd_server_leader_changes_seen_total`, so a summed rate reads a 3-member cluster's elections 3 times: 3 elections
in 2 hours (1.5/h) read 4.5/h and ticketed a line of 3/h (promtool, round 52's newcomer fleet). Each member holds a
whole copy of the keyspace, so a summed `etcd_mvcc_db_total_size_in_bytes` (or quota) reads N times the database
against a quota that is each member's.

Round 54: prometheus-nats-exporter (`-jsz=all` or `consumers`) writes each JetStream consumer's series from every
server that holds a replica of it, with `is_consumer_leader` telling which one leads. The server computes the pending
and acknowledgement counts on the leader; the other replicas write 0 or an older value (the exporter's issue 218:
3 / 0 / 3 across three pods). Summed over the replicas, a steady backlog of 6,000 read 12,000 and paged a line of
10,000 drawn `tier: critical` (promtool, round 54's newcomer fleet); any aggregation reads the followers too. A
located warning at the metric until its selector pins `is_consumer_leader`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path, selector_warnings
from compiler.model.promql import Matcher
from compiler.model.types import Aggregation, Service
from compiler.spec.document import Path

_SIDEKIQ = (
    "is the whole Sidekiq installation's, written alike by every Sidekiq process (yabeda-sidekiq collects its "
    "cluster metrics in each server process): summed, N processes read N times it (4 processes each writing 30 jobs "
    "to retry read 120 and ticketed a line of 100), and a scale-out moves every line"
)
_ETCD_ELECTIONS = (
    "counts the etcd cluster's leader elections, and every member counts each one it sees: summed, a 3-member "
    "cluster reads each election 3 times (3 elections in 2 hours, 1.5/h, read 4.5/h and ticketed a line of 3/h)"
)
_ETCD_COPIES = (
    "is one etcd member's copy of the whole keyspace (or its quota), alike on every member: summed, a 3-member "
    "cluster reads 3 times the database against a quota that is each member's"
)
# The metrics every writer of one installation writes alike, and why summing them misreads
_CLUSTER_WIDE = (
    # yabeda-sidekiq's cluster metrics (its `collect_cluster_metrics`, on in every server process)
    (
        re.compile(
            r"sidekiq_(?:jobs_(?:waiting|scheduled|retry|dead)_count|jobs_latency|queue_latency|active_processes"
            r"|active_workers_count)"
        ),
        _SIDEKIQ,
    ),
    (re.compile(r"etcd_server_leader_changes_seen_total"), _ETCD_ELECTIONS),
    (re.compile(r"etcd_(?:mvcc_db_total_size(?:_in_use)?_in_bytes|server_quota_backend_bytes)"), _ETCD_COPIES),
)


# Series every replica writes, of which only the leader's is the installation's: (names, the leader label, why)
_LEADER_ONLY = (
    (
        re.compile(r"jetstream_consumer_\w+"),
        "is_consumer_leader",
        "is written by every NATS server holding a replica of the consumer (prometheus-nats-exporter with -jsz), "
        "and only its leader's value is the consumer's: the others write 0 or an older value, so summed over the "
        "replicas a steady backlog of 6,000 read 12,000 and paged a line of 10,000",
    ),
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
            why = next((why for names, why in _CLUSTER_WIDE if names.fullmatch(selector.metric)), None)
            if why is not None:
                message = f"{selector.metric} {why}; aggregation: max reads it once"
                found.setdefault((metric.location, metric_path(service, metric)), message)
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def leader_only_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric reading a leader-only series (_LEADER_ONLY) without pinning its leader."""
    return selector_warnings(services, _unpinned_leader)


def _unpinned_leader(series: str, matchers: Sequence[Matcher]) -> str | None:
    """Why the series reads every replica: a leader-only series whose selector does not match its leader label."""
    for names, leader, why in _LEADER_ONLY:
        if names.fullmatch(series) and not any(m.label == leader for m in matchers):
            return f'{series} {why}; pin the leader in its selector, {series}{{{leader}="true"}}'
    return None
