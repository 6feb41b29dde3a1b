"""Imported services as obsc spec YAML text (and the platform skeleton); deterministic bytes.

The importer never builds obsc's model: it writes the spec language, and the CLI (and the tests)
prove the text by compiling it like any other spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from compiler.conventions import KEY_ALERT_NAMES
from compiler.errors import NOWHERE, Location
from compiler.spec.document import Path
from compiler.spec.yaml_scalar import scalar

MetricOut = str | dict[str, str | bool]  # a selector, or {selector, unit, service_selector}

# Where the source writes what became a key of the spec: the trial compile's errors point there, not at a
# spec file that was never written.
Origin = tuple[Location, Path]


@dataclass
class SloOut:
    name: str
    objective: Decimal  # percent
    period: str  # empty: none written, so the platform's default period applies
    sli: dict[str, Any]
    alerts: dict[str, bool]
    description: str = ""
    origin: Location = NOWHERE  # where the source defines it, for messages
    labels: dict[str, str] = field(default_factory=dict)  # on the SLO's alerts
    annotations: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Origin] = field(default_factory=dict)  # spec key of the SLO → where the source says it
    by: tuple[str, ...] = ()  # group labels: the source's queries aggregate `by (...)` (Pyrra: grouping)
    # Sloth's labels per alert tier (where, labels), before they become the service's tier_labels
    tier_sets: dict[str, tuple[Path, dict[str, str]]] = field(default_factory=dict)


class GuessedSelector(dict[str, str]):
    """`{job: <service>}`, written when the source's queries share no label matcher. Nothing may read `up` with
    a guess (the spec says `targets: false`): SLODataMissing, gated on that `up`, could never fire."""


@dataclass
class ServiceOut:
    name: str
    team: str
    selector: dict[str, str]
    sources: list[str] = field(default_factory=list)  # "file (format)" the service came from
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    tier_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # tier → labels on its alerts
    metrics: dict[str, MetricOut] = field(default_factory=dict)
    slos: list[SloOut] = field(default_factory=list)
    origin: Location = NOWHERE
    # Who owns the source object (Sloth: the team; Pyrra: the Kubernetes namespace): documents of one name
    # and different owners are different services.
    owner: str = ""
    owner_kind: str = "team"
    fields: dict[str, Origin] = field(default_factory=dict)  # spec key → where the source says it

    def owner_text(self) -> str:
        return f"{self.owner_kind} {self.owner!r}"


def source_of(service: ServiceOut, path: Path) -> Origin:
    """Where the source says what the spec of `service` writes at `path` (the SLO, else the service, when the
    exact field has no single source)."""
    if len(path) >= 2 and path[0] == "slos" and isinstance(path[1], int) and path[1] < len(service.slos):
        slo = service.slos[path[1]]
        found = slo.fields.get(str(path[2])) if len(path) > 2 else None
        return found or slo.fields.get("name") or (slo.origin, ())
    found = service.fields.get(str(path[0])) if path else None
    return found or service.fields.get("service") or (service.origin, ())


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # objectives sharing one SLI were written `&id001` / `*id001`: a spec is edited by hand


class _Flow(dict[str, Any]):
    """A short mapping written on one line: `{critical: true, warning: true, info: false}`."""


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


class _FlowList(list[str]):
    """A short list written on one line: `[route]`."""


def _flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow)
_Dumper.add_representer(_FlowList, _flow_list)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def spec_text(service: ServiceOut, command: str) -> str:
    data: dict[str, Any] = {"apiVersion": "obsc/v1", "service": service.name, "team": service.team}
    if service.description:
        data["description"] = service.description
    data["selector"] = _Flow(service.selector)
    if isinstance(service.selector, GuessedSelector):
        data["targets"] = False
    if service.labels:
        data["labels"] = dict(sorted(service.labels.items()))
    if service.tier_labels:
        data["tier_labels"] = {tier: _Flow(labels) for tier, labels in sorted(service.tier_labels.items())}
    if service.metrics:
        data["metrics"] = dict(service.metrics)
    data["slos"] = [_slo(slo) for slo in service.slos]
    # The source tools emit SLO alerts only: key-metric alerts stay off until the team opts in.
    data["alerts"] = {kind: False for kind in KEY_ALERT_NAMES}
    header = [
        f"# Imported by `{one_line(command)}` from:",
        *(f"#   {one_line(source)}" for source in service.sources),
        "# Fields that could not be carried over were reported by the import (file:line:col); check them.",
        "# `alerts:` switches off obsc's key-metric alerts, which the source did not have; remove lines to opt in.",
        "# obsc's burn alerts hold 2m / 15m (pages) and 5m (tickets) before firing, which the source's may not.",
    ]
    if isinstance(service.selector, GuessedSelector):
        header.append(
            "# The selector is a guess (the source's queries share no matcher): `targets: false` keeps obsc from"
            " reading `up` with it, so SLODataMissing watches the SLI's own series; set the service's target"
            " labels as selector and drop `targets: false` to gate it on `up` (and to allow ServiceDown)."
        )
    if any("error_ratio" not in slo.sli.get("raw", {}) for slo in service.slos):
        header.append(
            "# Burn alerts of event SLIs also need min_bad_events failures in their long window (platform default 3),"
            " which the source did not have: set min_bad_events: 0 on an SLO to page on any failure."
        )
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True, default_flow_style=False)
    return "\n".join(header) + "\n" + body


def one_line(text: str) -> str:
    """`text` with every character that is not printable escaped: a line break in a source file's name
    (`a\nrouting: {...}\n#.yml`) ended the spec's header comment and wrote live keys into it, and printed report
    lines of its own (`::error::...`, a workflow command in CI)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _slo(slo: SloOut) -> dict[str, Any]:
    out: dict[str, Any] = {"name": slo.name, "objective": _number(slo.objective)}
    if slo.period:
        out["period"] = slo.period
    if slo.description:
        out["description"] = slo.description
    if slo.by:
        out["by"] = _FlowList(slo.by)
    out["sli"] = slo.sli
    out["alerts"] = _Flow(slo.alerts)
    if slo.labels:
        out["labels"] = dict(sorted(slo.labels.items()))
    if slo.annotations:
        out["annotations"] = dict(sorted(slo.annotations.items()))
    return out


def platform_text(teams: list[str], command: str) -> str:
    """A platform skeleton: every imported team routed to one placeholder receiver the user must replace."""
    lines = [
        f"# Platform skeleton written by `{command}`: the source formats say nothing about routing.",
        "# Replace the placeholder receiver (its .invalid host never resolves) with your teams' receivers.",
        "apiVersion: obsc/v1",
        "kind: Platform",
        "receivers:",
        "  replace-me: {webhook: {url: 'https://replace-me.invalid/alerts'}}",
        "alertmanager: {default_receiver: replace-me}",
        "teams:",
        *(
            f"  {scalar(team)}: {{routing: {{critical: replace-me, warning: replace-me, info: replace-me}}}}"
            for team in teams
        ),
    ]
    return "\n".join(lines) + "\n"
