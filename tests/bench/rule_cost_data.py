"""Synthetic request traffic for the rule-cost benchmark: 30 days of per-minute counts per SLO.

Each SLO has one job with two counter series, `code="200"` and `code="500"`, so its errors selector
reads one series and its total selector two. Traffic follows a daily cycle (the quietest hour has a
tenth of the peak), with a baseline error ratio well under budget and a scenario on top: incidents,
zero-traffic stretches, a burn that is still going on when the benchmark runs. The same per-minute
table feeds the backfilled history, the live exporter and the exact ratios errors are measured against.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

MINUTE = 60
DAY = 86_400
METRIC = "http_requests_total"
INSTANCE = "bench"  # fixed instance label: backfilled and scraped samples must be the same series
BASELINE_ERRORS = 0.0003  # 0.3x the 0.1% budget of a 99.9% SLO
FUTURE_MINUTES = 30  # the live run reads this far past the backfilled history


@dataclass(frozen=True)
class Scenario:
    """Incidents as (from, to, error ratio) and silences as (from, to), in minutes before the history ends.

    A negative `to` means the stretch is still going on while the benchmark runs.
    """

    key: str
    about: str
    incidents: tuple[tuple[int, int, float], ...] = ()
    silences: tuple[tuple[int, int], ...] = ()
    quiet_hour_incident_days_ago: int = 0  # a 1h incident at 20% errors at the quietest hour of that day


NOW = -10_000  # "until after the run"

SCENARIOS = (
    Scenario("paging", "30% errors for the last 90m, still going", incidents=((90, NOW, 0.30),)),
    Scenario("slow-burn", "0.4% errors for the last 36h, still going", incidents=((36 * 60, NOW, 0.004),)),
    Scenario("recovered", "25% errors from 4h30m to 2h30m ago", incidents=((270, 150, 0.25),)),
    Scenario("silent-now", "no traffic for the last 40m, still none", silences=((40, NOW),)),
    Scenario("silent-10d", "45m without traffic 10 days ago", silences=((10 * 1440, 10 * 1440 - 45),)),
    Scenario("quiet-hour", "1h at 20% errors in the quietest hour 8 days ago", quiet_hour_incident_days_ago=8),
    Scenario("bad-day", "1% errors for a whole day, 2 days ago", incidents=((3 * 1440, 2 * 1440, 0.01),)),
    Scenario("healthy", "baseline only"),
    Scenario("healthy", "baseline only"),
    Scenario("healthy", "baseline only"),
)


@dataclass
class SloTraffic:
    """Cumulative counts at each minute boundary of one SLO's job; counters are linear within a minute."""

    job: str
    scenario: Scenario
    total: list[int]  # total[m] = requests before minute m
    errors: list[int]

    def counter(self, series: list[int], at: float, start: float) -> float:
        offset = (at - start) / MINUTE
        minute = min(max(int(offset), 0), len(series) - 2)
        fraction = min(max(offset - minute, 0.0), 1.0)
        return series[minute] + fraction * (series[minute + 1] - series[minute])


@dataclass
class Fleet:
    start: int  # first sample, seconds
    end: int  # last backfilled sample: "now" when the data was made
    slos: list[SloTraffic]

    def increase(self, slo: SloTraffic, series: list[int], at: float, window: float) -> float:
        return slo.counter(series, at, self.start) - slo.counter(series, at - window, self.start)

    def exact_ratio(self, slo: SloTraffic, at: float, window: float) -> float | None:
        """Errors over requests in (at - window, at]; None without traffic."""
        total = self.increase(slo, slo.total, at, window)
        return self.increase(slo, slo.errors, at, window) / total if total > 0 else None

    def values_at(self, at: float) -> list[tuple[str, float, float]]:
        """(job, ok counter, error counter) at a wall-clock time, for the exporter."""
        rows = []
        for slo in self.slos:
            errors = slo.counter(slo.errors, at, self.start)
            rows.append((slo.job, slo.counter(slo.total, at, self.start) - errors, errors))
        return rows


def _error_ratio(scenario: Scenario, minutes_ago: int, quiet_window: tuple[int, int] | None) -> float:
    ratio = BASELINE_ERRORS
    for begin, until, incident in scenario.incidents:
        if until < minutes_ago <= begin:
            ratio = incident
    if quiet_window and quiet_window[1] < minutes_ago <= quiet_window[0]:
        ratio = 0.20
    return ratio


def _silent(scenario: Scenario, minutes_ago: int) -> bool:
    return any(until < minutes_ago <= begin for begin, until in scenario.silences)


def _requests_per_minute(peak: float, phase: float, at: float) -> float:
    return peak * (0.55 + 0.45 * math.sin(2 * math.pi * at / DAY + phase))


def _quiet_hour(scenario: Scenario, peak: float, phase: float, end: int) -> tuple[int, int] | None:
    """The 1h window (minutes ago) centred on the quietest minute of the chosen day."""
    if not scenario.quiet_hour_incident_days_ago:
        return None
    day_start = scenario.quiet_hour_incident_days_ago * 1440
    day = range(day_start - 1440, day_start)
    quietest = min(day, key=lambda ago: _requests_per_minute(peak, phase, end - ago * 60))
    return quietest + 30, quietest - 30


def make_slo(index: int, start: int, end: int) -> SloTraffic:
    scenario = SCENARIOS[index % len(SCENARIOS)]
    rng = random.Random(1000 + index)
    peak = (120, 300, 600, 1200)[index % 4]  # requests per minute at the daily peak
    phase = 0.7 * index
    quiet = _quiet_hour(scenario, peak, phase, end)
    minutes = (end - start) // MINUTE + FUTURE_MINUTES
    total, errors = [0], [0]
    for m in range(minutes):
        at = start + m * MINUTE
        ago = (end - at) // MINUTE  # minute m covers (at, at + 60]: it is `ago` minutes before the end
        count = 0 if _silent(scenario, ago) else int(_requests_per_minute(peak, phase, at) + rng.random())
        failed = min(count, int(count * _error_ratio(scenario, ago, quiet) + rng.random())) if count else 0
        total.append(total[-1] + count)
        errors.append(errors[-1] + failed)
    return SloTraffic(f"svc-{index:02d}", scenario, total, errors)


def make_fleet(slos: int, end: int, history: int) -> Fleet:
    start = end - history
    return Fleet(start, end, [make_slo(i, start, end) for i in range(slos)])


def series_labels(job: str, code: str) -> str:
    return f'{METRIC}{{code="{code}",instance="{INSTANCE}",job="{job}"}}'


def write_openmetrics_body(fleet: Fleet, out: Path) -> None:
    """The raw counters, one sample a minute up to fleet.end (no `# EOF`: more families may follow)."""
    with open(out, "w") as sink:
        sink.write(f"# TYPE {METRIC.removesuffix('_total')} counter\n")
        last = (fleet.end - fleet.start) // MINUTE
        for slo in fleet.slos:
            for code, values in (("200", None), ("500", slo.errors)):
                name = series_labels(slo.job, code)
                rows = []
                for m in range(last + 1):
                    value = slo.total[m] - slo.errors[m] if values is None else values[m]
                    rows.append(f"{name} {value} {fleet.start + m * MINUTE}\n")
                sink.write("".join(rows))


def exposition(fleet: Fleet, at: float) -> str:
    """Prometheus text format of the counters at `at` (what the live exporter serves)."""
    lines = [f"# TYPE {METRIC} counter"]
    for job, ok, failed in fleet.values_at(at):
        lines.append(f"{series_labels(job, '200')} {ok!r}")
        lines.append(f"{series_labels(job, '500')} {failed!r}")
    return "\n".join(lines) + "\n"
