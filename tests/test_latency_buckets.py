"""Latency SLIs on buckets as real exporters write them, through promtool (hand-written series, not obsc's
test generator): `le` in exponent form, and an instance whose histogram lacks the threshold bucket.

Found by a hunt: client_golang and the Python client write a bound from 1e6 as `3e+08`, Java as `3.0E8`, and
Prometheus 2.42 keeps `le` as written, so a ns histogram's 300ms bucket was never read (an outage never paged,
a healthy service got SLODataMissing). And errors were `sum(count) - sum(bucket)`: an instance exporting other
buckets (a rolling deploy) counted all its requests as slow and paged, while SLODataMissing stayed quiet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from tests.test_sli_semantics import _firing, _promtool, _rules, _value

NS_HISTOGRAM = """apiVersion: obsc/v1
service: tick
team: core
selector: {job: tick}
metrics:
  lat: {selector: grpc_server_handling_nanoseconds, type: histogram, unit: ns}
slos: [{name: fast-enough, objective: 99, sli: {latency: lat, threshold: 300ms}}]
alerts: {traffic_anomaly: false, latency_p99: false}
"""


def _ns_series(le: str, good: str) -> dict[str, str]:
    metric = "grpc_server_handling_nanoseconds"
    return {
        'up{job="tick",instance="a"}': "1x60",
        f'{metric}_count{{job="tick",instance="a"}}': "0+60x60",
        f'{metric}_bucket{{job="tick",instance="a",le="{le}"}}': good,
        f'{metric}_bucket{{job="tick",instance="a",le="+Inf"}}': "0+60x60",
    }


@pytest.mark.parametrize("le", ["3e+08", "3.0E8", "300000000"])  # client_golang/Python, Java, plain
def test_a_ns_bucket_in_exponent_form_is_read(tmp_path: Path, le: str) -> None:
    rules = _rules(tmp_path, "tick", NS_HISTOGRAM)
    ratio = 'slo:sli_error:ratio_rate5m{service="tick",slo="fast-enough",window="5m"}'
    outage = [_value(ratio, "30m", ratio, 1), _firing(names.SLO_BURN_FAST, "30m", 2)]  # every request slow
    assert _promtool(tmp_path, rules, "tick", _ns_series(le, "0x60"), outage) == ""
    healthy = [
        _value(ratio, "30m", ratio, 0),
        _firing(names.SLO_BURN_FAST, "30m", 0),
        _firing(names.SLO_DATA_MISSING, "30m", 0),
    ]
    assert _promtool(tmp_path, rules, "tick", _ns_series(le, "0+60x60"), healthy) == ""


VAULT = """apiVersion: obsc/v1
service: vault
team: core
selector: {job: vault}
metrics:
  lat: {selector: rpc_latency_seconds, type: histogram}
slos: [{name: speed, objective: 95, period: 7d, sli: {latency: lat, threshold: 250ms}}]
alerts: {traffic_anomaly: false, latency_p99: false}
"""


def _deploy(a_good: str, by: str = "") -> dict[str, str]:
    """Instance a exports the 0.25 bucket; instance b runs a build with buckets 0.1, 0.5 (every b request is
    under 0.1s)."""
    out = {'up{job="vault",instance="a"}': "1x60", 'up{job="vault",instance="b"}': "1x60"}
    for instance, bounds in (("a", {"0.25": a_good}), ("b", {"0.1": "0+60x60", "0.5": "0+60x60"})):
        labels = f'job="vault",instance="{instance}"{by}'
        out[f"rpc_latency_seconds_count{{{labels}}}"] = "0+60x60"
        for le, values in {**bounds, "+Inf": "0+60x60"}.items():
            out[f'rpc_latency_seconds_bucket{{{labels},le="{le}"}}'] = values
    return out


def test_an_instance_without_the_threshold_bucket_is_neither_good_nor_bad_and_data_missing_says_so(
    tmp_path: Path,
) -> None:
    rules = _rules(tmp_path, "vault", VAULT)
    ratio = 'slo:sli_error:ratio_rate5m{service="vault",slo="speed",window="5m"}'
    missing = f'ALERTS{{alertname="{names.SLO_DATA_MISSING}",alertstate="firing"}}'
    healthy = [
        _value(ratio, "30m", ratio, 0),  # was 0.5: instance b's requests all counted as slow
        _firing(names.SLO_BURN_FAST, "30m", 0),
        _value(f"count by (slo) ({missing})", "30m", '{slo="speed"}', 1),  # b is blind: the warning says so
    ]
    assert _promtool(tmp_path, rules, "vault", _deploy("0+60x60"), healthy) == ""
    # An outage on the instance that has the bucket still pages: b's requests do not dilute it.
    outage = [_value(ratio, "30m", ratio, 1), _firing(names.SLO_BURN_FAST, "30m", 2)]
    assert _promtool(tmp_path, rules, "vault", _deploy("0x60"), outage) == ""


def test_a_grouped_slo_names_the_group_whose_series_lack_the_bucket(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "vault", VAULT.replace("period: 7d,", "period: 7d, by: [route],"))
    series = {**_deploy("0+60x60", ',route="/pay"'), **_good_route("/list")}
    missing = f'ALERTS{{alertname="{names.SLO_DATA_MISSING}",alertstate="firing"}}'
    checks = [
        _firing(names.SLO_BURN_FAST, "30m", 0),
        _value(f"count by (route) ({missing})", "30m", '{route="/pay"}', 1),  # /list has every bucket: quiet
    ]
    assert _promtool(tmp_path, rules, "vault", series, checks) == ""


def _good_route(route: str) -> dict[str, str]:
    labels = f'job="vault",instance="a",route="{route}"'
    return {
        f"rpc_latency_seconds_count{{{labels}}}": "0+60x60",
        f'rpc_latency_seconds_bucket{{{labels},le="0.25"}}': "0+60x60",
        f'rpc_latency_seconds_bucket{{{labels},le="+Inf"}}': "0+60x60",
    }


OVEN = """apiVersion: obsc/v1
service: oven
team: core
selector: {job: oven}
metrics: {latency: oven_request_duration_seconds}
slos: [{name: quick, objective: 99.9, sli: {latency: latency, threshold: 300ms}}]
alerts: {traffic_anomaly: false, latency_p99: false}
"""


def _near(expr: str, at: str, value: float) -> dict[str, object]:
    return _value(f"abs({expr} - {value}) < bool 1e-9", at, "{}", 1)


def _oven(record: str) -> str:
    return f'sum({record}{{service="oven",slo="quick"}})'


def test_a_bound_respelled_in_place_does_not_cancel_slow_requests_elsewhere(tmp_path: Path) -> None:
    # Instance c restarts at 60m with a client that writes 0.3 as 3e-01: its 0.3 series goes stale (rate()
    # extrapolates it past its last sample), its 3e-01 series starts, its `_count` resets. Every c request is
    # fast; 2 of a's 100 requests a minute are slow. c read -11% over 5m, -0.4% to -0.8% over 1h for an hour (a
    # third of a 99.9% page line), and fed the coarse tier; clamped at 0 per series, the SLI reads a's alone.
    rules = _rules(tmp_path, "oven", OVEN)
    metric = "oven_request_duration_seconds"
    series = {
        f'{metric}_count{{job="oven",instance="a"}}': "0+100x120",
        f'{metric}_bucket{{job="oven",instance="a",le="0.3"}}': "0+98x120",
        f'{metric}_count{{job="oven",instance="c"}}': "0+100x59 0+100x60",
        f'{metric}_bucket{{job="oven",instance="c",le="0.3"}}': "0+100x59 stale",
        f'{metric}_bucket{{job="oven",instance="c",le="3e-01"}}': "_x60 0+100x60",
        'up{job="oven"}': "1x120",
    }
    slow = 2 / 60  # a's, a second
    checks = [_near(_oven(names.sli_errors_rate("5m")), at, slow) for at in ("30m", "60m", "62m", "70m")]
    checks += [_near(_oven(names.sli_errors_rate("1h")), at, slow) for at in ("61m", "90m", "119m")]
    checks += [_near(_oven(names.SLI_ERRORS_COARSE), at, slow) for at in ("60m", "65m")]
    checks += [_firing(names.SLO_DATA_MISSING, "90m", 0)]
    report = _promtool(tmp_path, rules, "oven", series, checks)
    assert report == "", report


@pytest.mark.parametrize("le", ["0.30000000000000004", "0.29999999999999993", "3.0000000000000004e-01"])
def test_a_bound_computed_in_float64_is_the_threshold_bucket(tmp_path: Path, le: str) -> None:
    # client_golang's LinearBuckets(0.1, 0.1, 5) adds in float64: the 300ms bucket is le="0.30000000000000004"
    # (an outage could not page and SLODataMissing fired). Every request takes 500ms, then every one is fast.
    rules = _rules(tmp_path, "oven", OVEN)
    metric, labels = "oven_request_duration_seconds", 'job="oven",instance="a"'

    def histogram(fast: str) -> dict[str, str]:
        bounds = {"0.2": fast, le: fast, "0.4": fast, "0.5": "0+60x60", "+Inf": "0+60x60"}
        out = {f'{metric}_bucket{{{labels},le="{b}"}}': values for b, values in bounds.items()}
        return {**out, f"{metric}_count{{{labels}}}": "0+60x60", 'up{job="oven"}': "1x60"}

    outage = [_near(_oven(names.sli_error_ratio("5m")), "30m", 1), _firing(names.SLO_BURN_FAST, "30m", 2)]
    outage.append(_firing(names.SLO_DATA_MISSING, "30m", 0))
    assert _promtool(tmp_path, rules, "oven", histogram("0x60"), outage) == ""
    healthy = [_near(_oven(names.sli_error_ratio("5m")), "30m", 0), _firing(names.SLO_BURN_FAST, "30m", 0)]
    assert _promtool(tmp_path, rules, "oven", histogram("0+60x60"), healthy) == ""


ROLL = """apiVersion: obsc/v1
service: roll
team: core
selector: {job: roll}
metrics:
  latency: http_server_duration_seconds
alerts: {traffic_anomaly: false}
slos: [{name: fast, objective: 99.99, sli: {latency: latency, threshold: 300ms}}]
"""


def _slow_series(bounds: tuple[str, ...]) -> dict[str, str]:
    """One instance, 100 calls a minute, every one taking 7 s, its histogram with `bounds` (and +Inf)."""
    name, sel = "http_server_duration_seconds", 'job="roll",instance="a"'
    series = {f"up{{{sel}}}": "1x60", f"{name}_count{{{sel}}}": "0+100x60"}
    for le in (*bounds, "+Inf"):
        series[f'{name}_bucket{{{sel},le="{le}"}}'] = "0+100x60" if le in ("10", "+Inf") else "0x60"
    return series


def _critical(alert: str, at: str, count: int) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",severity="critical"}}) or vector(0)'
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": count}]}


def test_the_p99_page_stays_while_the_latency_slo_cannot_see_a_series(tmp_path: Path) -> None:
    # Found by a hunt: a 99.99% latency SLO takes the p99 page (demoted to a ticket). A build whose histogram
    # has no 0.3 bucket is invisible to the SLO (neither good nor bad): every call took 7 s and nobody was
    # paged (SLODataMissing and the demoted p99, two warnings). The p99 page now stays while the SLO is blind.
    rules = _rules(tmp_path, "roll", ROLL)
    blind = _slow_series(("0.25", "0.5", "1", "2.5", "5", "10"))
    checks = [_critical("ServiceHighLatencyP99", "40m", 1), _critical(names.SLO_BURN_FAST, "40m", 0)]
    assert _promtool(tmp_path, rules, "roll", blind, checks) == ""
    # with the bucket, the SLO sees the same slowness and pages: the p99 stays a ticket (one page)
    seen = _slow_series(("0.25", "0.3", "0.5", "1", "2.5", "5", "10"))
    checks = [_critical("ServiceHighLatencyP99", "40m", 0), _firing(names.SLO_BURN_FAST, "40m", 2)]
    assert _promtool(tmp_path, rules, "roll", seen, checks) == ""


def test_an_idle_series_without_the_bucket_does_not_keep_the_p99_page(tmp_path: Path) -> None:
    """The p99 page stays for a series the SLO cannot see only while that series has traffic: an instance that
    counted requests once and is idle now (an old build left running) beside a busy one the SLO sees leaves the
    p99 a ticket (a hand mutant of round 46 reading "counted any request" there, as SLODataMissing does, passed
    every test: two pages for one slowness)."""
    rules = _rules(tmp_path, "roll", ROLL)
    seen = _slow_series(("0.25", "0.3", "0.5", "1", "2.5", "5", "10"))
    name, idle = "http_server_duration_seconds", 'job="roll",instance="b"'
    seen |= {f"up{{{idle}}}": "1x60", f"{name}_count{{{idle}}}": "50x60"}
    seen |= {f'{name}_bucket{{{idle},le="{le}"}}': "50x60" for le in ("0.25", "0.5", "+Inf")}
    checks = [_critical("ServiceHighLatencyP99", "40m", 0), _firing(names.SLO_BURN_FAST, "40m", 2)]
    assert _promtool(tmp_path, rules, "roll", seen, checks) == ""
