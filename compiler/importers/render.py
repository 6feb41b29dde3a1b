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


@dataclass
class SloOut:
    name: str
    objective: Decimal  # percent
    period: str
    sli: dict[str, Any]
    alerts: dict[str, bool]
    description: str = ""
    origin: Location = NOWHERE  # where the source defines it, for messages
    labels: dict[str, str] = field(default_factory=dict)  # on the SLO's alerts
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass
class ServiceOut:
    name: str
    team: str
    selector: dict[str, str]
    sources: list[str] = field(default_factory=list)  # "file (format)" the service came from
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    slos: list[SloOut] = field(default_factory=list)
    origin: Location = NOWHERE


class _Dumper(yaml.SafeDumper):
    pass


class _Flow(dict[str, Any]):
    """A short mapping written on one line: `{critical: true, warning: true, info: false}`."""


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def spec_text(service: ServiceOut, command: str) -> str:
    data: dict[str, Any] = {"apiVersion": "obsc/v1", "service": service.name, "team": service.team}
    if service.description:
        data["description"] = service.description
    data["selector"] = _Flow(service.selector)
    if service.labels:
        data["labels"] = dict(sorted(service.labels.items()))
    if service.metrics:
        data["metrics"] = dict(service.metrics)
    data["slos"] = [_slo(slo) for slo in service.slos]
    # The source tools emit SLO alerts only: key-metric alerts stay off until the team opts in.
    data["alerts"] = {kind: False for kind in KEY_ALERT_NAMES}
    header = [
        f"# Imported by `{command}` from:",
        *(f"#   {source}" for source in service.sources),
        "# Fields that could not be carried over were reported by the import (file:line:col); check them.",
        "# `alerts:` switches off obsc's key-metric alerts, which the source did not have; remove lines to opt in.",
    ]
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True, default_flow_style=False)
    return "\n".join(header) + "\n" + body


def _slo(slo: SloOut) -> dict[str, Any]:
    out: dict[str, Any] = {"name": slo.name, "objective": _number(slo.objective), "period": slo.period}
    if slo.description:
        out["description"] = slo.description
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
        *(f"  {team}: {{routing: {{critical: replace-me, warning: replace-me, info: replace-me}}}}" for team in teams),
    ]
    return "\n".join(lines) + "\n"
