"""An SLO counted by an ingress controller whose `up` is taken for the service's own (round 47).

ingress-nginx, Traefik, HAProxy and Kong count the requests they forward to a service. A spec that reads those
counts names the controller's scrape job in `targets:`, and obsc took that `up` for the service's: ServiceDown
watched the controller and no SLOTrafficStopped was written. The controller's `up` stays 1 when no request reaches
it any more (an expired certificate, DNS, a load balancer in front of it), and a rate of 0 is neither a burn nor
missing data: on a live Prometheus 2.42 (round 47) an ingress-nginx service at 50 req/s with no request for 40
minutes and its controller up raised no alert at all. With `targets: false` the same SLO pages SLOTrafficStopped,
so naming the controller lost the page. A located warning names `targets_via: ingress`: ServiceDown keeps watching
the controller, and the critical SLOs page when their events stop while they were busy at this time yesterday and
a week ago. Envoy's stats are left alone: a sidecar's `up` dies with the service's pod.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic
from compiler.model.metric_paths import metric_path
from compiler.model.silent_groups import COUNTED_KINDS
from compiler.model.types import Metric, Service

# The request counts and durations an ingress controller writes per forwarded request, by exporter.
_CONTROLLER_SERIES = re.compile(
    r"nginx_ingress_controller_(?:requests|request_duration_seconds)"
    r"|traefik_(?:service|router|entrypoint)_(?:requests_total|request_duration_seconds)"
    r"|haproxy_(?:backend|frontend|server)_http_(?:responses|requests)_total"
    r"|kong_http_(?:requests_total|status)|kong_request_latency_ms"
)


def ingress_relay_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One warning per service whose critical SLO counts an ingress controller's requests while `targets:` names
    a scrape job taken for the service's own (no `targets_via`)."""
    out = []
    for service in services:
        if not service.targets or service.relayed:
            continue
        first = first_critical_count(service, _CONTROLLER_SERIES)
        if first is None or first.selector is None:
            continue
        up = ",".join(m.render() for m in service.targets)
        out.append(
            Diagnostic(
                first.location,
                metric_path(service, first),
                f"{first.selector.metric} is counted by the ingress controller, and the `up` ServiceDown reads "
                f"(up{{{up}}}) stays 1 while no request reaches the controller (an expired certificate, DNS, a load "
                "balancer in front): a total outage reads as no traffic and nothing fires (live, 40 minutes without a "
                "request and the controller up: no alert); name the controller's job in targets: and say "
                "targets_via: ingress beside it, and its critical SLOs page SLOTrafficStopped when their events stop "
                "while they were busy at this time yesterday and a week ago (ServiceDown watches the controller)",
            )
        )
    return out


def first_critical_count(service: Service, series: re.Pattern[str]) -> Metric | None:
    """The first (by place in the spec) of critical_counts: where a relay warning is located."""
    return min(critical_counts(service, series), key=lambda m: (m.location.line, m.location.col), default=None)


def critical_counts(service: Service, series: re.Pattern[str]) -> Iterator[Metric]:
    """The metrics a critical SLO of `service` counts its events with whose family name (a spec may name a
    histogram's `_bucket` or `_count` series) matches `series`: the relay warnings' subject (this module's and
    otel_relays')."""
    for slo in service.slos:
        if not slo.alerting.critical or slo.sli.kind not in COUNTED_KINDS:
            continue
        for metric in (slo.sli.total, slo.sli.latency):
            family = re.sub(r"_(?:bucket|count|sum)$", "", metric.selector.metric) if metric and metric.selector else ""
            if metric and family and series.fullmatch(family):
                yield metric
