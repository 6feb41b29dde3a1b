"""Exporter counters named "errors" that count the clients' errors (4xx) too, read as a service's failures.

Tomcat's `errorCount` (GlobalRequestProcessor, through jmx_exporter or Micrometer's `tomcat_global_error_total`)
counts every response with a status of 400 or more, and MinIO's `minio_s3_requests_errors_total` 4xx and 5xx
alike: as an availability SLO's failures, a client's 404s (a scanner, an app asking for keys that do not exist)
burn the budget as the server failing. Rounds 42 and 43 met both in fleets nobody here wrote; replayed with
promtool (round 43), 14% of a healthy Tomcat's responses turning 404 for 30 minutes paged its 99.5% SLO 20
minutes in, and the page held ~30 minutes past the storm. Not an error: a team may mean to count them; the
warning names the count of server failures where the exporter has one. Read as failures: ratio SLIs' failures
and the `errors` metric (the error-rate key alert).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.types import Metric, Service, SliKind
from compiler.spec.document import Path

# (name pattern, whose counter and what it counts, what counts the server's failures alone)
_COUNTERS = (
    (
        re.compile(r"(?i)(catalina|tomcat)_(global\w*error\w*|errorcount(_total)?)"),  # not the servlets' (exceptions)
        "Tomcat's errorCount counts every response with a status of 400 or more",
        "Tomcat keeps no count of 5xx alone: count failures from a per-status counter (Micrometer's "
        '`http_server_requests_seconds_count{status=~"5.."}`, the ingress\'s `status=~"5.."`)',
    ),
    (
        re.compile(r"minio_\w*requests_errors_total"),
        "MinIO's requests_errors_total counts 4xx and 5xx responses alike",
        "count the server's failures with its `_5xx_errors_total` sibling (minio_s3_requests_5xx_errors_total)",
    ),
)


def client_error_counter_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) read as failures whose exporter counts
    the clients' errors in it."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in _read_as_failures(service):
            if metric.selector is None or (message := _message(metric.selector.metric)) is None:
                continue
            path = metric_path(service, metric)
            found.setdefault((metric.location, path), message)
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _read_as_failures(service: Service) -> Iterator[Metric]:
    for slo in service.slos:
        if slo.sli.kind is SliKind.RATIO and slo.sli.errors is not None:
            yield slo.sli.errors
    yield from (m for m in service.metrics if m.name == "errors")


def _message(series: str) -> str | None:
    """The warning for `series`, matched whole or as a recording rule's metric (`level:metric:operations`: a recorded
    sum of MinIO's counter, `job:minio_s3_requests_errors_total:sum`, counts 4xx too and was not warned)."""
    for pattern, counts, instead in _COUNTERS:
        if any(pattern.fullmatch(part) for part in series.split(":")):
            return (
                f"{series} is read as failures, but {counts}: the clients' own errors (a 404 for a path or key "
                "that does not exist, a 401) burn the budget as the server failing, and 14% of responses turning "
                f"404 paged a healthy server 20 minutes in; {instead}"
            )
    return None
