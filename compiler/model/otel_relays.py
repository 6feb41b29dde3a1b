"""An SLO counted from an OpenTelemetry SDK's metrics, scraped from another job, whose `up` is taken for the service's.

An application instrumented with OpenTelemetry that pushes its metrics (OTLP) to a collector is scraped at the
collector's Prometheus exporter, which writes its series under the application's own `job` (service.namespace/
service.name): the spec selects that job and names the collector's in `targets:`. Without `targets_via: collector`
obsc took the collector's `up` for the service's own. Replayed with promtool (round 52's newcomer fleet): a checkout
API whose series left the collector for 3 hours, the collector up, raised two SLODataMissing tickets and no page;
ServiceDown watched the collector. With `targets_via: collector` its critical SLOs page SLOTrafficStopped when
their events stop while they were busy at this time yesterday and a week ago. Span metrics (span_metrics) and
ingress controllers' counts (ingress_relays) are warned of apart; an SDK scraped at the application's own exporter
is read under its own job, which this leaves alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.ingress_relays import first_critical_count
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.types import Service

# The request durations OpenTelemetry's HTTP and RPC conventions (stable and older) and gRPC's plugin write, as the
# collector's Prometheus exporter names them
_SDK_SERIES = re.compile(
    r"http_server_request_duration_seconds|http_server_duration_milliseconds"
    r"|rpc_server_(?:call_duration_seconds|duration_milliseconds)|grpc_server_call_duration_seconds"
)


def otel_relay_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One warning per service whose critical SLO counts an OpenTelemetry SDK's requests while `targets:` names
    another job than the selector's, taken for the service's own (no `targets_via`)."""
    out = []
    for service in services:
        if not service.targets or service.relayed or not _another_job(service):
            continue
        first = first_critical_count(service, _SDK_SERIES)
        if first is None or first.selector is None:
            continue
        up = ",".join(m.render() for m in service.targets)
        out.append(
            Diagnostic(
                first.location,
                metric_path(service, first),
                f"{first.selector.metric} is an OpenTelemetry SDK's, read under another job than the `up` "
                f"ServiceDown reads (up{{{up}}}): pushed through a collector, that `up` is the collector's and stays 1 "
                "while the service is dead, so a total outage reads as missing data, a ticket (its series gone for 3 "
                "hours with the collector up: two SLODataMissing tickets, no page); say targets_via: collector beside "
                "targets:, and its critical SLOs page SLOTrafficStopped when their events stop while they were busy "
                "at this time yesterday and a week ago",
            )
        )
    return out


def _another_job(service: Service) -> bool:
    """Whether the targets' `job` is not the one the selector reads the service's series under."""
    targets, selector = _job(service.targets), _job(service.selector)
    return targets is not None and targets != selector


def _job(matchers: Sequence[Matcher]) -> str | None:
    return next((m.value for m in matchers if m.label == "job" and m.op == "="), None)
