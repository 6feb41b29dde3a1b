"""The series a drawn incident's scrape writes (tests/drawn_incidents.py): each pod's counters (a latency SLI's
histogram, request counts, both for several SLOs), time-slice and freshness gauges, `up`, as a target scraped every
`case.scrape` seconds exposes them, with the resets, replaced pods and vanished series of the drawn incident and
Prometheus' staleness markers where it writes them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tests.drawn_incident_periods import bucket_absent, last_run, resample
from tests.drawn_incident_shapes import instances, split

if TYPE_CHECKING:
    from tests.drawn_incidents import Case

STALE = math.nan  # a staleness marker: Prometheus writes one where a series it scraped is gone


def _values(points: list[float | None]) -> str:
    return " ".join("_" if p is None else "stale" if math.isnan(p) else f"{p:.15g}" for p in points)


def _keys(case: Case, labels: str, n: int, bad: int) -> dict[str, int]:
    """Each counter series of a pod and what a minute adds to it."""
    histogram = {
        f'app_request_duration_seconds_bucket{{{labels},le="+Inf"}}': n,
        f'app_request_duration_seconds_bucket{{{labels},le="{case.le}"}}': n - bad,
        f"app_request_duration_seconds_count{{{labels}}}": n,
    }
    requests = {
        f'app_requests_total{{{labels},code="200"}}': n - bad,
        f'app_requests_total{{{labels},code="500"}}': bad,
    }
    if case.kind == "several":  # every failed request is also slow
        return {**requests, **histogram}
    return histogram if case.kind == "latency" else requests


def _reset(case: Case, minute: int) -> bool:
    since = minute - case.start
    crash = case.incident == "crashloop" and 0 <= since < case.minutes and since % 4 == 0
    return crash or minute in case.resets or (case.incident == "reset" and minute == case.start)


def series(case: Case) -> dict[str, str]:
    out: dict[str, list[float | None]] = {}

    def put(name: str, minute: int, value: float | None) -> None:
        out.setdefault(name, [None] * case.length)[minute] = value

    totals: dict[str, float] = {}
    for g, points in case.events.items():
        for minute, point in enumerate(points):
            reset = _reset(case, minute)
            region = f',region="{g}"' if g else ""
            if point is None:
                if g and g == case.silent and minute in (case.start, case.start + 1) and case.stale_markers:
                    for key in [k for k in out if f'region="{g}"' in k]:
                        put(key, minute, STALE)  # the group's series gone from the scrape
                continue
            pods = instances(case, minute)
            for inst, (n, bad) in zip(pods, split(*point, len(pods)), strict=True):
                labels = f'job="drawn",instance="{inst}"{region}'
                if case.fresh:
                    put(f"job_last_success_timestamp_seconds{{{labels}}}", minute, 60 * last_run(case, minute))
                    continue
                if case.kind == "slices":
                    put(f'probe_success{{{labels},target="home"}}', minute, 0 if bad else 1)
                    continue
                for key, add in _keys(case, labels, n, bad).items():
                    absent = f'le="{case.le}"' in key and bucket_absent(case, minute)
                    if absent and case.incident == "bucket_late":
                        continue
                    totals[key] = (0 if reset else totals.get(key, 0)) + add
                    if absent:  # the client still counts; the scrape drops the series, marked stale where scraped
                        gone = minute - case.start
                        put(key, minute, STALE if case.stale_markers and gone < case.scrape // 60 + 1 else None)
                        continue
                    put(key, minute, totals[key])
    for minute, up in enumerate(case.up):
        for inst in instances(case, minute):
            put(f'up{{job="drawn",instance="{inst}"}}', minute, up)
    if case.pods > 1 and case.stale_markers:
        _mark_replaced(case, out)
    gauge = ("up{", "probe_success{", "job_last_success")
    return {key: _values(resample(points, case.scrape, not key.startswith(gauge))) for key, points in out.items()}


def _mark_replaced(case: Case, out: dict[str, list[float | None]]) -> None:
    """A pod a rolling deploy replaced is gone from service discovery: Prometheus marks its series stale (written
    for two minutes, so a 2m scrape keeps one)."""
    for points in out.values():
        last = max((m for m, p in enumerate(points) if p is not None), default=-1)
        for m in (last + 1, last + 2):
            if last >= 0 and m < case.length:
                points[m] = STALE
