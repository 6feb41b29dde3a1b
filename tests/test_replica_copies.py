"""Series in copies, one per Prometheus of a high-availability pair (round 41, a service read through federation).

Each replica stamps its samples with an external label (`replica`); read where nothing deduplicates, every series
is there twice and `sum(rate(...))` counts each event twice: the ratio holds, a `min_bad_events` floor is met by half
the events. Replayed with promtool below: 3 failed requests (floor 5) paged. `obsc verify` now finds the copies, and
the raw SLI it advises (`max without (replica)`) compiles without the window-mean warning it drew, and pages on the
events counted once."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import promql_parser as pp
import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.window_mean import window_mean_warnings
from compiler.verify import VerifyOptions, verify
from tests.fake_prometheus import Rejected, serving
from tests.platform_text import sink_platform
from tests.promtool_helpers import counter_values
from tests.test_sli_semantics import _promtool, _rules, _value

HEAD = "apiVersion: obsc/v1\nservice: checkout\nteam: core\nselector: {job: checkout}\n"
RATIO = HEAD + (
    "metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~\"5..\"}'}\n"
    "slos: [{name: availability, objective: 99.9, by: [cluster], min_bad_events: 5, "
    "sli: {errors: errors, total: requests}}]\n"
)
ONE_COPY = "sum by (cluster) (max without (%s) (rate(http_requests_total{$selector%s}[$window])))"
RAW = HEAD + (
    "slos:\n  - name: availability\n    objective: 99.9\n    by: [cluster]\n    min_bad_events: 5\n    sli:\n"
    "      raw:\n        errors: '%s'\n        total: '%s'\n"
)

# a ratio read whole counts no events: its copies change nothing obsc reads
ERROR_RATIO = HEAD + (
    "slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      raw:\n        error_ratio: '"
    'sum(rate(http_requests_total{$selector,code=~"5.."}[$window]))'
    " / sum(rate(http_requests_total{$selector}[$window]))"
    "'\n"
)


def _raw(label: str = "replica") -> str:
    return RAW % (ONE_COPY % (label, ',code=~"5.."'), ONE_COPY % (label, ""))


def _copies(failed: dict[str, int]) -> dict[str, str]:
    """Two replicas' copies of each cluster's counters: 2 requests a minute for 2h, `failed[cluster]` of them
    failing in the 60th minute."""
    series = {}
    for cluster, count in failed.items():
        values = counter_values([(59, 0, 2), (1, 1, count), (60, 0, 2)], "ok", "failed")
        for replica in ("a", "b"):
            at = f'job="checkout",cluster="{cluster}",replica="{replica}"'
            series[f'http_requests_total{{{at},code="200"}}'] = values["ok"]
            series[f'http_requests_total{{{at},code="500"}}'] = values["failed"]
            series[f'up{{{at},instance="i1"}}'] = "1x120"
    return series


def _pages(cluster: str, count: int) -> dict[str, object]:
    expr = f'count(ALERTS{{alertname="SLOErrorBudgetBurnFast",alertstate="firing",cluster="{cluster}"}}) or vector(0)'
    return _value(expr, "70m", "{}", count)


def test_copies_double_the_events_a_floor_counts_and_one_copy_read_does_not(tmp_path: Path) -> None:
    # read whole, the copies turn 3 failed requests (below the floor of 5) into 6, and page
    whole, once = tmp_path / "whole", tmp_path / "once"
    whole.mkdir(), once.mkdir()
    rules = _rules(whole, "checkout", RATIO)
    assert _promtool(whole, rules, "checkout", _copies({"eu": 3}), [_pages("eu", 1)]) == ""
    # read once: 3 failures stay below the floor, 6 page; the query verify asks sees 2 copies of each series
    rules = _rules(once, "checkout", _raw())
    copies = 'max(count without (replica) (http_requests_total{job="checkout"}))'
    checks = [_pages("eu", 0), _pages("us", 1), _value(copies, "70m", "{}", 2)]
    assert _promtool(once, rules, "checkout", _copies({"eu": 3, "us": 6}), checks) == ""


def _window_mean_warnings(tmp_path: Path, spec: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "checkout.yaml").write_text(spec)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in window_mean_warnings(fleet.services)]


def test_a_raw_sli_reading_one_copy_draws_no_window_mean_warning(tmp_path: Path) -> None:
    assert _window_mean_warnings(tmp_path, _raw()) == []
    # another label dropped under max() is no deduplication: the warning stays
    said = _window_mean_warnings(tmp_path, _raw("instance"))
    assert len(said) == 2 and all("max() stands above $window" in w for w in said), said
    said = _window_mean_warnings(tmp_path, _raw(""))  # nor is dropping no label at all
    assert len(said) == 2 and all("max() stands above $window" in w for w in said), said


def _findings(tmp_path: Path, spec: str, copies: int, held: tuple[str, ...] = ("replica",)) -> list[str]:
    """verify's findings about copies, with a server holding the labels `held` besides its own, where every
    series of `http_requests_total` comes in `copies` alike but for `replica`."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "checkout.yaml").write_text(spec)

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            value = str(copies) if expr.startswith("max(count without (replica) (") else "1"
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}
        if path.startswith("/api/v1/label/"):
            return ["http_requests_total", "up"]
        if path == "/api/v1/labels":
            return ["__name__", "code", "job", *held]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [str(f) for f in report.findings if "arrive" in f.message]


def test_verify_finds_an_slis_series_in_copies_at_the_sli(tmp_path: Path) -> None:
    found = _findings(tmp_path, RATIO, 2)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'checkout.yaml'}:6:") and "$.slos[0].sli: SLO 'availability': " in found[0]
    assert 'the series of http_requests_total{job="checkout"} arrive 2 times, alike but for replica' in found[0]
    assert "its min_bad_events of 5 is met by 3 failed events" in found[0]
    assert "sum(max without (replica) (rate(<counter>{$selector}[$window])))" in found[0]


@pytest.mark.parametrize(
    "spec, copies, held",
    [
        (RATIO, 1, ("replica",)),
        (_raw(), 2, ("replica",)),
        (RATIO, 2, ()),
        (RATIO.replace("by: [cluster]", "by: [replica]"), 2, ("replica",)),
        (ERROR_RATIO, 2, ("replica",)),
    ],
    ids=["one-series-each", "raw-reads-one-copy", "no-replica-label-on-the-server", "slo-kept-per-replica", "ratio"],
)
def test_series_without_copies_or_read_once_are_no_finding(
    tmp_path: Path, spec: str, copies: int, held: tuple[str, ...]
) -> None:
    assert _findings(tmp_path, spec, copies, held) == []


def test_a_counter_summed_whole_beside_one_read_once_is_still_asked(tmp_path: Path) -> None:
    """One copy read of one counter says nothing of another the total adds to it: `max without (replica)` anywhere
    in a raw total kept verify from asking of every selector in it (round 42, a hand mutant's review), so the
    failures' copies below went unsaid."""
    once = "sum by (cluster) (max without (replica) (rate(http_requests_total{$selector}[$window])))"
    whole = "sum by (cluster) (rate(http_retries_total{$selector}[$window]))"
    spec = RAW % (ONE_COPY % ("replica", ',code=~"5.."'), f"{once} + {whole} + {whole.replace('retries', 'redirects')}")
    found = _findings(tmp_path, spec, 2)
    # one finding an SLO: the first counter found in copies (the others are read alike)
    assert len(found) == 1 and 'the series of http_redirects_total{job="checkout"} arrive 2' in found[0], found


@pytest.mark.parametrize(
    "aggregation",
    ["sum without (replica)", "max by (replica)", "max without (prometheus_replica)", "max without ()"],
)
def test_an_aggregation_keeping_every_copy_is_no_copy_read_once(tmp_path: Path, aggregation: str) -> None:
    """Only max or min without the replica label reads one copy: a sum of the copies, a max by them, a max over
    another replica label's copies or over none still counts each event twice (each read as one survived)."""
    read = f"sum({aggregation} (rate(http_requests_total{{$selector%s}}[$window])))"
    spec = RAW.replace("    by: [cluster]\n", "") % (read % ',code=~"5.."', read % "")
    found = _findings(tmp_path, spec, 2)
    assert len(found) == 1 and "alike but for replica" in found[0], found


LATENCY = HEAD + (
    "metrics: {latency: {selector: http_request_duration_seconds, buckets: [0.1, 0.25, 1, 2.5, 10]}}\n"
    "slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}]\n"
)


def test_a_threshold_buckets_escaped_regex_is_asked_as_valid_promql(tmp_path: Path) -> None:
    """Round 43, drawn fleets on a real Prometheus (tests/drawn_verify.py seeds 12 and 18 beside seed 3): a latency
    SLO's `le=~"0\\\\.25..."` selector was asked as the parser prints it (`0\\.25`, its escape dropped), which
    Prometheus refuses; the refusal ended the search, so on a server holding `replica` and `prometheus_replica` the
    histogram's copies under the second label went unsaid. Here the server parses as Prometheus does."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "checkout.yaml").write_text(LATENCY)
    asked: list[str] = []

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            try:
                pp.parse(expr)
            except ValueError as exc:
                return Rejected(f"parse error: {exc}")
            asked.append(expr)
            value = "2" if expr.startswith("max(count without (prometheus_replica) (") else "1"
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}
        if path.startswith("/api/v1/label/"):
            return ["http_request_duration_seconds_bucket", "up"]
        if path == "/api/v1/labels":
            return ["__name__", "job", "le", "replica", "prometheus_replica"]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [f.message for f in report.findings if "arrive" in f.message]
    assert len(found) == 1 and "alike but for prometheus_replica" in found[0], found
    assert any('le=~"0\\\\.250*' in expr and "without (replica)" in expr for expr in asked), asked
