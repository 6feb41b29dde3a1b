"""Counters that well-known exporters write without the `_total` suffix (round 47).

obsc reads `requests` and `errors` as counters and refuses a series named unlike one (a recorded rate read with
rate() is about 0, so an outage never paged). Envoy writes its counters under their stat names,
`envoy_cluster_upstream_rq_xx{envoy_response_code_class="5"}` and `envoy_cluster_upstream_rq{envoy_response_code=
"503"}`, and ingress-nginx its request count as `nginx_ingress_controller_requests`: round 47's newcomer fleet was
refused four times for the two most common proxies' request counts, each an ordinary spec. These names are counters
by their exporters' word, so they are read as such without `type: counter`.

Round 54: ClickHouse's own endpoint writes every ProfileEvents counter without the suffix
(`ClickHouseProfileEvents_Query`, `..._FailedQuery`), and hipages' php-fpm_exporter its pool's cumulative counts
(`phpfpm_max_children_reached`, `phpfpm_slow_requests`, `phpfpm_accepted_connections`): a newcomer's ClickHouse SLO
and PHP-FPM alerts were refused four times. Declared `type: gauge`, such a counter only grows until its process
restarts, so a line above 0 holds from the first event on: a located warning (counter_gauge_warnings).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.types import MetricType, Service
from compiler.spec.document import Path

_COUNTERS = re.compile(
    r"envoy_(?:cluster(?:_internal|_external)?_upstream|http_downstream|vhost_vcluster_upstream)_rq"
    r"(?:_xx|_completed|_timeout|_retry|_per_try_timeout|_rx_reset|_tx_reset|_pending_overflow)?"
    r"|nginx_ingress_controller_requests"
    r"|ClickHouseProfileEvents_\w+"
    r"|phpfpm_(?:accepted_connections|max_children_reached|slow_requests)"
)


def written_as_counter(series: str) -> bool:
    """Whether `series` is one of the known exporters' counters named without `_total`."""
    return bool(_COUNTERS.fullmatch(series))


def counter_gauge_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each metric declared `type: gauge` whose series its exporter writes as a counter."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            selector = metric.selector
            if metric.type is not MetricType.GAUGE or selector is None or not written_as_counter(selector.metric):
                continue
            found.setdefault((metric.location, (*metric_path(service, metric), "type")), _message(selector.metric))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def _message(series: str) -> str:
    return (
        f"{series} is a counter (its exporter writes it as one, without _total): read as a gauge it only grows "
        "until the process restarts, so a line above 0 holds from the first event on (replayed: "
        "phpfpm_max_children_reached `above: 0` ticketed for the 6 hours after two events, until the end of the "
        "replay); say `type: counter` to compare its per-second rate (`above: 0/m` fires while it still counts)"
    )
