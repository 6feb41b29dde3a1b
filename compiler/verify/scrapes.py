"""What `obsc verify` checks about timing on the live server: how often a service is really scraped, and how
often obsc's loaded rule groups are evaluated.

- a job whose configured `scrape_interval` (/api/v1/status/config, the global one filled in per job) is
  slower than the platform's declared `defaults.slo_alerts.scrape_interval` (1m when unsaid): the compile
  checked the burn windows against the declared one, so the short windows and obsc's 5m rates may hold one
  sample and read nothing (alerts silent);
- the same seen in the samples themselves: the median spacing of each target's `up` samples, which also
  catches targets the config does not name by their `job` (a relabelled job, an agent's remote write);
- a loaded group evaluated less often than an alert's `for:` hold in it: the alert pages at its first
  evaluation after the hold, one interval late (a 2m hold in a group evaluated every 5m pages after 5m);
- a loaded group evaluated less often than the server's lookback delta (`--query.lookback-delta`, 5m) whose
  records another of obsc's groups reads (the coarse group's slow-burn tickets read the SLO group's 2h and 6h
  ratios): for (interval - lookback delta) of each interval the record reads as absent; an evaluation that
  falls there restarts the reader's hold (paging late, flapping), and from twice the lookback delta on no
  15m hold is ever met (never fires).
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from compiler.errors import Location
from compiler.model import queries
from compiler.model.scrape_windows import DEFAULT_SCRAPE_SECONDS
from compiler.model.types import Service
from compiler.model.units import duration_or_none, format_duration
from compiler.spec.document import Path
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected

Find = Callable[[Path, Location, str], None]
DEFAULT_LOOKBACK_SECONDS = 300  # Prometheus's --query.lookback-delta default
SPACING_WINDOW = "10m"  # four scrapes at the slowest interval the compile accepts (2m30s), two at 5m
SETTING: Path = ("defaults", "slo_alerts", "scrape_interval")


@dataclass(frozen=True)
class Declared:
    """The platform's scrape interval and where it is written (None: unsaid, Prometheus's default 1m)."""

    seconds: int = DEFAULT_SCRAPE_SECONDS
    location: Location | None = None

    def said(self) -> str:
        if self.location is None:
            return f"{format_duration(self.seconds)}, obsc's default: the platform does not set {SETTING[-1]}"
        return f"{format_duration(self.seconds)}, slo_alerts.{SETTING[-1]}"


def declared(data: Any, locate: Callable[[Path], Location]) -> Declared:
    """The platform document's declared interval; the default when unsaid or unreadable (compile refuses it)."""
    written = (
        ((data.get("defaults") or {}).get("slo_alerts") or {}).get(SETTING[-1]) if isinstance(data, dict) else None
    )
    seconds = duration_or_none(written) or 0
    return Declared(seconds, locate(SETTING)) if seconds > 0 else Declared()


def job_intervals(prometheus: Prometheus) -> dict[str, int] | None:
    """Each scrape job's interval as the server runs it (job_name -> seconds); None when the server does not
    say (Thanos, Mimir and agents have no /api/v1/status/config)."""
    try:
        text = prometheus.config()
        config = yaml.safe_load(text) or {}
    except (NotPrometheus, QueryRejected, yaml.YAMLError):
        return None
    if not isinstance(config, dict):
        return None
    default = duration_or_none((config.get("global") or {}).get("scrape_interval")) or DEFAULT_SCRAPE_SECONDS
    out: dict[str, int] = {}
    for job in config.get("scrape_configs") or []:
        if isinstance(job, dict) and isinstance(job.get("job_name"), str):
            out[job["job_name"]] = duration_or_none(job.get("scrape_interval")) or default
    return out


def check_scrapes(
    service: Service,
    where: Path,
    declared_interval: Declared,
    intervals: dict[str, int] | None,
    prometheus: Prometheus,
    finds: tuple[Find, Find],
) -> None:
    """A configured or observed scrape interval of the service's targets slower than the declared one.
    `finds`: (in the service's spec, in the platform file: a path below `defaults`, the service named); `where`:
    the service's targets or selector, used when the platform does not set the interval."""
    find, find_on_platform = finds
    slow: dict[str, str] = {}  # job -> why
    jobs = _jobs(service, prometheus)
    for job in sorted(jobs):
        configured = (intervals or {}).get(job)
        if configured is not None and configured > declared_interval.seconds:
            slow[job] = f"scraped every {format_duration(configured)} (its scrape_interval, /api/v1/status/config)"
    for job, (instance, spacing) in sorted(_observed(service, prometheus).items()):
        if job not in slow and spacing > declared_interval.seconds * 1.25:  # jitter and a missed scrape or two
            slow[job] = (
                f"{instance} sampled every {format_duration(round(spacing))} (the median spacing of its up samples)"
            )
    for job, why in sorted(slow.items()):
        message = (
            f"job {job!r} is {why}, slower than the declared scrape interval ({declared_interval.said()}): "
            "a burn window shorter than two scrapes, and obsc's 5m rates at 2m30s or slower, hold one sample "
            "and read nothing, so the alerts over them stay silent; scrape the targets as often as declared, or "
            f"declare the slowest interval in defaults.slo_alerts.{SETTING[-1]} (compile then checks the windows)"
        )
        if declared_interval.location is not None:
            find_on_platform(SETTING[1:], declared_interval.location, message)
        else:
            find(where, service.location, message)


def lookback_delta(prometheus: Prometheus) -> int:
    """How far back an instant selector looks for a sample (`--query.lookback-delta`, Prometheus's 5m when the
    server does not say)."""
    try:
        said = prometheus.flags().get("query.lookback-delta")
    except (NotPrometheus, QueryRejected):
        said = None
    return duration_or_none(said) or DEFAULT_LOOKBACK_SECONDS


def check_evaluation(service: Service, groups: Sequence[Mapping[str, Any]], lookback: int, find: Find) -> None:
    """Alerts in a loaded group evaluated less often than their `for:` hold: they page an interval late; records
    of a group evaluated less often than the lookback delta, read by another group: its readers page late or never."""
    _stale_records(service, groups, lookback, find)
    for group in groups:
        interval = _number(group.get("interval"))
        late = sorted(
            {
                (str(rule.get("name", "?")), int(_number(rule.get("duration"))))
                for rule in group.get("rules") or []
                if isinstance(rule, dict)
                and rule.get("type") == "alerting"
                and 0 < _number(rule.get("duration")) < interval
            }
        )
        if not late:
            continue
        shown = ", ".join(f"{name} (for: {format_duration(hold)})" for name, hold in late[:5])
        more = f" and {len(late) - 5} more" if len(late) > 5 else ""
        find(
            ("service",),
            service.location,
            f"loaded group {group.get('name')} is evaluated every {format_duration(int(interval))}, longer than the "
            f"holds of {shown}{more}: each pages at its first evaluation after the hold, up to "
            f"{format_duration(int(interval))} after the condition starts rather than after its hold, and a "
            "shorter burn than the interval may never page; evaluate obsc's groups at least as often as their "
            "shortest hold (evaluation_interval)",
        )


def _stale_records(service: Service, groups: Sequence[Mapping[str, Any]], lookback: int, find: Find) -> None:
    for group in groups:
        interval = _number(group.get("interval"))
        if interval <= lookback:
            continue
        rules = [r for r in group.get("rules") or [] if isinstance(r, dict)]
        written = {str(r.get("name")) for r in rules if r.get("type") == "recording"}
        readers = sorted(
            {
                (str(rule.get("name", "?")), str(other.get("name")))
                for other in groups
                if other is not group
                for rule in other.get("rules") or []
                if isinstance(rule, dict)
                and any(_window(str(rule.get("query", "")), name, lookback) < interval for name in written)
            }
        )
        if not readers:
            continue
        names, reading = sorted({name for name, _ in readers}), ", ".join(sorted({g for _, g in readers}))
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        every = format_duration(int(interval))
        find(
            ("service",),
            service.location,
            f"loaded group {group.get('name')} is evaluated every {every}, longer than the server's lookback delta "
            f"({format_duration(lookback)}, --query.lookback-delta): its records read as absent between evaluations "
            f"where read as an instant value (or over a range shorter than {every}), and {shown} of {reading} read "
            "them so: an evaluation that finds none restarts their hold, so they page late, and from twice the "
            "lookback delta on never; evaluate obsc's groups every "
            f"{format_duration(lookback)} or more often (evaluation_interval)",
        )


def _window(query: str, record: str, lookback: int) -> float:
    """The shortest span over which `query` reads `record`: its range, or the lookback delta for an instant
    selector; infinite when it does not read it."""
    shortest = math.inf
    for match in re.finditer(rf"(?<![\w:]){re.escape(record)}(?![\w:])(?:\{{[^}}]*\}})?\s*(\[[^\]]*\])?", query):
        window = match.group(1)
        span = duration_or_none(window[1:-1].split(":")[0].strip()) if window else lookback
        shortest = min(shortest, span if span is not None else lookback)
    return shortest


def _jobs(service: Service, prometheus: Prometheus) -> set[str]:
    try:
        result = prometheus.query(f"count by (job) (last_over_time({queries.up(service)}[{SPACING_WINDOW}]))")
    except QueryRejected:
        return set()  # reported with the targets
    return {str(s.get("metric", {}).get("job", "")) for s in result}


def _observed(service: Service, prometheus: Prometheus) -> dict[str, tuple[str, float]]:
    """The slowest target of each job: (instance, median seconds between its `up` samples), from the raw
    samples of the last 10 minutes; a target with one sample there says nothing. Two are enough: a 4m or 5m
    scrape leaves no more in 10 minutes, and a failed scrape still writes `up` (only a target gone, or the
    server down, leaves a gap, and that makes three samples a finding just as well)."""
    try:
        series = prometheus.query(f"{queries.up(service)}[{SPACING_WINDOW}]")
    except QueryRejected:
        return {}
    out: dict[str, tuple[str, float]] = {}
    for one in series:
        values = one.get("values")
        times = sorted(_number(v[0]) for v in values if isinstance(v, list) and v) if isinstance(values, list) else []
        if len(times) < 2:
            continue
        spacing = statistics.median(b - a for a, b in itertools.pairwise(times))
        labels = one.get("metric") or {}
        job, instance = str(labels.get("job", "")), str(labels.get("instance", "?"))
        if spacing > out.get(job, ("", 0.0))[1]:
            out[job] = (instance, spacing)
    return out


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
