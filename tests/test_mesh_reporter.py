"""Istio's metrics read without `reporter` (round 38, a mesh service's SLO). Both sidecars of a call report it, so
an SLO over `istio_requests_total` counted each request twice: at ~20 requests an hour two failed requests were 4
bad events and paged through a `min_bad_events` of 3 (promtool replay: 2:09, and the 6h/30m pair to the replay's
end), and a timeout only the caller's sidecar saw read as half a failure. Refused at the metric (or the raw
PromQL) until one view is pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_errors import spec_errors
from tests.test_sli_semantics import _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: reviews\nteam: core\ntargets: {job: reviews}\n"
SELECTOR = "selector: {destination_service_name: reviews%s}\n"
METRICS = (
    "metrics:\n"
    "  requests: istio_requests_total\n"
    "  errors: 'istio_requests_total{response_code=~\"5..\"}'\n"
    "  latency: {selector: istio_request_duration_milliseconds, unit: ms}\n"
    "slos:\n"
    "  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}\n"
    "  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}\n"
)
RAW = (
    "slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      raw:\n"
    "        errors: 'sum(rate(istio_requests_total{$selector,response_code=~\"5..\"}[$window]))'\n"
    "        total: 'sum(rate(istio_requests_total{$selector,reporter=\"destination\"}[$window]))'\n"
)


def _spec(pin: str = "", body: str = METRICS) -> str:
    return HEAD + SELECTOR % pin + body


def test_each_metric_read_from_both_sidecars_is_refused_at_its_line(tmp_path: Path) -> None:
    found = spec_errors(tmp_path, {"reviews.yaml": _spec()})
    assert sorted(f.split(":", 1)[0] for f in found) == ["metrics.errors", "metrics.latency", "metrics.requests"]
    assert "istio_requests_total is reported by both sidecars of each call" in found[0]
    assert "two failed requests pass a min_bad_events of 3" in found[0] and 'reporter="destination"' in found[0]


@pytest.mark.parametrize("pin", [", reporter: destination", ", reporter: source"])
def test_a_view_pinned_by_the_service_selector_compiles(tmp_path: Path, pin: str) -> None:
    assert spec_errors(tmp_path, {"reviews.yaml": _spec(pin)}) == []
    raw = RAW.replace(',reporter="destination"', "")  # $selector brings the service's reporter
    assert spec_errors(tmp_path, {"reviews.yaml": _spec(pin, raw)}) == []


def test_a_view_pinned_by_the_metric_compiles(tmp_path: Path) -> None:
    body = (
        "metrics:\n"
        "  requests: 'istio_requests_total{reporter=\"destination\"}'\n"
        '  errors: \'istio_requests_total{reporter="destination",response_code=~"5.."}\'\n'
        "  latency: {selector: 'istio_request_duration_milliseconds{reporter=\"source\"}', unit: ms}\n"
        + METRICS.split("slos:\n")[1].join(["slos:\n", ""])
    )
    assert spec_errors(tmp_path, {"reviews.yaml": _spec("", body)}) == []


def test_raw_promql_reading_both_views_is_refused(tmp_path: Path) -> None:
    (found,) = spec_errors(tmp_path, {"reviews.yaml": _spec("", RAW)})
    assert found.startswith("slos.0.sli.raw.errors: istio_requests_total is reported by both sidecars"), found


def test_istio_metrics_of_one_reporter_are_not_judged(tmp_path: Path) -> None:
    spec = (
        HEAD
        + SELECTOR % ""
        + (
            "metrics: {build: {selector: istio_build, type: gauge, aggregation: max}}\n"
            "threshold_alerts: [{name: IstioGone, metric: build, below: 1, for: 5m}]\n"
        )
    )
    assert spec_errors(tmp_path, {"reviews.yaml": spec}) == []


@pytest.mark.parametrize(("reporter", "pages"), [('reporter="destination"', 0), ('reporter=~"source|destination"', 1)])
def test_two_failures_page_only_when_both_views_are_read(tmp_path: Path, reporter: str, pages: int) -> None:
    # a request a minute seen by both sidecars, two of them failing: 2 failures in one view, 4 "events" in both
    # (the old reading of an unpinned selector, written out here as a pattern, which obsc takes as meant)
    base = 'destination_service_name="reviews",reporter="%s",response_code="%s"'
    series = {"istio_requests_total{%s}" % (base % (side, "200")): "0+1x40 41+0x5 41+1x40" for side in SIDES}
    series |= {"istio_requests_total{%s}" % (base % (side, "503")): "0x40 1 2 2 2 2 2x40" for side in SIDES}
    series['up{job="reviews"}'] = "1x90"
    body = (
        f"metrics:\n  requests: 'istio_requests_total{{{reporter}}}'\n"
        f"  errors: 'istio_requests_total{{{reporter},response_code=~\"5..\"}}'\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
    )
    rules = _rules(tmp_path, "reviews", _spec("", body))
    fast = 'count(ALERTS{alertname="SLOErrorBudgetBurnFast",alertstate="firing",burn_window="fast"}) or vector(0)'
    check = {"expr": fast, "eval_time": "60m", "exp_samples": [{"labels": "{}", "value": pages}]}
    assert _promtool(tmp_path, rules, "reviews", series, [check]) == ""


SIDES = ("source", "destination")


@pytest.mark.parametrize("wild", ['reporter=~".*"', 'reporter=~".+"', 'reporter!=""', 'reporter!~"waypoint"'])
def test_a_reporter_matcher_every_view_passes_is_refused_as_no_reporter(tmp_path: Path, wild: str) -> None:
    """A matcher on reporter that both views and any other value pass (a dashboard's "All", `!=""`) pins no view:
    each request still counts twice. Round 38 took any matcher on the label as a choice."""
    body = (
        f"metrics:\n  requests: 'istio_requests_total{{{wild}}}'\n"
        f"  errors: 'istio_requests_total{{{wild},response_code=~\"5..\"}}'\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
    )
    found = spec_errors(tmp_path, {"reviews.yaml": _spec("", body)})
    assert sorted(f.split(":", 1)[0] for f in found) == ["metrics.errors", "metrics.requests"], found
    raw = RAW.replace(',reporter="destination"', f",{wild}").replace("$selector,", f"$selector,{wild},", 1)
    (tmp_path / "raw").mkdir()
    refused = spec_errors(tmp_path / "raw", {"reviews.yaml": _spec("", raw)})
    assert [f.split(": istio_requests_total is reported by both sidecars")[0] for f in refused] == [
        "slos.0.sli.raw.errors",
        "slos.0.sli.raw.total",
    ], refused


@pytest.mark.parametrize("chosen", ['reporter!="source"', 'reporter=~"dest.*"', 'reporter=~"source|destination"'])
def test_a_reporter_matcher_that_chooses_compiles(tmp_path: Path, chosen: str) -> None:
    """One view left out, or the two named (a pattern over both, written as meant)."""
    body = (
        f"metrics:\n  requests: 'istio_requests_total{{{chosen}}}'\n"
        f"  errors: 'istio_requests_total{{{chosen},response_code=~\"5..\"}}'\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
    )
    assert spec_errors(tmp_path, {"reviews.yaml": _spec("", body)}) == []


@pytest.mark.parametrize(
    "series",
    [
        "istio_request_messages_total",
        "istio_tcp_sent_bytes_total",
        "istio_request_duration_milliseconds_bucket",
        "istio_request_bytes_count",
    ],
)
def test_every_series_both_sidecars_report_is_refused_unpinned_in_raw_promql(tmp_path: Path, series: str) -> None:
    """Not only istio_requests_total: the messages, the TCP counters and a histogram's own series."""
    raw = RAW.replace("istio_requests_total{$selector,response_code", f"{series}{{$selector,response_code")
    (found,) = spec_errors(tmp_path, {"reviews.yaml": _spec("", raw)})
    assert found.startswith(f"slos.0.sli.raw.errors: {series} is reported by both sidecars"), found
