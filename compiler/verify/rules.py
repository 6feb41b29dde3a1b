"""What `obsc verify` says about obsc's rule groups loaded in Prometheus (one /api/v1/rules call for the fleet).

For each service whose `obsc-<service>-*` groups the server has loaded:
- every rule is healthy;
- they are the rules the specs compile to now: each SLO's objective, the alerts (name and identifying
  labels, severity, `for`, the numbers the expression compares with), and nothing the specs no longer
  produce (a deleted SLO's alerts still page). A stale deploy is one finding per SLO or per alert, at
  the spec line that changed, never one per recording rule;
- once evaluated, each SLO's recorded series are present (its objective always; its 5m total whenever the
  SLI has traffic), which a group of the same name from another file would not record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from compiler import conventions
from compiler.errors import Location
from compiler.model import queries
from compiler.model.types import Service
from compiler.model.units import format_duration, parse_duration
from compiler.spec.document import Path

Find = Callable[[Path, Location, str], None]
Count = Callable[[str], int]
SHOWN = 5  # names listed in one finding before "and N more"
# libyaml's parser where built (~8x less CPU; same resolver and constructor): the file is obsc's own output
_BASE_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

# A number the expression compares with or multiplies by: not a part of a name, a label value or a range.
_NUMBER = re.compile(r"(?<![\w.:])(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(?![\w.])")
_QUOTED_OR_RANGE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|\[[^\]]*\]')


@dataclass(frozen=True, order=True)
class Record:
    """A recording rule by what tells it apart: its name and labels."""

    name: str
    labels: tuple[tuple[str, str], ...]

    @property
    def slo(self) -> str | None:
        return dict(self.labels).get(conventions.LABEL_SLO)

    def __str__(self) -> str:
        shown = ",".join(f'{k}="{v}"' for k, v in self.labels if k != conventions.LABEL_SERVICE)
        return f"{self.name}{{{shown}}}" if shown else self.name


@dataclass(frozen=True, order=True)
class Alert(Record):
    """An alerting rule: `labels` are all but severity, which is compared like the hold and the numbers."""

    severity: str = ""
    for_seconds: int = 0
    numbers: tuple[float, ...] = ()  # the expression's numeric literals, sorted


@dataclass(frozen=True)
class Rules:
    objectives: dict[str, float]  # slo -> slo:objective:ratio
    alerts: dict[tuple[str, tuple[tuple[str, str], ...]], list[Alert]]  # tiers of one alert share a key
    slos: frozenset[str]  # every `slo` label a rule carries
    records: frozenset[Record]  # every recording rule


def owned_groups(groups: Iterable[Mapping[str, Any]], service: str, services: Sequence[str]) -> list[Mapping[str, Any]]:
    """The loaded groups named `obsc-<service>-*`, not those of a service whose name extends this one's
    (`obsc-ledger-writer-slo` is not service `ledger`'s)."""
    prefix = conventions.rule_group_name(service, "")
    longer = [conventions.rule_group_name(s, "") for s in services if s != service and s.startswith(service)]
    return [
        g
        for g in groups
        if str(g.get("name", "")).startswith(prefix) and not any(str(g.get("name", "")).startswith(p) for p in longer)
    ]


def compiled_rules(rule_file: str) -> Rules:
    """The rules a compiled rule file holds, as the API would report them."""
    # every scalar as the text it is (label values are strings to Prometheus: `true` must not become True)
    groups = (yaml.load(rule_file, Loader=_BASE_LOADER) or {}).get("groups") or []
    rules = []
    for group in groups:
        for rule in group.get("rules") or []:
            duration = parse_duration(str(rule["for"])) if "for" in rule else 0
            kind = "alerting" if "alert" in rule else "recording"
            name = rule.get("alert") or rule.get("record")
            rules.append(
                {
                    "type": kind,
                    "name": name,
                    "query": rule["expr"],
                    "labels": rule.get("labels") or {},
                    "duration": duration,
                }
            )
    return _rules(rules)


def loaded_rules(groups: Iterable[Mapping[str, Any]]) -> Rules:
    return _rules(rule for group in groups for rule in group.get("rules") or [] if isinstance(rule, dict))


def _rules(rules: Iterable[Mapping[str, Any]]) -> Rules:
    objectives: dict[str, float] = {}
    alerts: dict[tuple[str, tuple[tuple[str, str], ...]], list[Alert]] = {}
    slos: set[str] = set()
    records: set[Record] = set()
    for rule in rules:
        labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
        name, query = str(rule.get("name", "")), str(rule.get("query", ""))
        if conventions.LABEL_SLO in labels:
            slos.add(labels[conventions.LABEL_SLO])
        if rule.get("type") == "alerting":
            severity = labels.pop(conventions.LABEL_SEVERITY, "")
            key = (name, tuple(sorted(labels.items())))
            seconds = int(float(rule.get("duration") or 0))
            alerts.setdefault(key, []).append(Alert(name, key[1], severity, seconds, _numbers(query)))
            continue
        records.add(Record(name, tuple(sorted(labels.items()))))
        if name == conventions.SLO_OBJECTIVE and conventions.LABEL_SLO in labels:
            numbers = _numbers(query)
            if len(numbers) == 1:
                objectives[labels[conventions.LABEL_SLO]] = numbers[0]
    return Rules(objectives, alerts, frozenset(slos), frozenset(records))


def _numbers(query: str) -> tuple[float, ...]:
    """The numeric literals of a PromQL expression: Prometheus reports a rule's expression re-printed from its
    parse (spacing, number spelling), so the numbers are what is compared, not the text."""
    return tuple(sorted(float(n) for n in _NUMBER.findall(_QUOTED_OR_RANGE.sub(" ", query))))


def compare(
    service: Service,
    want: Rules,
    have: Rules,
    slo_index: Mapping[str, int],
    alert_paths: Mapping[str, Path],
    find: Find,
) -> set[str]:
    """Findings for loaded rules that are not what the specs compile to; the SLOs whose rules are not loaded.
    `alert_paths`: where the spec names an alert itself (a threshold alert's entry)."""
    deploy = "deploy the rules the specs compile to (obsc compile)"

    def at_slo(name: str | None, key: str = "name") -> tuple[Path, Location]:
        if name is not None and name in slo_index:
            return ("slos", slo_index[name], key), next(s.location for s in service.slos if s.name == name)
        return ("service",), service.location

    def at_service(message: str) -> None:
        find(("service",), service.location, f"{message}: {deploy}")

    unloaded = {slo.name for slo in service.slos if slo.name not in have.objectives}
    changed = set(unloaded)
    for slo in service.slos:
        loaded, wanted = have.objectives.get(slo.name), want.objectives.get(slo.name)
        if slo.name in unloaded:
            find(*at_slo(slo.name), f"Prometheus has not loaded SLO {slo.name!r} of {service.name}: {deploy}")
        elif wanted is not None and loaded != wanted:
            changed.add(slo.name)
            said = f"Prometheus has objective {loaded:g} loaded for SLO {slo.name!r}; the spec says {wanted:g}"
            find(*at_slo(slo.name, "objective"), f"{said}: {deploy}")
    stale_slos = sorted(have.slos - want.slos)
    for name in stale_slos:
        pages = [a.name for tiers in have.alerts.values() for a in tiers if a.slo == name]
        fire = f" ({_listed(pages)} can still fire)" if pages else ""
        at_service(f"Prometheus still has the rules of SLO {name!r}, which the specs no longer define{fire}")
    pairs = _paired(want, have)
    gone = [h for w, h in pairs if w is None and h is not None and h.slo not in stale_slos]
    if gone:
        at_service(f"Prometheus has alerts the specs no longer produce: {_listed(gone)}")
    foreign = [r for r in have.records - want.records if r.slo not in stale_slos]
    if foreign:
        at_service(f"Prometheus has recording rules in obsc's groups the specs do not produce: {_listed(foreign)}")
    missing = [w for w, h in pairs if h is None and w is not None and w.slo not in unloaded]
    if missing:
        at_service(f"the specs produce alerts Prometheus has not loaded: {_listed(missing)}")
    for wanted_alert, loaded_alert in pairs:
        if wanted_alert is None or loaded_alert is None or loaded_alert.slo in changed:
            continue  # said above, or its SLO's objective (which every burn threshold derives from) is reported
        differences = "; ".join(_differences(loaded_alert, wanted_alert))
        if differences:
            where = at_slo(wanted_alert.slo)
            if wanted_alert.name in alert_paths:
                where = alert_paths[wanted_alert.name], service.location
            find(*where, f"loaded alert {wanted_alert} differs: {differences}: {deploy}")
    return unloaded


def _paired(want: Rules, have: Rules) -> list[tuple[Alert | None, Alert | None]]:
    """(wanted, loaded) alert rules: one to one by name and labels, so a changed severity is a difference;
    by severity too where tiers of one alert share the labels."""
    pairs: list[tuple[Alert | None, Alert | None]] = []
    for key in sorted(want.alerts.keys() | have.alerts.keys()):
        wanted, loaded = want.alerts.get(key, []), have.alerts.get(key, [])
        if len(wanted) == 1 and len(loaded) == 1:
            pairs.append((wanted[0], loaded[0]))
            continue
        by_wanted, by_loaded = {a.severity: a for a in wanted}, {a.severity: a for a in loaded}
        pairs.extend((by_wanted.get(s), by_loaded.get(s)) for s in sorted(by_wanted.keys() | by_loaded.keys()))
    return pairs


def _differences(loaded: Alert, wanted: Alert) -> list[str]:
    out = []
    if loaded.severity != wanted.severity:
        out.append(f"severity {loaded.severity or 'none'} loaded, {wanted.severity or 'none'} in the specs")
    if loaded.for_seconds != wanted.for_seconds:
        out.append(
            f"for {format_duration(loaded.for_seconds)} loaded, {format_duration(wanted.for_seconds)} in the specs"
        )
    if loaded.numbers != wanted.numbers:
        out.append(
            f"its expression compares other numbers ({', '.join(f'{n:g}' for n in loaded.numbers)} loaded, "
            f"{', '.join(f'{n:g}' for n in wanted.numbers)} in the specs)"
        )
    return out


def _listed(items: Sequence[object]) -> str:
    names = sorted({str(i) for i in items})
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def check_rules(
    service: Service,
    groups: Sequence[Mapping[str, Any]],
    rule_file: str | None,
    places: tuple[Mapping[str, int], Mapping[str, Path]],
    count: Count,
    find: Find,
) -> None:
    """`groups`: the service's loaded groups (owned_groups); `rule_file`: what its specs compile to; `places`:
    each SLO's index in the spec, each threshold alert's path."""
    slo_index, alert_paths = places
    if not groups:
        return  # this server does not run obsc's rules for the service: nothing to compare
    evaluated = False
    for group in groups:
        for rule in group.get("rules") or []:
            evaluated = evaluated or not str(rule.get("lastEvaluation", "0001")).startswith("0001")
            if rule.get("health") not in (None, "ok", "unknown"):
                name = rule.get("name", "?")
                error = rule.get("lastError") or rule.get("health")
                message = f"loaded rule {name} in group {group['name']} is unhealthy: {error}"
                find(("service",), service.location, message)
    unloaded: set[str] = set()
    if rule_file is not None:
        unloaded = compare(service, compiled_rules(rule_file), loaded_rules(groups), slo_index, alert_paths, find)
    if not evaluated:
        return  # not evaluated yet: nothing to say about recorded series
    for slo in service.slos:
        if slo.name in unloaded:
            continue  # said above: its rules are not there to record anything
        own = f'{conventions.LABEL_SERVICE}="{service.name}",{conventions.LABEL_SLO}="{slo.name}"'
        total = conventions.sli_total_rate("5m")
        records = [conventions.SLO_OBJECTIVE]
        if count(queries.sli_rates(service, slo.sli, "5m")[1]):
            records.append(total)
        for record in records:
            if not count(f"{record}{{{own}}}"):
                find(
                    ("slos", slo_index.get(slo.name, 0), "name"),
                    slo.location,
                    f"obsc's rules for {service.name} are loaded but {record}{{{own}}} has no series: "
                    "another file may define the group, or the rules are out of date (obsc check)",
                )
