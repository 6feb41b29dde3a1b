"""Drawn incidents shaped like production, not like examples/ (round 47), each with the verdict an SRE expects.

Seeds from SHAPED (4000) on draw one scenario over round 46's periods, objectives and scrapes:

- `night50`: traffic with a day/night cycle whose night is 1/50 of the day; an outage by day or by night pages
  once (where its hour holds enough failures to page at all), healthy traffic does nothing;
- `reset_burn`: an outage or a steady burn past the page line during which the pod restarts once or twice
  (counters from 0): page once;
- `long_gap`: an outage during which the targets are not scraped for 10-40 minutes (half the time the pod comes
  back with its counters from 0): one page for the service (the burn page and ServiceDown share the service's
  notification group), not page, resolve, page;
- `rolling`: three pods replaced one by one (new instances, counters from 0, the old ones marked stale), during
  healthy traffic (nothing) or an outage (page once);
- `group_silent`: a `by:` SLO one of whose three groups goes silent while the others are healthy: nothing (no
  page, no ticket; a group younger than a week is not watched for silence: README "Known limits");
- `several`: an availability and a latency SLO on one service failing together (every request failing and slow):
  one page for the service;
- `near_budget`: 0.01-0.05 req/s failing at 1x or 2x the budget rate for 3-6 hours: no page (a 2x burn may
  ticket, once).

The verdict is judged on the service's critical notification group (Alertmanager groups a service's pages into
one: README "Grouped SLOs"), read as whether any critical alert of the service fires, besides round 44's tier
promises (tests/drawn_incident_catalogs.py)."""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from compiler import conventions as names

if TYPE_CHECKING:
    from tests.drawn_incident_catalogs import Pair
    from tests.drawn_incidents import Case

SHAPED = 4000
SCENARIOS = ["night50", "reset_burn", "long_gap", "rolling", "group_silent", "several", "near_budget"]
NIGHT_SHARE = 1 / 50
PODS = 3
CRITICAL = "critical"  # weights' key: critical alerts of the service firing (any, ALERTS' severity label)
GROUP_SILENT = "silent"


def draw_shape(case: Case, r: random.Random) -> None:
    """The round-47 scenario of seed `case.seed` (from a source of its own); the platform's drawn catalog is kept,
    healthy traffic fails at up to half the budget rate (round 46's count noise at 0.99x is a known limit)."""
    case.scenario = SCENARIOS[case.seed % len(SCENARIOS)]
    case.catalog = case.catalog if r.random() < 0.3 else []  # mostly the built-in pairs a team gets
    case.healthy, case.gap, case.k, case.flap = 0.5, (0, 0), 0.0, (0, 0)
    case.groups, case.burning, case.fresh = [""], ("",), False
    case.incident, case.minutes = "outage", r.choice([30, 60, 90])
    if case.kind in ("grouped", "several"):
        case.kind = "ratio"
    if case.scenario == "night50":
        case.shape, case.phase = "night50", r.choice([0, 360, 720, 1080])
        case.incident = r.choice(["outage", "outage", "healthy"])
    elif case.scenario == "reset_burn":
        if r.random() < 0.4 and case.kind != "slices":
            case.incident, case.k = "partial", round(r.uniform(20, 60), 1)
        case.resets = tuple(sorted(r.sample(range(case.start + 1, case.end), r.choice([1, 2]))))
    elif case.scenario == "long_gap":
        case.minutes = r.choice([60, 90])
        case.gap = (r.randint(5, 15), r.randint(10, 40))
        if random.Random(f"round47-restart-{case.seed}").random() < 0.5:  # the pod was down: back from 0
            case.resets = (case.start + case.gap[0] + case.gap[1],)
    elif case.scenario == "rolling":
        case.pods, case.roll_every = PODS, r.choice([2, 5, 10])
        case.incident = r.choice(["outage", "healthy"])
        case.kind = "ratio" if case.kind == "slices" else case.kind
    elif case.scenario == "group_silent":
        case.kind, case.incident, case.minutes = "grouped", GROUP_SILENT, r.choice([30, 90, 180])
        case.groups, case.burning, case.silent = ["eu", "us", "ap"], (), r.choice(["eu", "us", "ap"])
    elif case.scenario == "several":
        case.kind, case.shape = "several", "flat"
    else:
        case.rate, case.shape = r.choice([0.01, 0.02, 0.05]), "flat"
        case.kind = "ratio" if case.kind == "slices" else case.kind
        case.incident, case.k, case.minutes = "partial", r.choice([1.0, 2.0]), r.choice([180, 360])
    if case.incident == "healthy":
        case.minutes = r.choice([30, 60])
    if case.kind == "latency" and case.scenario != "several":
        case.le = "0.3"


def night50(case: Case, minute: int) -> float:
    """Requests a second on a day/night cycle: the peak by day, 1/50 of it at the night's trough, log-smooth."""
    wave = math.cos(2 * math.pi * (minute - case.start + case.phase) / 1440)
    return case.rate * math.exp(math.log(NIGHT_SHARE) * (1 - wave) / 2)


def silence(case: Case) -> None:
    """A `group_silent` case's group has no series from the incident's start to its end."""
    if case.silent:
        points = case.events[case.silent]
        points[case.start : case.end] = [None] * case.minutes


def instances(case: Case, minute: int) -> list[str]:
    """The pods scraped at `minute`: one (`a`, `b` after a deploy), or PODS of which a rolling deploy replaces pod i
    at the incident's start plus i times its step."""
    if case.pods == 1:
        return ["b" if case.incident == "deploy" and minute >= case.start else "a"]
    return [f"p{i}-{int(minute >= case.start + i * case.roll_every)}" for i in range(case.pods)]


def split(n: int, bad: int, parts: int) -> list[tuple[int, int]]:
    """A minute's events spread over `parts` pods, failures likewise."""
    return [(n // parts + (i < n % parts), bad // parts + (i < bad % parts)) for i in range(parts)]


def several_slos(case: Case) -> str:
    """The `slos:` entries of a `several` case: availability and latency over the same requests."""
    common = f"objective: {case.objective}, period: {case.period}, min_bad_events: {case.min_bad}"
    return (
        f"  - {{name: avail, {common}, sli: {{errors: errors, total: requests}}}}\n"
        f"  - {{name: speed, {common}, sli: {{latency: latency, threshold: 300ms}}}}"
    )


def expected(case: Case) -> str:
    """What an SRE expects of the case: `page once`, `nothing`, or `no page`."""
    if case.scenario == "near_budget":
        return "no page"
    if case.incident in ("healthy", GROUP_SILENT):
        return "nothing"
    return "page once"


def shape_violations(case: Case, seen: dict[int, dict[str, int]], pairs: list[Pair]) -> list[str]:
    """The service's pages and tickets against the scenario's verdict: a page is asked where a page pair promises
    one within the replay, and excused where the drawn events themselves crossed a page pair's lines."""
    from tests.drawn_incident_catalogs import episodes, noise_crossed

    pages = episodes([m for m in sorted(seen) if seen[m][CRITICAL]])
    tickets = episodes([m for m in sorted(seen) if seen[m][names.SLO_BURN_SLOW]])
    verdict, out = expected(case), []
    if verdict == "page once" and (len(pages) > 1 or (page_due(case, pairs) and not pages)):
        out.append(f"expected one page for the service, got {len(pages)}: {pages}")
    paging = [p for p in pairs if p.tier == "critical"]
    noise = pages and any(noise_crossed(case, g, paging, [pages[0][0]]) for g in case.groups if paging)
    if verdict in ("nothing", "no page") and pages and not noise:
        out.append(f"expected no page, got {pages}")
    if verdict == "no page" and len(tickets) > 1 and case.k >= 2:
        out.append(f"expected at most one ticket, got {len(tickets)}: {tickets}")
    return out


def page_due(case: Case, pairs: list[Pair]) -> bool:
    """Whether one of `pairs`' page pairs promises a page on the case's burn within the replay."""
    from tests.drawn_incident_catalogs import _per_minute, pair_promise

    per = _per_minute(case)
    due = [pair_promise(case, pair, per) for pair in pairs if pair.tier == "critical"]
    return any(p is not None and p < case.length for p in due)
