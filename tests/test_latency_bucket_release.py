"""A release that changes a histogram's buckets in place does not page (found by the round-33 SLO math hunt).

A host or StatefulSet pod keeps its name across a release, so its histogram series keep their labels while the
threshold bucket (`le="0.3"`) stops or starts. For a window after the release the SLI read the requests of the
whole window less the bucket's rate over the part it existed: every request outside that part counted as slow.
A 99.9% latency SLO whose every request took under 300ms paged on both pairs (1h/5m from 2h03 to 3h13, 6h/30m
from 2h16 to the end of a 5h replay), and a release that added the bucket paged too (2h03 to 2h18). Such a
series now counts neither way until the window has passed, as a series without the bucket does; a real slowdown
and a new pod's slow requests still page at the same minutes. Hand-written 1m series, a staleness marker where a
series ends (as Prometheus writes one), through promtool.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import pairs_firing, rules_read_by

SPEC = """apiVersion: obsc/v1
service: stone
team: quarry
selector: {job: stone}
metrics: {lat: {selector: http_request_duration_seconds, type: histogram}}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, latency_p99: false}
slos: [{name: lat, objective: 99.9, sli: {latency: lat, threshold: 300ms}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
MINUTES, RELEASE = 170, 120  # 60 requests a minute; the release at 2h00
PAGE, TICKET = ("fast", "medium"), ("slow", "slowest")
HIST = "http_request_duration_seconds"


def _page(tmp_path: Path, series: dict[str, str], pairs: tuple[str, ...] = PAGE) -> dict[str, list[int]]:
    """Burn pair (the page pairs by default) → minutes from 1h55 on in which it fires."""
    (tmp_path / "stone.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("stone"))
    rules = rules_read_by(text, alert=lambda rule: rule.get("labels", {}).get("burn_window") in pairs)  # type: ignore[union-attr]
    return pairs_firing(tmp_path, rules, series, "lat", pairs, range(RELEASE - 5, MINUTES))


def _counts(per_minute: list[int]) -> list[int]:
    out, count = [], 0
    for events in per_minute:
        count += events
        out.append(count)
    return out


def _text(values: list[int], start: int = 0, end: int = MINUTES) -> str:
    """promtool values: nothing before minute `start`, a staleness marker at `end` (when before the last)."""
    before = [f"_x{start}"] if start else []
    after = ["stale", *([f"_x{MINUTES - end - 2}"] if MINUTES - end > 1 else [])] if end < MINUTES else []
    return " ".join([*before, *map(str, values[start:end]), *after])


def _pod(name: str, fast: list[int], every: list[int], start: int = 0, end: int = MINUTES) -> dict[str, str]:
    """One pod's histogram: all requests (`+Inf`, `_count`) and the 0.5s bucket over its life."""
    labels = f'job="stone",instance="{name}"'
    return {
        f'{HIST}_bucket{{{labels},le="+Inf"}}': _text(every, start, end),
        f"{HIST}_count{{{labels}}}": _text(every, start, end),
        f'{HIST}_bucket{{{labels},le="0.5"}}': _text(every, start, end),
        f'{HIST}_bucket{{{labels},le="0.3"}}': _text(fast, start, end),
    }


EVERY = _counts([60] * MINUTES)


def _up(*pods: str) -> dict[str, str]:
    return {f'up{{job="stone",instance="{pod}"}}': f"1x{MINUTES}" for pod in pods}


@pytest.mark.parametrize(
    "left_out",
    ["", f'{HIST}_count{{job="stone",instance="a"}}', f'{HIST}_bucket{{job="stone",instance="a",le="+Inf"}}'],
)
def test_a_release_that_drops_the_threshold_bucket_in_place_does_not_page(tmp_path: Path, left_out: str) -> None:
    # an exporter may write no `_count` (OpenMetrics without `_sum`) or no `+Inf` bucket (a kept bucket list): the
    # other tells the requests (round 34: a mutant that read only one of them survived)
    series = {**_up("a"), **_pod("a", EVERY, EVERY)}
    series.pop(left_out, None)
    series[f'{HIST}_bucket{{job="stone",instance="a",le="0.3"}}'] = _text(EVERY, end=RELEASE)
    assert _page(tmp_path, series) == {"fast": [], "medium": []}


def test_a_release_that_adds_the_threshold_bucket_in_place_does_not_page(tmp_path: Path) -> None:
    series = {**_up("a"), **_pod("a", EVERY, EVERY)}
    series[f'{HIST}_bucket{{job="stone",instance="a",le="0.3"}}'] = _text(EVERY, start=RELEASE)
    assert _page(tmp_path, series) == {"fast": [], "medium": []}


def test_a_release_that_keeps_the_bucket_and_slows_half_the_requests_pages_as_before(tmp_path: Path) -> None:
    half = _counts([60] * RELEASE + [30] * (MINUTES - RELEASE))
    fired = _page(tmp_path, {**_up("a"), **_pod("a", half, EVERY)})
    assert fired["fast"][0] == RELEASE + 3 and fired["medium"][0] == RELEASE + 16, fired


def test_a_new_pod_with_the_bucket_counts_from_its_first_scrape(tmp_path: Path) -> None:
    # a rolling deploy: pod a (every request fast) stops at 2h00, pod b starts then with every request slow;
    # b had no requests at its windows' start, so it counts at once and the page fires as a slowdown's does
    slow = [0] * MINUTES
    series = {**_up("a", "b"), **_pod("a", EVERY, EVERY, end=RELEASE), **_pod("b", slow, EVERY, start=RELEASE)}
    fired = _page(tmp_path, series)
    assert fired["fast"] and fired["fast"][0] <= RELEASE + 4 and fired["medium"], fired


def test_a_pod_that_keeps_its_bucket_still_pages_beside_one_released_in_place(tmp_path: Path) -> None:
    # pod a drops the bucket in place (counts neither way for a window); pod b, every request slow, still pages
    series = {**_up("a", "b"), **_pod("a", EVERY, EVERY), **_pod("b", [0] * MINUTES, EVERY)}
    series[f'{HIST}_bucket{{job="stone",instance="a",le="0.3"}}'] = _text(EVERY, end=RELEASE)
    fired = _page(tmp_path, series)
    assert fired["fast"] == list(range(RELEASE - 5, MINUTES)) and fired["medium"], fired


@pytest.mark.parametrize("bucket", [_text(EVERY, end=RELEASE), _text(EVERY, start=RELEASE)], ids=["drops", "adds"])
def test_a_release_that_changes_the_threshold_bucket_in_place_does_not_open_a_ticket(
    tmp_path: Path, bucket: str
) -> None:
    # the coarse tier's 5m rates read the raw series at both ends of their window, not the record (unbucketed.py):
    # a mutant that left out the window's start there survived the page pairs' cases
    series = {**_up("a"), **_pod("a", EVERY, EVERY)}
    series[f'{HIST}_bucket{{job="stone",instance="a",le="0.3"}}'] = bucket
    assert _page(tmp_path, series, TICKET) == {"slow": [], "slowest": []}
