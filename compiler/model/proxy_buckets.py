"""A latency SLI over a proxy's duration histogram at a threshold its default buckets do not hold (round 50).

Envoy writes every histogram with one fixed list of buckets (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
10000, 30000, 60000, 300000, 600000, 1800000, 3600000 ms) unless its bootstrap's `histogram_bucket_settings` say
others, and Istio's sidecars export `istio_request_duration_milliseconds` through it (changed per pod with the
`sidecar.istio.io/statsHistogramBuckets` annotation); ingress-nginx writes its request and response durations with
the Prometheus client's default buckets (0.005 ... 10 s) unless the controller runs with `--time-buckets`; Traefik
its request durations with 0.1, 0.3, 1.2 and 5 s unless `metrics.prometheus.buckets` says others (round 51), and
CoreDNS its lookups' with 16 buckets doubling from 0.25 ms (..., 64, 128, 256 ms ...), fixed in its build. A
newcomer's Istio spec set its latency SLO at 300ms: replayed with promtool, no le="300" series exists, the SLO saw
no request at all, SLODataMissing ticketed a healthy service, and an hour of every request at 400 ms paged nothing
(at 250ms it paged). Warned at the histogram, as Micrometer's timers (round 45) and the spanmetrics connector's
(round 47) are, until the metric declares the buckets the proxy writes (`buckets:`, which obsc then checks the
threshold against).

Round 52: the same trap outside proxies, for writers whose buckets are fixed by a specification or a build. etcd's
disk histograms (`etcd_disk_wal_fsync_duration_seconds`, `..._backend_commit_...`) double from 1 ms, so the 10 ms its
own tuning guide quotes for fsync is no bucket; its peer round trips double from 0.1 ms. OpenTelemetry's HTTP
conventions advise 5 ms ... 10 s with 75 ms, 750 ms and 7.5 s (`http_server_request_duration_seconds`), the SDKs'
default for the older `http_server_duration_milliseconds` and `rpc_server_duration_milliseconds` is 0, 5, 10, 25,
50, 75, 100, 250, 500, 750 ms ... 10 s, and gRPC's OpenTelemetry plugin (gRFC A66) 41 boundaries from 0 to 100 s.
A newcomer's checkout API at 300ms and etcd fsync at 10ms compiled without a word, each SLO blind to every request.

Round 53: django-prometheus writes its request latencies (`django_http_requests_latency_seconds_by_view_method`,
`..._including_middlewares_seconds`) with 10, 25, 50, 75, 100, 250, 500, 750 ms ... 75 s unless the Django setting
PROMETHEUS_LATENCY_BUCKETS says others: a newcomer's storefront at 300ms compiled without a word. prometheus-net's
ASP.NET Core middleware writes `http_request_duration_seconds`, every client library's name, doubling from 1 ms
(..., 256, 512 ms ...); it is known by the counter it writes beside it, `http_requests_received_total`: a billing
API's SLO at 500ms read no request.

Round 54: Caddy 2 writes `caddy_http_request_duration_seconds` (and its request/response size and time-to-first-byte
kin) with the Prometheus client's default buckets, fixed in its build. A newcomer's edge proxy at 300ms, replayed with
promtool, ticketed SLODataMissing from the first minute and paged nothing through an hour of every request at 400 ms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from compiler.errors import Diagnostic, Location
from compiler.model.metric_paths import metric_path
from compiler.model.types import Metric, Service, SliKind
from compiler.model.units import decimal_text
from compiler.spec.document import Path


@dataclass(frozen=True)
class _Proxy:
    names: re.Pattern[str]
    writer: str  # who writes the histogram
    buckets_ms: tuple[Decimal, ...]
    setting: str  # where its buckets are changed


def _ms(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


_ENVOY_MS = _ms("0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "30000")
_ENVOY_MS += _ms("60000", "300000", "600000", "1800000", "3600000")
_CLIENT_DEFAULT_MS = _ms("5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000")
_TRAEFIK_MS = _ms("100", "300", "1200", "5000")
_COREDNS_MS = tuple(Decimal("0.25") * 2**n for n in range(16))  # 0.25 ms doubled: ... 64, 128, 256 ... 8192
_ETCD_DISK_MS = tuple(Decimal(2**n) for n in range(14))  # 1 ms doubled: 1, 2, 4, 8, 16 ... 8192
_ETCD_PEER_MS = tuple(Decimal("0.1") * 2**n for n in range(16))  # 0.1 ms doubled: ... 3276.8
_OTEL_HTTP_MS = _ms("5", "10", "25", "50", "75", "100", "250", "500", "750", "1000", "2500", "5000", "7500", "10000")
_OTEL_SDK_MS = _ms("0", *(str(b) for b in _OTEL_HTTP_MS))  # the SDKs' default explicit buckets
_GRPC_OTEL_MS = _ms("0", "0.01", "0.05", "0.1", "0.3", "0.6", "0.8", "1", "2", "3", "4", "5", "6", "8", "10", "13")
_GRPC_OTEL_MS += _ms("16", "20", "25", "30", "40", "50", "65", "80", "100", "130", "160", "200", "250", "300", "400")
_GRPC_OTEL_MS += _ms("500", "650", "800", "1000", "2000", "5000", "10000", "20000", "50000", "100000")
_DJANGO_MS = _ms("10", "25", "50", "75", "100", "250", "500", "750", "1000", "2500", "5000", "7500", "10000", "25000")
_DJANGO_MS += _ms("50000", "75000")
_PROMETHEUS_NET_MS = tuple(Decimal(2**n) for n in range(16))  # ExponentialBuckets(0.001, 2, 16): 1 ms ... 32768 ms
# prometheus-net's ASP.NET Core middleware writes its request counter and its duration histogram together: the
# histogram's name is every client library's, the counter's is its own, so the counter tells whose the histogram is
_PROMETHEUS_NET = _Proxy(
    re.compile(r"http_request_duration_seconds"),
    "prometheus-net's ASP.NET Core middleware (its counter, http_requests_received_total, is read beside it)",
    _PROMETHEUS_NET_MS,
    "the middleware's RequestDuration.Histogram option",
)
_OTEL_VIEW = "a view in the application's OpenTelemetry SDK"
_PROXIES = (
    _Proxy(
        re.compile(r"istio_request_duration_milliseconds"),
        "Istio's sidecar (through Envoy)",
        _ENVOY_MS,
        "the pods' sidecar.istio.io/statsHistogramBuckets annotation",
    ),
    _Proxy(
        re.compile(r"envoy_\w*rq_time"),
        "Envoy",
        _ENVOY_MS,
        "Envoy's stats_config.histogram_bucket_settings",
    ),
    _Proxy(
        re.compile(r"nginx_ingress_controller_(?:request|response|connect|header)_duration_seconds"),
        "ingress-nginx",
        _CLIENT_DEFAULT_MS,
        "the controller's --time-buckets flag",
    ),
    _Proxy(
        re.compile(r"traefik_(?:service|router|entrypoint)_request_duration_seconds"),
        "Traefik",
        _TRAEFIK_MS,
        "Traefik's metrics.prometheus.buckets",
    ),
    _Proxy(
        re.compile(r"caddy_http_(?:request_duration|response_duration)_seconds"),
        "Caddy",
        _CLIENT_DEFAULT_MS,
        "a Caddy built with other buckets (no Caddyfile option changes them)",
    ),
    _Proxy(
        re.compile(r"coredns_dns_request_duration_seconds"),
        "CoreDNS",
        _COREDNS_MS,
        "a CoreDNS built with other buckets (no Corefile setting changes them)",
    ),
    _Proxy(
        re.compile(r"etcd_disk_(?:wal_fsync|backend_commit)_duration_seconds"),
        "etcd",
        _ETCD_DISK_MS,
        "an etcd built with other buckets (no flag changes them)",
    ),
    _Proxy(
        re.compile(r"etcd_network_peer_round_trip_time_seconds"),
        "etcd",
        _ETCD_PEER_MS,
        "an etcd built with other buckets (no flag changes them)",
    ),
    _Proxy(
        re.compile(r"http_(?:server|client)_request_duration_seconds"),
        "an OpenTelemetry SDK (the HTTP conventions' advised buckets)",
        _OTEL_HTTP_MS,
        _OTEL_VIEW,
    ),
    _Proxy(
        re.compile(r"(?:http|rpc)_(?:server|client)_duration_milliseconds"),
        "an OpenTelemetry SDK (its default buckets)",
        _OTEL_SDK_MS,
        _OTEL_VIEW,
    ),
    _Proxy(
        re.compile(r"grpc_(?:server_call|client_attempt|client_call)_duration_seconds"),
        "gRPC's OpenTelemetry plugin (gRFC A66)",
        _GRPC_OTEL_MS,
        "a view in the plugin's MeterProvider",
    ),
    _Proxy(
        re.compile(r"django_http_requests_latency_(?:seconds_by_view_method|including_middlewares_seconds)"),
        "django-prometheus",
        _DJANGO_MS,
        "the PROMETHEUS_LATENCY_BUCKETS Django setting",
    ),
)


def proxy_bucket_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per proxy histogram and threshold (once however many services read it) whose threshold
    is none of the proxy's default buckets, while the spec declares no `buckets:` for it."""
    found: dict[tuple[Location, Path], list[str]] = {}
    for service in services:
        for slo in service.slos:
            histogram, seconds = slo.sli.latency, slo.sli.threshold_seconds
            if slo.sli.kind is not SliKind.LATENCY or histogram is None or seconds is None:
                continue
            if (message := _unwritten(histogram, seconds, _writers(service))) is not None:
                said = found.setdefault((histogram.location, metric_path(service, histogram)), [])
                if message not in said:
                    said.append(message)
    return [Diagnostic(location, path, "; ".join(said)) for (location, path), said in found.items()]


def _writers(service: Service) -> tuple[_Proxy, ...]:
    """The writers whose histograms the service's metrics may read: every proxy's, and prometheus-net's when the
    service reads its request counter."""
    counters = {m.selector.metric for m in service.metrics if m.selector is not None}
    return (*_PROXIES, _PROMETHEUS_NET) if "http_requests_received_total" in counters else _PROXIES


def _unwritten(histogram: Metric, seconds: Decimal, writers: tuple[_Proxy, ...]) -> str | None:
    """Why the writer may write no bucket at `seconds`: none of its default buckets is there and the spec declares
    no `buckets:`."""
    if histogram.selector is None or histogram.buckets:
        return None
    series = histogram.selector.metric
    proxy = next((p for p in writers if p.names.fullmatch(series)), None)
    ms = (seconds * 1000).normalize()
    if proxy is None or ms in proxy.buckets_ms:
        return None
    in_ms = histogram.unit == "ms" or (histogram.unit == "" and not series.endswith("_seconds"))
    le = decimal_text(ms) if in_ms else decimal_text(seconds)
    below = max((b for b in proxy.buckets_ms if b < ms), default=None)
    above = min((b for b in proxy.buckets_ms if b > ms), default=None)
    near = " or ".join(f"{decimal_text(b)}ms" for b in (below, above) if b is not None)
    listed = ", ".join(decimal_text(b) for b in proxy.buckets_ms)
    return (
        f'{series} is written by {proxy.writer}, whose default buckets ({listed} ms) have no le="{le}": unless '
        f"{proxy.setting} adds {decimal_text(ms)}ms, the SLO sees no request (SLODataMissing fires on a healthy "
        "service; replayed on Istio at 300ms, an hour of every request at 400 ms paged nothing); set the threshold "
        f"on a default bucket ({near}), or declare the buckets it writes, "
        f"{{selector: {series}, buckets: [..., {le}, ...]}}, which obsc then checks the threshold against"
    )
