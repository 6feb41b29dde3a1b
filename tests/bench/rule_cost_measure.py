"""What the rule-cost benchmark reads from the running server: evaluation time per group and rule
(`/api/v1/rules`), active alerts (`/api/v1/alerts`), and recorded ratios against the exact ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.bench.rule_cost_data import Fleet, SloTraffic
from tests.bench.rule_cost_prom import api, instant
from tests.bench.rule_cost_rules import seconds

BUDGET = 0.001  # error budget of the 99.9% objective: one burn-rate unit
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")


def design_of(group_name: str) -> str:
    return "obsc" if group_name.startswith("obsc-") else "sloth"


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def group_kind(group_name: str) -> str:
    """obsc: 'slo' (fast tier) or 'coarse'; Sloth: 'sli', 'meta' or 'alerts'."""
    if group_name.startswith("obsc-"):
        return group_name.rsplit("-", 1)[1]
    return group_name.removeprefix("sloth-slo-").split("-")[0]


def _rule_part(rule: dict[str, Any]) -> str:
    """Which window a rule's time is charged to: its window label, else 'alerts' or 'meta'."""
    labels = rule.get("labels", {})
    window = labels.get("window") or labels.get("sloth_window")
    if window:
        return str(window)
    return "alerts" if rule.get("type") == "alerting" else "meta"


@dataclass
class Evaluation:
    seconds: float
    by_part: dict[str, float]


@dataclass
class GroupTimes:
    design: str
    kind: str
    interval: float
    evaluations: dict[float, Evaluation] = field(default_factory=dict)  # by lastEvaluation


@dataclass
class CostLog:
    """Every group evaluation seen while polling, by (file, group)."""

    groups: dict[tuple[str, str], GroupTimes] = field(default_factory=dict)
    failures: set[str] = field(default_factory=set)  # rules whose health was not ok

    def poll(self, url: str) -> None:
        for group in api(url, "/api/v1/rules")["groups"]:
            if not group.get("lastEvaluation", "").startswith(("19", "20")) or group["evaluationTime"] == 0:
                continue  # not evaluated yet (lastEvaluation is the zero time 0001-01-01)
            name = group["name"]
            times = self.groups.setdefault(
                (group["file"], name), GroupTimes(design_of(name), group_kind(name), float(group["interval"]))
            )
            parts: dict[str, float] = defaultdict(float)
            for rule in group["rules"]:
                parts[_rule_part(rule)] += rule["evaluationTime"]
                if rule.get("health") == "err":
                    self.failures.add(f"{group['name']}: {rule['name']}: {rule.get('lastError')}")
            times.evaluations[_when(group["lastEvaluation"])] = Evaluation(group["evaluationTime"], dict(parts))

    def evaluated_since(self, moment: float) -> set[tuple[str, str]]:
        return {k for k, g in self.groups.items() if any(t >= moment for t in g.evaluations)}

    def fewest_evaluations(self, since: float, design_interval: float) -> int:
        counts = [
            sum(1 for t in g.evaluations if t >= since) for g in self.groups.values() if g.interval == design_interval
        ]
        return min(counts, default=0)


@dataclass
class Cost:
    per_cycle: float  # seconds of evaluation per cycle of the global interval
    by_part: dict[str, float]  # the same, split by window
    by_kind: dict[str, float]  # the same, split by kind of group
    groups: int
    evaluations: int


def cost_per_cycle(log: CostLog, design: str, since: float, cycle: float) -> Cost:
    """Mean time of each group's evaluations since `since`, scaled to one cycle: cycle / its interval."""
    total, groups, evaluations = 0.0, 0, 0
    parts: dict[str, float] = defaultdict(float)
    kinds: dict[str, float] = defaultdict(float)
    for times in log.groups.values():
        kept = [e for t, e in times.evaluations.items() if t >= since] if times.design == design else []
        if not kept:
            continue
        share = cycle / times.interval / len(kept)
        groups += 1
        evaluations += len(kept)
        for evaluation in kept:
            total += evaluation.seconds * share
            kinds[times.kind] += evaluation.seconds * share
            for part, spent in evaluation.by_part.items():
                parts[part] += spent * share
    return Cost(total, dict(parts), dict(kinds), groups, evaluations)


def active_alerts(url: str) -> dict[str, dict[tuple[str, str], str]]:
    """State of every pending or firing burn-rate alert as (service, page|ticket), by design; info left out."""
    found: dict[str, dict[tuple[str, str], str]] = {"obsc": {}, "sloth": {}}
    for alert in api(url, "/api/v1/alerts")["alerts"]:
        labels, state = alert["labels"], alert["state"]
        if "sloth_severity" in labels:
            found["sloth"][(labels["sloth_service"], labels["sloth_severity"])] = state
        elif labels.get("severity") in ("critical", "warning") and "slo" in labels:
            tier = "page" if labels["severity"] == "critical" else "ticket"
            # two rules share a tier (e.g. 1h&5m and 6h&30m pages): firing wins over pending
            if found["obsc"].get((labels["service"], tier)) != "firing":
                found["obsc"][(labels["service"], tier)] = state
    return found


@dataclass
class WindowAccuracy:
    worst: float = 0.0  # burn-rate units
    worst_where: str = ""
    samples: int = 0
    total: float = 0.0  # sum of the errors, for the mean
    nan_with_traffic: int = 0  # NaN although the exact ratio exists
    nan_without_traffic: int = 0
    missing_with_traffic: int = 0  # nothing to read although there was traffic (read view only)

    @property
    def mean(self) -> float:
        return self.total / self.samples if self.samples else 0.0

    def add(self, value: float, exact: float | None, where: str) -> None:
        if math.isnan(value):
            if exact is None:
                self.nan_without_traffic += 1
            else:
                self.nan_with_traffic += 1
            return
        if exact is None:
            return
        self.samples += 1
        error = abs(value - exact) / BUDGET
        self.total += error
        if error > self.worst:
            self.worst, self.worst_where = error, where


Accuracy = dict[tuple[str, str, str], WindowAccuracy]  # (view, design, window)


def _design_and_job(labels: dict[str, str]) -> tuple[str, str] | None:
    if "sloth_id" in labels:
        return "sloth", labels["sloth_service"]
    if "service" in labels:
        return "obsc", labels["service"]
    return None


def accuracy_at_evaluations(url: str, fleet: Fleet, since: float, until: float, results: Accuracy) -> None:
    """Every ratio recorded live, against the exact ratio of the generated counts at its own timestamp."""
    jobs: dict[str, SloTraffic] = {slo.job: slo for slo in fleet.slos}
    span = math.ceil(until - since) + 1
    for window in WINDOWS:
        for series in instant(url, f"slo:sli_error:ratio_rate{window}[{span}s]", until):
            owner = _design_and_job(series["metric"])
            if owner is None:
                continue
            design, job = owner
            stats = results[("eval", design, window)]
            for stamp, text in series["values"]:
                if stamp >= since:
                    exact = fleet.exact_ratio(jobs[job], stamp, seconds(window))
                    stats.add(float(text), exact, f"{job} {jobs[job].scenario.key}")


def accuracy_as_read(url: str, fleet: Fleet, at: float, results: Accuracy) -> None:
    """What an alert evaluated at `at` reads (the latest sample, however old) against the exact ratio at `at`."""
    jobs: dict[str, SloTraffic] = {slo.job: slo for slo in fleet.slos}
    for window in WINDOWS:
        seen: dict[str, set[str]] = {"obsc": set(), "sloth": set()}
        for series in instant(url, f"slo:sli_error:ratio_rate{window}", at):
            owner = _design_and_job(series["metric"])
            if owner is None:
                continue
            design, job = owner
            seen[design].add(job)
            exact = fleet.exact_ratio(jobs[job], at, seconds(window))
            results[("read", design, window)].add(float(series["value"][1]), exact, f"{job} {jobs[job].scenario.key}")
        for design, found in seen.items():
            stats = results[("read", design, window)]
            width = seconds(window)
            stats.missing_with_traffic += sum(
                1 for job, slo in jobs.items() if job not in found and fleet.exact_ratio(slo, at, width) is not None
            )


def series_counts(url: str) -> dict[str, int]:
    """Series each design records, as the server holds them now."""

    def count(expr: str) -> int:
        result = instant(url, f"count({expr})")
        return int(float(result[0]["value"][1])) if result else 0

    return {
        "obsc": count('{__name__=~"slo:.+", service!=""}'),
        "sloth": count('{__name__=~"slo:.+|sloth_.+", sloth_id!=""}'),
    }


def history_coverage(url: str) -> dict[str, tuple[float, float]]:
    """Min and max samples per series the 30d and 3d windows read, as seen at start."""
    probes = {
        "sloth 5m ratios [30d]": 'count_over_time(slo:sli_error:ratio_rate5m{sloth_id!=""}[30d])',
        "obsc coarse 5m error rates [30d]": "count_over_time(slo:sli_errors:coarse_rate5m[30d])",
        "obsc coarse 5m total rates [30d]": "count_over_time(slo:sli_total:coarse_rate5m[30d])",
        "raw counters [3d]": "count_over_time(http_requests_total[3d])",
    }
    coverage = {}
    for name, expr in probes.items():
        values = [float(r["value"][1]) for r in instant(url, expr)]
        coverage[name] = (min(values, default=0.0), max(values, default=0.0))
    return coverage
