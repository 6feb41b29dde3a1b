"""Counters that well-known exporters write without the `_total` suffix (round 47).

obsc reads `requests` and `errors` as counters and refuses a series named unlike one (a recorded rate read with
rate() is about 0, so an outage never paged). Envoy writes its counters under their stat names,
`envoy_cluster_upstream_rq_xx{envoy_response_code_class="5"}` and `envoy_cluster_upstream_rq{envoy_response_code=
"503"}`, and ingress-nginx its request count as `nginx_ingress_controller_requests`: round 47's newcomer fleet was
refused four times for the two most common proxies' request counts, each an ordinary spec. These names are counters
by their exporters' word, so they are read as such without `type: counter`.
"""

from __future__ import annotations

import re

_COUNTERS = re.compile(
    r"envoy_(?:cluster(?:_internal|_external)?_upstream|http_downstream|vhost_vcluster_upstream)_rq"
    r"(?:_xx|_completed|_timeout|_retry|_per_try_timeout|_rx_reset|_tx_reset|_pending_overflow)?"
    r"|nginx_ingress_controller_requests"
)


def written_as_counter(series: str) -> bool:
    """Whether `series` is one of the known exporters' counters named without `_total`."""
    return bool(_COUNTERS.fullmatch(series))
