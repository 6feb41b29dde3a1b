"""The two rule sets of the rule-cost benchmark, for the same SLOs over the same raw series.

obsc: specs compiled by the library, rule files used as generated. Key-metric alerts are switched off
in the platform defaults so the files hold SLO machinery only (Sloth has nothing else to compare with).

Sloth-shaped: written here from the shape Sloth documents for a 30d SLO: per SLO a recordings group
(error ratio over 5m, 30m, 1h, 2h, 6h, 1d and 3d, each re-reading the raw counters, and a 30d window
that averages the 5m ratios), a metadata group and an alerts group (page: 1h & 5m above 14.4x or
6h & 30m above 6x; ticket: 1d & 2h above 3x or 3d & 6h above 1x), labelled `sloth_*` as Sloth does.
Both designs record series of the same names; the label sets keep them apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler import conventions
from compiler.api import compile_specs
from tests.bench.rule_cost_schedule import group_phase

OBJECTIVE = 99.9
SLO = "availability"
ERRORS = 'http_requests_total{code=~"5..",job="%s"}'
TOTAL = 'http_requests_total{job="%s"}'
SLOTH_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
KEY_ALERTS = (  # switched off: the comparison is about SLO rules
    "error_rate",
    "latency_p99",
    "service_down",
    "cpu",
    "memory",
    "disk",
    "disk_full",
    "traffic_anomaly",
    "deployment",
    "new_error_type",
    "traffic_milestone",
)

PLATFORM = f"""\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://runbooks.example/{{path}}
grafana_url: https://grafana.example
defaults:
  period: 30d
  alerts: {{{", ".join(f"{kind}: false" for kind in KEY_ALERTS)}}}
  routing:
    critical: {{webhook: {{url: "http://127.0.0.1:9/critical"}}}}
    warning: {{webhook: {{url: "http://127.0.0.1:9/warning"}}}}
    info: {{webhook: {{url: "http://127.0.0.1:9/info"}}}}
"""

SERVICE = """\
apiVersion: obsc/v1
service: {job}
team: team-{team}
selector: {{job: {job}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: {objective}, sli: {{errors: errors, total: requests}}}}
"""


@dataclass
class RuleFile:
    """One rule file's groups, by design ('obsc' | 'sloth') and job."""

    design: str
    job: str
    groups: list[dict[str, Any]]
    text: str  # the bytes to load (obsc: exactly as generated)
    path: str = ""  # where it is loaded from (decides when its groups run)


@dataclass(frozen=True)
class HistoryRule:
    """A recording rule whose past output must be backfilled, on its group's own evaluation grid."""

    rule: dict[str, Any]
    interval: int  # seconds
    phase: float  # seconds into each interval at which the group runs


def obsc_rule_files(jobs: list[str], workdir: Path) -> list[RuleFile]:
    specs = workdir / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    for i, job in enumerate(jobs):
        (specs / f"{job}.yaml").write_text(SERVICE.format(job=job, team=i % 5, objective=OBJECTIVE))
    bundle = compile_specs([str(specs)]).bundle
    files = []
    for job in jobs:
        artifact = bundle.get(conventions.prometheus_rules_path(job))
        if artifact is None:
            raise AssertionError(f"obsc generated no rule file for {job}")
        files.append(RuleFile("obsc", job, yaml.safe_load(artifact.content)["groups"], artifact.content))
    return files


def _sloth_labels(job: str, **extra: str) -> dict[str, str]:
    return {"sloth_id": f"{job}-{SLO}", "sloth_service": job, "sloth_slo": SLO, **extra}


def _sloth_selector(job: str) -> str:
    return f'{{sloth_id="{job}-{SLO}", sloth_service="{job}", sloth_slo="{SLO}"}}'


def _sloth_sli_rules(job: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "record": f"slo:sli_error:ratio_rate{w}",
            "expr": f"(sum(rate({ERRORS % job}[{w}])))\n/\n(sum(rate({TOTAL % job}[{w}])))\n",
            "labels": _sloth_labels(job, sloth_window=w),
        }
        for w in SLOTH_WINDOWS
    ]
    five = f"slo:sli_error:ratio_rate5m{_sloth_selector(job)}[30d]"
    rules.append(
        {
            "record": "slo:sli_error:ratio_rate30d",
            "expr": f"sum_over_time({five})\n/ ignoring (sloth_window)\ncount_over_time({five})\n",
            "labels": _sloth_labels(job, sloth_window="30d"),
        }
    )
    return rules


def _sloth_meta_rules(job: str) -> list[dict[str, Any]]:
    own = _sloth_selector(job)
    budget = f"/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio{own}\n"
    records = {
        "slo:objective:ratio": f"vector({OBJECTIVE / 100})",
        "slo:error_budget:ratio": f"vector(1-{OBJECTIVE / 100})",
        "slo:time_period:days": "vector(30)",
        "slo:current_burn_rate:ratio": f"slo:sli_error:ratio_rate5m{own}\n{budget}",
        "slo:period_burn_rate:ratio": f"slo:sli_error:ratio_rate30d{own}\n{budget}",
        "slo:period_error_budget_remaining:ratio": f"1 - slo:period_burn_rate:ratio{own}",
    }
    rules = [{"record": name, "expr": expr, "labels": _sloth_labels(job)} for name, expr in records.items()]
    info = _sloth_labels(job, sloth_mode="cli-gen-prom", sloth_objective=str(OBJECTIVE), sloth_spec="prometheus/v1")
    rules.append({"record": "sloth_slo_info", "expr": "vector(1)", "labels": info})
    return rules


def _sloth_alert(job: str, severity: str, pairs: tuple[tuple[str, str, float], ...]) -> dict[str, Any]:
    budget = round(1 - OBJECTIVE / 100, 10)
    own = _sloth_selector(job)
    terms = [
        f"(\n    max(slo:sli_error:ratio_rate{short}{own} > ({factor} * {budget})) without (sloth_window)\n    and\n"
        f"    max(slo:sli_error:ratio_rate{long}{own} > ({factor} * {budget})) without (sloth_window)\n)"
        for short, long, factor in pairs
    ]
    return {
        "alert": "SlothErrorBudgetBurn",
        "expr": "\nor\n".join(terms) + "\n",
        "labels": {"sloth_severity": severity},
        "annotations": {"summary": "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate"},
    }


def sloth_rule_file(job: str) -> RuleFile:
    slo_id = f"{job}-{SLO}"
    page = _sloth_alert(job, "page", (("5m", "1h", 14.4), ("30m", "6h", 6)))
    ticket = _sloth_alert(job, "ticket", (("2h", "1d", 3), ("6h", "3d", 1)))
    groups = [
        {"name": f"sloth-slo-sli-recordings-{slo_id}", "rules": _sloth_sli_rules(job)},
        {"name": f"sloth-slo-meta-recordings-{slo_id}", "rules": _sloth_meta_rules(job)},
        {"name": f"sloth-slo-alerts-{slo_id}", "rules": [page, ticket]},
    ]
    return RuleFile("sloth", job, groups, yaml.dump({"groups": groups}, Dumper=_BlockDumper, sort_keys=False))


class _BlockDumper(yaml.SafeDumper):
    """Multi-line expressions as `|` blocks, as rule files are usually written."""


_BlockDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def recorded_names_read_over_ranges(files: list[RuleFile]) -> set[str]:
    """Record names some rule reads through a range selector (`name{...}[30d]`): these need history."""
    records = {r["record"] for f in files for g in f.groups for r in g["rules"] if "record" in r}
    exprs = [r["expr"] for f in files for g in f.groups for r in g["rules"]]
    found = set()
    for name in records:
        pattern = re.compile(re.escape(name) + r"(\{[^}]*\})?\[")
        if any(pattern.search(e) for e in exprs):
            found.add(name)
    return found


def history_rules(files: list[RuleFile], default_interval: int) -> list[HistoryRule]:
    """Each recording rule whose output a range selector of its own design reads, with its group's grid.

    Per design: both record `slo:sli_error:ratio_rate5m`, only Sloth's is read over 30d.
    """
    chosen: list[HistoryRule] = []
    for design in sorted({f.design for f in files}):
        own = [f for f in files if f.design == design]
        needed = recorded_names_read_over_ranges(own)
        for f in own:
            for group in f.groups:
                interval = seconds(group["interval"]) if "interval" in group else default_interval
                phase = group_phase(f.path, group["name"], interval)
                chosen.extend(HistoryRule(r, interval, phase) for r in group["rules"] if r.get("record") in needed)
    return chosen


def seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
    return int(duration[:-1]) * units[duration[-1]]
