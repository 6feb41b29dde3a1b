"""Drawn incidents on SLOs unlike examples/ (round 46): periods 1d and 14d besides 7d, 28d and 90d, objectives down
to 90%, traffic from 0.005 to 500 req/s, targets scraped every 15s to 2m, a latency histogram whose threshold
bucket is spelled `0.3`, `0.30` or `3e-01`, and that bucket vanishing or appearing late.

Seeds from SWEPT (3000) on draw these (from a source of their own: earlier seeds draw as before) and are judged
like round 44's catalog seeds, by promises derived from the period's built-in pairs (windows.yaml's comments and
README "Low objectives"), with the scrape interval added to each promise: a burn shows in a rate one scrape later.

- A vanished threshold bucket (the `+Inf` bucket and `_count` still there) is not "all good" and not "all bad":
  SLODataMissing within its hold, no page and no ticket.
- A bucket that appears late (the histogram's other series written from the start) neither pages nor tickets
  once it is there."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.drawn_incident_catalogs import Pair
    from tests.drawn_incidents import Case

SWEPT = 3000
PERIOD_DAYS = {"1d": 1, "7d": 7, "14d": 14, "28d": 28, "30d": 30, "90d": 90}
OBJECTIVES = [90, 95, 99, 99.5, 99.95, 99.99]
RATES = [0.005, 0.05, 0.5, 5, 50, 500]
SCRAPES = [15, 30, 60, 120]  # seconds
LE_SPELLINGS = ["0.3", "0.30", "3e-01"]
BUCKET_INCIDENTS = ["bucket_gone", "bucket_late"]
FRESH_INCIDENTS = ["outage", "blip", "healthy", "missing", "gap"]
FRESH_MAX_AGE = 30  # minutes: the drawn job runs every 10
# windows.yaml: the page pairs' budget shares (1d: its own), the ticket pairs' factors (1d: one ticket pair)
PAGE_SHARES = {"1d": (0.5, 0.75)}
DEFAULT_PAGE_SHARES = (0.02, 0.05)
TICKET_FACTORS = {"1d": (1.0,), "7d": (1.0, 1.0), "14d": (1.4, 1.0), "28d": (2.8, 1.0), "30d": (3.0, 1.0)}
TICKET_FACTORS["90d"] = (9.0, 1.0)
MIN_PAGE_FACTOR = 2.0
PAGE_LINE_CAP = 0.75  # windows.yaml page_line.max_line
STEADY = ("outage", "crashloop", "outage_drop")


def draw_sweep(case: Case, r: random.Random) -> None:
    """The round-46 options of seed `case.seed`."""
    case.period = r.choice(list(PERIOD_DAYS))
    case.objective = r.choice(OBJECTIVES)
    case.rate = r.choice(RATES)
    case.scrape = r.choice(SCRAPES)
    case.scrape_declared = case.scrape != 60 and r.random() < 0.5
    if case.kind == "latency":
        case.le = r.choice(LE_SPELLINGS)
    case.fresh = case.kind == "slices" and r.random() < 0.5


def finish_sweep(case: Case, r: random.Random) -> None:
    """After round 44's options: a latency SLO's bucket incident, and no drawn pair whose window holds fewer than
    two scrapes (obsc refuses those where the interval is declared; undeclared, such a window reads nothing)."""
    if case.kind == "latency" and r.random() < 0.3:
        case.incident, case.minutes, case.gap, case.k = r.choice(BUCKET_INCIDENTS), r.choice([30, 90]), (0, 0), 0.0
        case.stale_markers = r.random() < 0.7
    case.catalog = [p for p in case.catalog if p.short * 60 >= 2 * case.scrape]
    if case.fresh and case.incident not in FRESH_INCIDENTS:
        case.incident, case.k = "outage", 0.0


def last_run(case: Case, minute: int) -> int:
    """The minute of a freshness case's newest successful run at `minute`: one at 0, then every 10 minutes, none
    from 30 minutes before the incident (max_age) to its end, one at its end: slices are stale exactly during
    the incident."""
    stop, phase = case.start - FRESH_MAX_AGE - 1, (case.start - FRESH_MAX_AGE - 1) % 10
    stops = case.incident in ("outage", "blip")
    if stops and minute >= case.end:
        return case.end + (minute - case.end) // 10 * 10
    if stops and minute >= stop:
        return stop
    return max(0, minute - (minute - phase) % 10)


def freshen(case: Case) -> None:
    """A freshness case's slices: bad exactly while the newest run is older than max_age (no noise: the job
    succeeds every 10 minutes), missing where the drawn series are."""
    for points in case.events.values():
        for minute, point in enumerate(points):
            if point is not None:
                points[minute] = (1, int(minute - last_run(case, minute) > FRESH_MAX_AGE))


def _page_factor(case: Case, share: float, hours: int) -> float:
    """A page pair's factor: its budget share over its long window, rescaled to the period, capped at a 75% line
    but not below 2x (README "Low objectives")."""
    factor = share * PERIOD_DAYS[case.period] * 24 / hours
    if factor * case.budget > PAGE_LINE_CAP:
        factor = max(MIN_PAGE_FACTOR, int(PAGE_LINE_CAP / case.budget * 100) / 100)
    return factor


def builtin_pairs(case: Case) -> list[Pair]:
    """The built-in catalog of the case's period as pairs; a ticket pair whose line a total outage cannot pass is
    left out (windows.yaml `page_line`)."""
    from tests.drawn_incident_catalogs import Pair  # that module imports this one

    fast, medium = PAGE_SHARES.get(case.period, DEFAULT_PAGE_SHARES)
    pairs = [
        Pair("critical", 60, 5, _page_factor(case, fast, 1), 2, 0),
        Pair("critical", 360, 30, _page_factor(case, medium, 6), 15, 0),
    ]
    tickets = TICKET_FACTORS[case.period]
    windows = [(1440, 120), (4320, 360)][: len(tickets)]
    keep = 5 if case.period == "1d" else 0
    for (long, short), factor in zip(windows, tickets, strict=True):
        if factor * case.budget < 1:
            pairs.append(Pair("warning", long, short, factor, 5, keep))
    return pairs


def scrape_lag(case: Case) -> int:
    """Minutes a burn shows later in a rate than at 1m samples: the scrapes slower than a minute."""
    return max(0, case.scrape - 60) // 60


def platform_lines(case: Case) -> list[str]:
    """The platform's `slo_alerts.scrape_interval` line where the case declares its scrape interval."""
    return [f"    scrape_interval: {case.scrape}s"] if getattr(case, "scrape_declared", False) else []


def resample(points: list[float | None], scrape: int, counter: bool) -> list[float | None]:
    """Per-minute samples as a target scraped every `scrape` seconds exposes them: every other minute at 2m; at
    15s and 30s the counters grow evenly through the minute (a reset shows at the next minute) and gauges hold."""
    if scrape >= 60:
        return points[:: scrape // 60]  # a staleness marker is written for two minutes: one of them is kept
    per = 60 // scrape
    out: list[float | None] = []
    for m, point in enumerate(points):
        after = points[m + 1] if m + 1 < len(points) else None
        for j in range(per):
            if point is None or not counter or after is None or after < point:
                out.append(point)
            else:
                out.append(point + (after - point) * j / per)
    return out


def bucket_absent(case: Case, minute: int) -> bool:
    """The threshold bucket vanishes during the incident (and comes back with its count), or is first written at
    the incident's start, counting from 0 (a bucket boundary a deploy added)."""
    if case.incident == "bucket_gone":
        return case.start <= minute < case.end
    return case.incident == "bucket_late" and minute < case.start


def short_reach(case: Case, name: str, pairs: list[Pair], runs: list[tuple[int, int]], per: list[float]) -> list[str]:
    """A steady outage's page ends within its pairs' short windows after recovery, plus the tier's keep bound
    (README "Timing": a page about half an hour), wherever every short window then holds enough events to show
    two failures at its line (a thinner window holds a page that is up, by design: README, round 32)."""
    from tests.drawn_incident_catalogs import keep_bound

    if case.incident not in STEADY or case.gap[1] or case.minutes < 10 or not runs:
        return []
    after = per[case.end : case.end + max(p.short for p in pairs) + 1]
    if not after or any(min(after) * p.short * p.factor * case.budget < 2 for p in pairs):
        return []
    bound = case.end + max(p.short for p in pairs) + keep_bound(pairs) + 3 + scrape_lag(case)
    if bound < case.length - 1 and runs[-1][1] + 1 > bound:
        return [f"{name} held until {runs[-1][1] + 1}m, past its short windows' reach {bound}m"]
    return []
