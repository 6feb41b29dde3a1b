"""Drawn incidents: a seeded drawer of one SLO and one traffic timeline with one incident in it, replayed against
the SLO's compiled rules with promtool, and judged by invariants taken from the SLO math (docs, not obsc's output).

    make drawn-incidents SEEDS=1-100        # or: python -m tests.drawn_incidents 1-100 --jobs 2 [--keep DIR]

A seed draws an SLI kind (request counts, a latency histogram, a raw SLI, time slices, a `by:` SLO), an objective
(95-99.99%), a period (7d, 28d, 30d, 90d), traffic (0.01 to 1000 req/s, flat, diurnal or idle at night) and one
incident, then replays a minute-by-minute timeline: 2 hours of healthy traffic, the incident, 7 hours after it.
The invariants (what each is derived from is said where it is checked, in `violations`):

- a timeline without a burn (healthy noise, a partial burn at half the budget rate or less, counter resets, a
  deploy, traffic stopping, a scrape gap) never pages and never tickets;
- a total outage pages within the time the page pair's line promises (README, "Low objectives");
- one incident pages at most once, and the page ends within the long window of the last pair that fired plus its
  `keep_firing_for` after the incident;
- series missing while the targets are up fire SLODataMissing; targets down fire ServiceDown.

Seeds from EXTENDED (1000) on may draw a platform's own burn-window catalog for the period and, for a `by:` SLO,
three groups of which any set burns; they are judged per group and tier by promises derived from the drawn pairs
(tests/drawn_incident_catalogs.py; the built-in catalog as pairs where none is drawn).

Seeds from SWEPT (3000) on also draw periods, objectives, traffic, scrape intervals and histograms unlike examples/,
and freshness SLOs (tests/drawn_incident_periods.py).

Seeds from SHAPED (4000) on draw round 47's scenarios (a day/night cycle, restarts mid-burn, long scrape gaps, a
rolling deploy, a silent group, several SLOs failing together, low traffic near the budget), each judged also by
the verdict an SRE expects of the service's pages (tests/drawn_incident_shapes.py).

One line per seed: `seed<TAB>drawn case<TAB>violations` (exit 1 when any). tests/test_drawn_incidents.py runs
a few seeds."""

from __future__ import annotations

import argparse
import functools
import math
import random
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.drawn_fleets import seed_list
from tests.drawn_incident_catalogs import Pair, draw_extension, platform, tier_violations
from tests.drawn_incident_periods import (
    SWEPT,
    builtin_pairs,
    draw_sweep,
    finish_sweep,
    freshen,
    scrape_lag,
)
from tests.drawn_incident_series import series
from tests.drawn_incident_shapes import (
    CRITICAL,
    SHAPED,
    draw_shape,
    night50,
    several_slos,
    shape_violations,
    silence,
)
from tests.promtool_helpers import rules_checked_by

KINDS = ["ratio", "latency", "raw", "slices", "grouped"]
OBJECTIVES = [95, 97.5, 99, 99.5, 99.9, 99.95, 99.99]
PERIODS = {"7d": 7, "28d": 28, "30d": 30, "90d": 90}
RATES = [0.01, 0.05, 0.2, 1, 5, 50, 1000]  # requests a second at the diurnal peak
SHAPES = ["flat", "diurnal", "idle_nights"]
INCIDENTS = ["healthy", "outage", "partial", "flapping", "blip", "gap", "missing", "reset", "deploy", "stop"]
INCIDENTS += ["crashloop", "outage_drop"]  # an outage whose pod restarts every few minutes; whose clients give up
EXTENDED = 1000  # seeds from here on may draw a catalog of their own and several `by:` groups burning
WARM, TAIL = 120, 420  # minutes of healthy traffic before the incident, and replayed after it
PAGE_SHARES = {"1h": 0.02, "6h": 0.05}  # the Workbook's page pairs: budget share spent in the long window
PAGE_LINE_CAP, PAGE_MIN_FACTOR = 0.75, 2.0  # README "Low objectives": a page line is at most 75%, factor >= 2
FAST_FOR, KEEP = {"1h": 2, "6h": 15}, {"1h": 15, "6h": 2}  # README "Timing": each page pair's hold and bridge
ALERTS = {
    names.SLO_BURN_FAST: 1,
    names.SLO_BURN_SLOW: 10,
    names.SLO_DATA_MISSING: 100,
    names.KEY_ALERT_NAMES["service_down"]: 1000,
}


@dataclass
class Case:
    seed: int
    kind: str
    objective: float
    period: str
    rate: float
    shape: str
    incident: str
    start: int = WARM
    minutes: int = 0  # the incident's length
    k: float = 0.0  # a partial burn's error ratio in budgets (1 = the budget rate)
    min_bad: int = 3
    flap: tuple[int, int] = (0, 0)  # minutes bad, minutes good
    gap: tuple[int, int] = (0, 0)  # a scrape gap inside the incident: its offset and length (targets down)
    # per minute and group: requests, bad requests; None where the series are missing
    events: dict[str, list[tuple[int, int] | None]] = field(default_factory=dict)
    up: list[int] = field(default_factory=list)
    tail: int = TAIL
    phase: int = 0  # minutes past the diurnal peak at which the incident starts
    healthy: float = 0.5  # healthy minutes fail at a share of the budget rate drawn up to this
    catalog: list[Pair] = field(default_factory=list)  # the platform's pairs for the period; [] = built in
    groups: list[str] = field(default_factory=lambda: [""])
    burning: tuple[str, ...] = ("",)  # the groups whose traffic carries the incident
    scrape: int = 60  # seconds between a target's samples (round 46)
    scrape_declared: bool = False  # said in the platform's slo_alerts.scrape_interval
    le: str = "0.3"  # how the threshold bucket's `le` is spelled
    stale_markers: bool = True  # a series gone from the scrape is marked stale (False: an agent remote-writing)
    fresh: bool = False  # a time-slice SLO read as the freshness of a job's last success (round 46)
    scenario: str = ""  # round 47's (tests/drawn_incident_shapes.py)
    resets: tuple[int, ...] = ()  # minutes at which the pod restarts, its counters from 0
    pods: int = 1
    roll_every: int = 0  # minutes between two pods a rolling deploy replaces
    silent: str = ""  # the group whose series go away during the incident

    def describe(self) -> str:
        extra = f" k={self.k:g}" if self.incident == "partial" else ""
        extra += f" healthy<={self.healthy:g}" if self.healthy != 0.5 else ""
        extra += f" phase={self.phase}m" if self.phase and self.shape != "flat" else ""
        extra += f" flap={self.flap}" if self.incident == "flapping" else ""
        extra += f" gap={self.gap}" if self.gap[1] else ""
        extra += f" burning={','.join(self.burning)}" if len(self.groups) > 2 else ""
        extra += " catalog=[" + " ".join(_pair_text(p) for p in self.catalog) + "]" if self.catalog else ""
        extra += f" scrape={self.scrape}s{'(declared)' if self.scrape_declared else ''}" if self.scrape != 60 else ""
        extra += f" le={self.le}" if self.le != "0.3" else ""
        extra += " no-stale-markers" if not self.stale_markers else ""
        extra += " freshness" if self.fresh else ""
        extra += f" [{self.scenario}]" if self.scenario else ""
        extra += f" resets={list(self.resets)}" if self.resets else ""
        extra += f" pods={self.pods} roll every {self.roll_every}m" if self.pods > 1 else ""
        extra += f" silent={self.silent}" if self.silent else ""
        return (
            f"{self.kind} {self.objective}%/{self.period} {self.rate}/s {self.shape} min_bad={self.min_bad} "
            f"{self.incident} at {self.start}m for {self.minutes}m{extra}"
        )

    @property
    def budget(self) -> float:
        return 1 - self.objective / 100

    @property
    def end(self) -> int:
        return self.start + self.minutes

    @property
    def length(self) -> int:
        return self.end + self.tail


def draw(seed: int, tail: int = TAIL) -> Case:
    """The case seed `seed` draws, replayed `tail` minutes past its incident (shorter only to keep a test cheap:
    a page held past the tail is not seen)."""
    r = random.Random(seed)
    case = Case(
        seed,
        r.choice(KINDS),
        r.choice(OBJECTIVES),
        r.choice(list(PERIODS)),
        r.choice(RATES),
        r.choice(SHAPES),
        r.choice(INCIDENTS),
    )
    case.tail = tail
    case.phase = r.choice([0, 0, 360, 600, 720, 1080])
    case.min_bad = r.choice([3, 3, 3, 1, 10])
    case.minutes = r.choice([1, 3, 10, 30, 90, 180])
    if case.incident == "blip":
        case.minutes = 1
    if case.incident == "partial":
        case.k = r.choice([0.3, 0.5, 2, 5, 10, 20])
    if case.incident == "flapping":
        case.flap = (r.randint(1, 5), r.randint(1, 8))
    if case.incident in ("outage", "flapping", "crashloop") and r.random() < 0.3:
        case.gap = (r.randint(0, max(0, case.minutes - 1)), r.randint(2, 8))
    case.healthy = r.choice([0.5, 0.5, 0.9, 0.99])
    if case.kind == "grouped":
        case.groups, case.burning = ["eu", "us"], ("eu",)
    if seed >= SWEPT:
        draw_sweep(case, random.Random(f"round46-{seed}"))
    if seed >= EXTENDED:
        draw_extension(case, random.Random(f"round44-{seed}"))
    if seed >= SWEPT:
        finish_sweep(case, random.Random(f"round46-finish-{seed}"))
    if seed >= SHAPED:
        draw_shape(case, random.Random(f"round47-{seed}"))
    _fill(case, r)
    silence(case)
    if case.fresh:
        freshen(case)
    return case


def _pair_text(p: Pair) -> str:
    return f"{p.tier[0]}:{p.long}m/{p.short}m*{p.factor:g}/for{p.hold}" + (f"/keep{p.keep}" if p.keep else "")


def _traffic(case: Case, minute: int) -> float:
    """Requests a second at `minute`: the peak rate, a diurnal wave (the incident starts near the peak), or that
    wave with idle nights (6 quiet hours a day)."""
    if case.shape == "flat":
        return case.rate
    if case.shape == "night50":
        return night50(case, minute)
    phase = math.cos(2 * math.pi * (minute - case.start + case.phase) / 1440)
    if case.shape == "idle_nights" and phase < -0.5:
        return 0.0
    return case.rate * (0.55 + 0.45 * phase)


def _bad_share(case: Case, minute: int, r: random.Random) -> float:
    """The error ratio drawn for `minute`: healthy traffic fails at up to half the budget rate."""
    healthy = case.budget * r.uniform(0, case.healthy)
    inside = case.start <= minute < case.end
    if not inside or not burns(case):
        return healthy
    if case.incident == "partial":
        return min(1.0, case.k * case.budget)
    if case.incident == "flapping":
        on, off = case.flap
        return 1.0 if (minute - case.start) % (on + off) < on else healthy
    return 1.0


def _poisson(r: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(r.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


def _binomial(r: random.Random, n: int, p: float) -> int:
    if n * p * (1 - p) > 25:
        return min(n, max(0, round(r.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    if n > 2000:  # rare events among many: Poisson
        return min(n, _poisson(r, n * p))
    return sum(r.random() < p for _ in range(n))


def _fill(case: Case, r: random.Random) -> None:
    groups = case.groups
    case.events = {g: [] for g in groups}
    for minute in range(case.length):
        inside = case.start <= minute < case.end
        gap = inside and case.gap[1] and case.gap[0] <= minute - case.start < case.gap[0] + case.gap[1]
        down = (inside and case.incident == "gap") or gap
        case.up.append(0 if down else 1)
        for g in groups:
            if down or (inside and case.incident == "missing"):
                case.events[g].append(None)
                continue
            rate = 0.0 if inside and case.incident == "stop" else _traffic(case, minute)
            if inside and case.incident == "outage_drop":
                rate *= 0.1  # clients back off: a tenth of the traffic, all of it failing
            n = 60 if case.kind == "slices" else _poisson(r, rate * 60)
            burning = g in case.burning
            share = _bad_share(case, minute, r) if burning else case.budget * r.uniform(0, case.healthy)
            if case.kind == "slices":  # one slice a minute: bad with the drawn share's probability
                case.events[g].append((1, int(r.random() < share)))
            else:
                case.events[g].append((n, _binomial(r, n, share)))


# -- the spec and its series


def spec(case: Case) -> str:
    sli = {
        "ratio": "{errors: errors, total: requests}",
        "grouped": "{errors: errors, total: requests}",
        "latency": "{latency: latency, threshold: 300ms}",
        "raw": "{raw: {errors: 'sum(rate(app_requests_total{code=~\"5..\",$selector}[$window]))', "
        "total: 'sum(rate(app_requests_total{$selector}[$window]))'}}",
        "slices": "{last_success: last_ok, max_age: 30m}" if case.fresh else "{good_when: probe_ok == 1}",
        "several": "",
    }[case.kind]
    by = ", by: [region]" if case.kind == "grouped" else ""
    common = f"objective: {case.objective}, period: {case.period}, min_bad_events: {case.min_bad}"
    slos = several_slos(case) if case.kind == "several" else f"  - {{name: drawn, {common}{by}, sli: {sli}}}"
    return f"""apiVersion: obsc/v1
service: drawn
team: fuzz
selector: {{job: drawn}}
metrics:
  requests: app_requests_total
  errors: app_requests_total{{code=~"5.."}}
  latency: app_request_duration_seconds
  probe_ok: {{selector: 'probe_success{{target="home"}}', type: gauge, aggregation: min}}
  last_ok: {{selector: job_last_success_timestamp_seconds, type: gauge}}
alerts: {{error_rate: false, latency_p99: false, traffic_anomaly: false, traffic_milestone: false, deployment: false,
  new_error_type: false, cpu: false, memory: false, disk: false, disk_full: false}}
slos:
{slos}
routing:
  critical: {{webhook: {{url: "http://relay:8080/page"}}}}
  warning: {{webhook: {{url: "http://relay:8080/ticket"}}}}
  info: {{webhook: {{url: "http://relay:8080/digest"}}}}
"""


# -- the replay


def weights(case: Case) -> dict[str, tuple[str, int]]:
    """Each key read from promtool (an alert, or `alert/group` for a `by:` SLO's burn alerts), its ALERTS selector
    and its decimal digit in the one number the check expression returns (at most 9 series a digit)."""
    out = {alert: (f'alertname="{alert}"', weight) for alert, weight in ALERTS.items()}
    digit = 10**4
    for group in case.groups if len(case.groups) > 1 else []:
        for alert in (names.SLO_BURN_FAST, names.SLO_BURN_SLOW):
            out[f"{alert}/{group}"] = (f'alertname="{alert}",region="{group}"', digit)
            digit *= 10
    if case.seed >= SHAPED:  # the service's critical notification group is up while any of its pages fires
        out[CRITICAL] = ('severity="critical"', 10**10)
    return out


def _check_expr(case: Case) -> str:
    parts = [
        f'{weight} * (count(ALERTS{{{selector},alertstate="firing"}}) or vector(0))'
        for selector, weight in weights(case).values()
    ]
    return " + ".join(parts)


def replay(case: Case, workdir: Path) -> dict[int, dict[str, int]]:
    """Minute → alert → how many of its series fire, from promtool."""
    specs = workdir / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "drawn.yaml").write_text(spec(case))
    if case.catalog or case.scrape_declared:
        (specs / "platform.yaml").write_text(platform(case))
    bundle = compile_specs([str(specs)]).bundle
    path = names.prometheus_rules_path("drawn")
    content = next(a.content for a in bundle.artifacts if a.path == path)
    expr = _check_expr(case)
    rules = rules_checked_by(content, [expr])
    (workdir / "rules.yaml").write_text(rules)
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": [g["name"] for g in yaml.safe_load(rules)["groups"]],
        "tests": [
            {
                "interval": f"{case.scrape}s",
                "input_series": [{"series": s, "values": v} for s, v in series(case).items()],
                "promql_expr_test": [
                    {"expr": expr, "eval_time": f"{m}m", "exp_samples": [{"labels": "{}", "value": -1}]}
                    for m in range(case.length)
                ],
            }
        ],
    }
    (workdir / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"], cwd=workdir, capture_output=True, text=True
    )
    got = re.findall(r"time: (\S+?),.*?got: \{\} (\S+)", run.stdout + run.stderr, re.DOTALL)
    if len(got) != case.length:
        raise RuntimeError(f"seed {case.seed}: promtool said {(run.stdout + run.stderr)[-2000:]}")
    out: dict[int, dict[str, int]] = {}
    for at, value in got:
        code = int(float(value))
        out[_minutes(at)] = {key: code // weight % 10 for key, (_, weight) in weights(case).items()}
    return out


def _minutes(text: str) -> int:
    """promtool's `2d3h4m`, `7h`, `0s` → minutes."""
    units = {"d": 1440, "h": 60, "m": 1, "s": 0}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", text))


# -- the invariants


def page_line(case: Case, long: str) -> float:
    """The error ratio a page pair fires over: the Workbook's budget share over its long window, rescaled to the
    period, capped at a 75% line but not below 2x (README, "Low objectives")."""
    factor = PAGE_SHARES[long] * PERIODS[case.period] * 24 / (1 if long == "1h" else 6)
    if factor * case.budget > PAGE_LINE_CAP:
        factor = max(PAGE_MIN_FACTOR, math.floor(PAGE_LINE_CAP / case.budget * 100) / 100)
    return factor * case.budget


def outage_promise(case: Case) -> int | None:
    """Minutes from a total outage's start to its page, from the expected traffic: the first minute t at which
    the 1h window's error ratio (failed requests since the start over all requests of the last hour; a tenth
    of the traffic during the outage when clients back off) is past the page line and the window holds
    `min_bad` failures; then the pair's hold, plus 3 minutes (a minute's step and the rate's extrapolation at
    the window's edge). None when no failure reaches it within the incident (idle hours: nothing to page on)."""
    line, kept = page_line(case, "1h"), 0.1 if case.incident == "outage_drop" else 1.0
    per = [1.0 if case.kind == "slices" else _traffic(case, m) * 60 for m in range(case.length)]
    for t in range(1, case.minutes + 1):
        bad = sum(per[case.start : case.start + t]) * kept
        total = bad + sum(per[max(0, case.start + t - 60) : case.start])
        if total and bad / total > line and bad >= case.min_bad:
            return t + FAST_FOR["1h"] + 3
    return None


def _episodes(minutes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for m in minutes:
        if runs and runs[-1][1] == m - 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return runs


def burns(case: Case) -> bool:
    """Whether the incident spends budget faster than it lasts: the only incidents that may page or ticket."""
    if case.incident == "partial":
        return case.k > 1
    return case.incident in ("outage", "flapping", "blip", "crashloop", "outage_drop")


TICKETS = {"7d": (1, 1), "28d": (2.8, 1), "30d": (3, 1), "90d": (9, 1)}  # windows.yaml: the 1d/2h, 3d/6h factors


def realised(case: Case, minute: int, window: int) -> tuple[int, float]:
    """Failed events and their ratio in the `window` minutes before `minute`, from the drawn counts (the group
    burning most): what the SLO math judges, whatever the rules read."""
    worst = (0, 0.0)
    for points in case.events.values():
        seen = [p for p in points[max(0, minute - window) : minute] if p is not None]
        total, bad = sum(p[0] for p in seen), sum(p[1] for p in seen)
        worst = max(worst, (bad, bad / total if total else 0.0), key=lambda b: b[1])
    return worst


def noise_burned(case: Case, ticketed: list[int]) -> bool:
    """Whether healthy noise really spent the budget past a ticket pair's line when the ticket started: both
    windows' realised ratios over factor x budget and `min_bad` failures in the long one. Healthy traffic at
    up to 0.99 of the budget rate crosses the 3d/6h pair's line of 1x now and then: a ticket the math asks for."""
    start = ticketed[0] - 6  # the pair's 5m hold and a step
    for (long, short), factor in zip(((1440, 120), (4320, 360)), TICKETS[case.period], strict=True):
        line = factor * case.budget
        bad, ratio = realised(case, start, long)
        if ratio > line and bad >= case.min_bad and realised(case, start, short)[1] > line:
            return True
    return False


def workbook(case: Case) -> list[Pair]:
    """The built-in catalog of the case's period as pairs (windows.yaml; page lines capped as `page_line`)."""
    slow, slowest = TICKETS[case.period]
    return [
        Pair("critical", 60, 5, page_line(case, "1h") / case.budget, 2, 0),
        Pair("critical", 360, 30, page_line(case, "6h") / case.budget, 15, 0),
        Pair("warning", 1440, 120, slow, 5, 0),
        Pair("warning", 4320, 360, slowest, 5, 0),
    ]


def violations(case: Case, seen: dict[int, dict[str, int]]) -> list[str]:
    if case.seed >= EXTENDED:
        pairs = case.catalog or (builtin_pairs(case) if case.seed >= SWEPT else workbook(case))
        found = tier_violations(case, seen, pairs) + _data_violations(case, seen)
        if case.seed >= SHAPED:
            found += shape_violations(case, seen, pairs)
        return found
    fast = [m for m in sorted(seen) if seen[m][names.SLO_BURN_FAST]]
    slow = [m for m in sorted(seen) if seen[m][names.SLO_BURN_SLOW]]
    out: list[str] = []
    if not burns(case):
        # healthy traffic fails under the budget rate: every pair's line is at least 1x the budget (windows.yaml:
        # no factor below 1), and a page's at least 1.4x, so only the noise of a few events crosses one: a page
        # never (min_bad guards it), a ticket where the drawn events really crossed its line (noise_burned)
        if fast:
            out.append(f"paged without a burn: {_episodes(fast)}")
        if slow and not noise_burned(case, slow):
            out.append(f"ticketed without a burn: {_episodes(slow)}")
    else:
        episodes = _episodes(fast)
        if len(episodes) > 1:
            out.append(f"one incident paged {len(episodes)} times: {episodes}")
        if episodes:
            # the page ends once the long window of the last pair firing has forgotten the incident, plus that
            # pair's keep_firing_for and a step; the 6h pair bounds both
            bound = case.end + 360 + KEEP["6h"] + 2
            if episodes[-1][1] + 1 > bound:
                out.append(f"page held until {episodes[-1][1] + 1}m, past {bound}m")
        outage = case.incident in ("outage", "crashloop", "outage_drop")
        promise = outage_promise(case) if outage and not case.gap[1] else None
        if promise is not None and case.minutes >= promise:
            promise += case.start
            if not fast or fast[0] > promise:
                out.append(f"outage paged at {fast[0] if fast else 'never'}m, promised by {promise}m")
    return out + _data_violations(case, seen)


def _data_violations(case: Case, seen: dict[int, dict[str, int]]) -> list[str]:
    out = []
    if case.incident in ("missing", "gap", "bucket_gone") and case.minutes >= 20:
        alert = names.KEY_ALERT_NAMES["service_down"] if case.incident == "gap" else names.SLO_DATA_MISSING
        # series gone: rate() reads 5 minutes on, then the alert's 10m hold; a few minutes of steps beside
        within = [m for m in range(case.start, case.end) if seen[m][alert]]
        if not within or within[0] > case.start + 5 + 10 + 3 + scrape_lag(case):
            out.append(f"{case.incident} for {case.minutes}m: {alert} at {within[0] if within else 'never'}m")
    return out


def run_seed(seed: int, keep: Path | None, tail: int = TAIL) -> tuple[int, str, list[str]]:
    case = draw(seed, tail)
    with tempfile.TemporaryDirectory(prefix=f"drawn-incident-{seed}-") as tmp:
        work = keep / str(seed) if keep else Path(tmp)
        seen = replay(case, work)
        fired = {a: _episodes([m for m in sorted(seen) if seen[m][a]]) for a in ALERTS}
        said = " ".join(f"{a.removeprefix('SLOErrorBudget')}={e}" for a, e in fired.items() if e)
        return seed, f"{case.describe()}\t{said or '-'}", violations(case, seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="e.g. 1-100 or 3,7,12")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep each seed's rules and promtool test here")
    args = parser.parse_args(argv)
    bad = 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for seed, what, found in pool.map(functools.partial(run_seed, keep=args.keep), seed_list(args.seeds)):
            bad += bool(found)
            print(f"{seed}\t{what}\t{'; '.join(found) or 'ok'}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
