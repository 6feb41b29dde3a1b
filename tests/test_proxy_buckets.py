"""A latency SLI over a proxy's duration histogram at a threshold its default buckets do not hold (round 50, a tenth
fleet nobody here wrote).

A newcomer's Istio service set its latency SLO at 300ms over `istio_request_duration_milliseconds`, which Envoy
writes with fixed default buckets (..., 250, 500, ... ms): no le="300" series exists. Replayed below with promtool,
the SLO saw no request, SLODataMissing ticketed the healthy first hour, and an hour of every request at 400 ms paged
nothing, while the same SLO at 250ms paged. ingress-nginx's durations (the client's default buckets) are the same
trap. Now `compile` and `validate` warn at the histogram until it declares the buckets the proxy writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _promtool, _rules

ISTIO = """apiVersion: obsc/v1
service: reviews
team: core
selector: {destination_workload: reviews, destination_workload_namespace: bookinfo, reporter: source}
targets: {job: kubernetes-pods, app: reviews}
alerts: {traffic_anomaly: false, error_rate: false, latency_p99: false}
metrics:
  latency: {selector: istio_request_duration_milliseconds, unit: ms}
slos:
"""
NGINX = """apiVersion: obsc/v1
service: shop
team: core
selector: {ingress: storefront, exported_namespace: shop}
targets: {job: ingress-nginx}
targets_via: ingress
alerts: {traffic_anomaly: false, error_rate: false, latency_p99: false}
metrics:
  latency: nginx_ingress_controller_request_duration_seconds
slos:
"""
AT_300 = "  - {name: p300, objective: 99, sli: {latency: latency, threshold: 300ms}}\n"
AT_250 = "  - {name: p250, objective: 99, sli: {latency: latency, threshold: 250ms}}\n"
AT_500 = "  - {name: p500, objective: 99, sli: {latency: latency, threshold: 500ms}}\n"


def _validate(tmp_path: Path, spec: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return [line for line in done.output.splitlines() if "default buckets" in line]


def test_a_threshold_off_the_proxy_buckets_is_warned_of_at_the_histogram(tmp_path: Path) -> None:
    found = _validate(tmp_path, ISTIO + AT_300 + AT_250)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:8:") and " $.metrics.latency: warning: " in found[0]
    assert 'have no le="300"' in found[0] and "(250ms or 500ms)" in found[0]
    assert "statsHistogramBuckets" in found[0]
    found = _validate(tmp_path, NGINX + AT_300)
    assert len(found) == 1 and 'have no le="0.3"' in found[0] and "--time-buckets" in found[0], found


def test_a_default_bucket_or_declared_buckets_are_not_warned_of(tmp_path: Path) -> None:
    assert _validate(tmp_path, ISTIO + AT_250 + AT_500) == []
    assert _validate(tmp_path, NGINX + AT_500) == []
    declared = ISTIO.replace("unit: ms}", "unit: ms, buckets: [100, 300, 1000]}")
    assert _validate(tmp_path, declared + AT_300) == []


def test_an_hour_slow_pages_at_a_default_bucket_and_not_off_them(tmp_path: Path) -> None:
    require_tool("promtool")
    # 2 hours at 1m steps, 600 requests a minute: the first hour at ~100 ms, the second every one at ~400 ms.
    at = 'destination_workload="reviews",destination_workload_namespace="bookinfo",reporter="source"'
    series = {'up{job="kubernetes-pods",app="reviews"}': "1x120"}
    for le, values in (("250", "0+600x60 36000x59"), ("500", "0+600x120"), ("+Inf", "0+600x120")):
        series[f'istio_request_duration_milliseconds_bucket{{{at},le="{le}"}}'] = values
    series[f"istio_request_duration_milliseconds_count{{{at}}}"] = "0+600x120"
    (tmp_path / "platform.yaml").write_text(sink_platform())
    rules = _rules(tmp_path, "reviews", ISTIO + AT_300 + AT_250)
    checks = []
    for alert, slo, at_time, count in (
        ("SLODataMissing", "p300", "50m", 1),
        ("SLOErrorBudgetBurnFast", "p300", "110m", 0),
        ("SLOErrorBudgetBurnFast", "p250", "110m", 2),  # both page pairs
    ):
        expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",slo="{slo}"}}) or vector(0)'
        checks.append({"expr": expr, "eval_time": at_time, "exp_samples": [{"labels": "{}", "value": count}]})
    assert _promtool(tmp_path, rules, "reviews", series, checks) == ""


def test_an_envoy_clusters_request_time_off_its_buckets_is_warned_of(tmp_path: Path) -> None:
    """Envoy's own histograms (`envoy_cluster_upstream_rq_time`, any `envoy_*rq_time`) carry Istio's buckets (a hand
    mutant matching the bare `envoy_rq_time` only lived)."""
    envoy = ISTIO.replace("istio_request_duration_milliseconds", "envoy_cluster_upstream_rq_time")
    found = _validate(tmp_path, envoy + AT_300)
    assert len(found) == 1 and "is written by Envoy, whose default buckets" in found[0], found
    assert _validate(tmp_path, envoy + AT_250) == []


TRAEFIK = NGINX.replace("nginx_ingress_controller_request_duration_seconds", "traefik_service_request_duration_seconds")
COREDNS = """apiVersion: obsc/v1
service: cluster-dns
team: core
selector: {job: coredns}
alerts: {traffic_anomaly: false, error_rate: false, latency_p99: false}
metrics:
  latency: coredns_dns_request_duration_seconds
slos:
"""
AT_100 = "  - {name: p100, objective: 99, sli: {latency: latency, threshold: 100ms}}\n"
AT_128 = "  - {name: p128, objective: 99, sli: {latency: latency, threshold: 128ms}}\n"


def test_traefik_and_coredns_thresholds_off_their_buckets_are_warned_of(tmp_path: Path) -> None:
    """Round 51's newcomer fleet: Traefik writes its durations at 0.1, 0.3, 1.2 and 5 s by default, CoreDNS its
    lookups' at 0.25 ms doubled 16 times (fixed in its build). A storefront at 250ms behind Traefik and cluster DNS
    at 100ms compiled without a word, each SLO blind to every request."""
    found = _validate(tmp_path, TRAEFIK + AT_250)
    assert len(found) == 1 and "is written by Traefik" in found[0] and 'no le="0.25"' in found[0], found
    assert "(100ms or 300ms)" in found[0] and "metrics.prometheus.buckets" in found[0]
    assert _validate(tmp_path, TRAEFIK + AT_300) == []
    found = _validate(tmp_path, COREDNS + AT_100)
    assert len(found) == 1 and "is written by CoreDNS" in found[0] and 'no le="0.1"' in found[0], found
    assert "(64ms or 128ms)" in found[0]
    assert _validate(tmp_path, COREDNS + AT_128) == []


@pytest.mark.parametrize("series", ["response", "connect", "header"])
def test_ingress_nginx_other_durations_off_the_default_buckets_are_warned_of(tmp_path: Path, series: str) -> None:
    """ingress-nginx writes its response, connect and header durations with the same default buckets as its
    request durations (review51: the pattern cut to request|response lived)."""
    spec = NGINX.replace("request_duration_seconds", f"{series}_duration_seconds")
    found = _validate(tmp_path, spec + AT_300)
    assert len(found) == 1 and "is written by ingress-nginx" in found[0], found


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [(ISTIO, "1ms", "1h"), (NGINX, "5ms", "10s"), (TRAEFIK, "1200ms", "5s"), (COREDNS, "1ms", "8192ms")],
)
def test_the_first_and_last_default_buckets_are_not_warned_of(tmp_path: Path, spec: str, first: str, last: str) -> None:
    """Each proxy's default list, both ends (review51: the client's 10 s bucket or Envoy's 1h dropped lived; review52:
    Traefik's 1.2 s and CoreDNS's 8.192 s)."""
    slos = "".join(f"  - {{name: p{n}, objective: 99, sli: {{latency: latency, threshold: {t}}}}}\n" for n, t in
                   enumerate((first, last)))  # fmt: skip
    assert _validate(tmp_path, spec + slos) == []


def test_two_slos_at_one_threshold_off_the_buckets_say_it_once(tmp_path: Path) -> None:
    """One warning at the histogram, its reason said once however many SLOs read the threshold (review51: the
    reason said again for each SLO lived)."""
    found = _validate(tmp_path, ISTIO + AT_300 + AT_300.replace("p300", "p300-strict").replace("99,", "99.9,"))
    assert len(found) == 1 and found[0].count('have no le="300"') == 1, found


def test_a_histogram_named_around_a_proxys_name_is_not_the_proxys(tmp_path: Path) -> None:
    """Only the proxy's own series names carry its buckets: an application's `checkout_envoy_rq_time_seconds` is
    written with buckets of its own (review51: the names searched instead of matched whole lived)."""
    spec = NGINX.replace("nginx_ingress_controller_request_duration_seconds", "checkout_envoy_rq_time_seconds")
    assert _validate(tmp_path, spec + AT_300) == []


ETCD = (
    COREDNS.replace("cluster-dns", "etcd")
    .replace("coredns", "etcd")
    .replace("etcd_dns_request_duration_seconds", "etcd_disk_wal_fsync_duration_seconds")
)
OTEL_HTTP = COREDNS.replace("coredns_dns_request_duration_seconds", "http_server_request_duration_seconds")
OTEL_OLD = COREDNS.replace(
    "coredns_dns_request_duration_seconds", "{selector: http_server_duration_milliseconds, unit: ms}"
)
GRPC_OTEL = COREDNS.replace("coredns_dns_request_duration_seconds", "grpc_server_call_duration_seconds")
DJANGO = COREDNS.replace("coredns_dns_request_duration_seconds", "django_http_requests_latency_seconds_by_view_method")
DJANGO_ALL = DJANGO.replace("seconds_by_view_method", "including_middlewares_seconds")


def _slo(threshold: str) -> str:
    return f"  - {{name: p, objective: 99, sli: {{latency: latency, threshold: {threshold}}}}}\n"


@pytest.mark.parametrize(
    ("spec", "off", "said", "on"),
    [
        (ETCD, "10ms", "is written by etcd, whose default buckets (1, 2, 4, 8, 16, 32, 64, 128, 256, 512", "8ms"),
        (OTEL_HTTP, "300ms", "(the HTTP conventions' advised buckets)", "750ms"),
        (OTEL_OLD, "300ms", "(its default buckets), whose default buckets (0, 5, 10, 25, 50, 75, 100, 250", "75ms"),
        (GRPC_OTEL, "150ms", "gRPC's OpenTelemetry plugin (gRFC A66)", "130ms"),
        (DJANGO, "300ms", "django-prometheus, whose default buckets (10, 25, 50, 75, 100, 250, 500, 750", "250ms"),
        (DJANGO_ALL, "2s", "unless the PROMETHEUS_LATENCY_BUCKETS Django setting adds 2000ms", "2500ms"),
    ],
    ids=["etcd-fsync", "otel-http", "otel-http-ms", "grpc-otel", "django", "django-middlewares"],
)
def test_fixed_buckets_of_etcd_and_opentelemetry_are_checked(
    tmp_path: Path, spec: str, off: str, said: str, on: str
) -> None:
    """Round 52's newcomer fleet: etcd fsync at 10ms (its tuning guide's figure; its buckets double from 1 ms), an
    OpenTelemetry checkout API at 300ms (the HTTP conventions' buckets hold 250 and 500 ms), the older ms histogram
    at 300ms and a gRPC plugin's at 150ms compiled without a word, each SLO blind to every request; round 53's,
    a Django storefront at 300ms over django-prometheus's buckets (250 and 500 ms)."""
    found = _validate(tmp_path, spec + _slo(off))
    assert len(found) == 1 and said in found[0], found
    assert _validate(tmp_path, spec + _slo(on)) == []


def test_an_etcd_fsync_at_10ms_sees_no_request_and_8ms_pages(tmp_path: Path) -> None:
    """The warning's reason, replayed: etcd writes no le="0.01" bucket, so a 10ms fsync SLO reads nothing (its data
    goes missing) and an hour of every fsync at 12 ms pages nothing; at 8ms the same hour pages."""
    require_tool("promtool")
    series = {'up{job="etcd"}': "1x120"}
    for le, values in (("0.008", "0+600x60 36000x59"), ("0.016", "0+600x120"), ("+Inf", "0+600x120")):
        series[f'etcd_disk_wal_fsync_duration_seconds_bucket{{job="etcd",le="{le}"}}'] = values
    series['etcd_disk_wal_fsync_duration_seconds_count{job="etcd"}'] = "0+600x120"
    (tmp_path / "platform.yaml").write_text(sink_platform())
    spec = ETCD + _slo("10ms").replace("name: p,", "name: p10,") + _slo("8ms").replace("name: p,", "name: p8,")
    rules = _rules(tmp_path, "etcd", spec)
    checks = []
    for alert, slo, at_time, count in (
        ("SLODataMissing", "p10", "50m", 1),
        ("SLOErrorBudgetBurnFast", "p10", "110m", 0),
        ("SLOErrorBudgetBurnFast", "p8", "110m", 2),
    ):
        expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",slo="{slo}"}}) or vector(0)'
        checks.append({"expr": expr, "eval_time": at_time, "exp_samples": [{"labels": "{}", "value": count}]})
    assert _promtool(tmp_path, rules, "etcd", series, checks) == ""


DOTNET = """apiVersion: obsc/v1
service: billing
team: core
selector: {job: billing}
alerts: {traffic_anomaly: false}
metrics:
  requests: http_requests_received_total
  errors: http_requests_received_total{code=~"5.."}
  latency: http_request_duration_seconds
slos:
"""


@pytest.mark.parametrize(
    ("spec", "threshold", "warned"),
    [
        (DOTNET, "500ms", True),
        (DOTNET, "512ms", False),
        (DOTNET.replace("http_requests_received_total", "http_requests_total"), "500ms", False),
    ],
    ids=["prometheus-net-500ms", "prometheus-net-512ms", "another-library"],
)
def test_prometheus_nets_histogram_is_known_by_its_counter(
    tmp_path: Path, spec: str, threshold: str, warned: bool
) -> None:
    """Round 53: an ASP.NET Core billing API's latency SLO at 500ms over prometheus-net's
    `http_request_duration_seconds` (buckets doubling from 1 ms: 256, 512 ms) compiled without a word. The name is
    every client library's; prometheus-net's own request counter read beside it says whose it is."""
    found = _validate(tmp_path, spec + _slo(threshold))
    assert len(found) == int(warned), found
    if warned:
        assert "is written by prometheus-net's ASP.NET Core middleware" in found[0] and "(256ms or 512ms)" in found[0]


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        (ETCD, "1ms", "8192ms"),
        (OTEL_HTTP, "5ms", "10s"),
        (OTEL_OLD, "5ms", "10s"),
        (GRPC_OTEL, "1ms", "100s"),
    ],
    ids=["etcd-disk", "otel-http", "otel-http-ms", "grpc-otel"],
)
def test_the_first_and_last_fixed_buckets_are_not_warned_of(tmp_path: Path, spec: str, first: str, last: str) -> None:
    """Round 52's fixed lists, both ends a duration can name (review53: etcd's 8.192 s and the gRPC plugin's 100 s
    bucket each dropped passed every test; etcd's peer round trips, 0.1 ms doubled, hold no whole millisecond)."""
    slos = _slo(first).replace("name: p,", "name: first,") + _slo(last).replace("name: p,", "name: last,")
    assert _validate(tmp_path, spec + slos) == []


@pytest.mark.parametrize(
    ("series", "writer"),
    [
        ("etcd_disk_backend_commit_duration_seconds", "etcd"),
        ("http_client_request_duration_seconds", "the HTTP conventions' advised buckets"),
        ("{selector: rpc_server_duration_milliseconds, unit: ms}", "(its default buckets)"),
        ("grpc_client_call_duration_seconds", "gRPC's OpenTelemetry plugin"),
    ],
    ids=["etcd-commit", "otel-http-client", "otel-rpc-ms", "grpc-client-call"],
)
def test_each_series_of_a_fixed_list_is_checked(tmp_path: Path, series: str, writer: str) -> None:
    """Every series name each fixed list covers, not only the first (review53: the patterns narrowed to etcd's
    fsync, the HTTP server, the ms HTTP histograms or the plugin's server and attempt series passed)."""
    spec = COREDNS.replace("coredns_dns_request_duration_seconds", series)
    found = _validate(tmp_path, spec + _slo("7ms"))  # off every list
    assert len(found) == 1 and writer in found[0], found


ETCD_PEER = COREDNS.replace("coredns_dns_request_duration_seconds", "etcd_network_peer_round_trip_time_seconds")


def test_etcds_peer_round_trips_hold_no_whole_millisecond_and_the_message_names_both_neighbours(
    tmp_path: Path,
) -> None:
    """etcd's peer round-trip buckets double from 0.1 ms to 3276.8 ms: none is a whole millisecond, so any threshold
    is warned of (review53's finding, left as it is) and only declared buckets silence it. At 3s the message names
    the buckets either side, the last one included (review54: the list cut one bucket short passed every test)."""
    found = _validate(tmp_path, ETCD_PEER + _slo("3s"))
    assert len(found) == 1, found
    assert (
        "(0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6, 819.2, 1638.4, 3276.8 ms)"
        in (found[0])
    ), found
    assert "(1638.4ms or 3276.8ms)" in found[0], found
    assert len(_validate(tmp_path, ETCD_PEER + _slo("50ms"))) == 1
    declared = ETCD_PEER.replace(
        "latency: etcd_network_peer_round_trip_time_seconds",
        "latency: {selector: etcd_network_peer_round_trip_time_seconds, buckets: [0.05, 0.1]}",
    )
    assert _validate(tmp_path, declared + _slo("50ms")) == []


def test_prometheus_nets_last_bucket_is_32768ms(tmp_path: Path) -> None:
    """ExponentialBuckets(0.001, 2, 16) ends at 32768 ms: a 20s line names it beside 16384 ms, and a 32768ms line
    sits on it (review54: the list cut one bucket short passed every test)."""
    found = _validate(tmp_path, DOTNET + _slo("20s"))
    assert len(found) == 1 and "(16384ms or 32768ms)" in found[0], found
    assert _validate(tmp_path, DOTNET + _slo("32768ms")) == []


def test_django_prometheus_last_bucket_is_75s(tmp_path: Path) -> None:
    """django-prometheus's default buckets end at 75 s (review54: the last one cut passed every test)."""
    found = _validate(tmp_path, DJANGO + _slo("60s"))
    assert len(found) == 1 and "(50000ms or 75000ms)" in found[0], found
