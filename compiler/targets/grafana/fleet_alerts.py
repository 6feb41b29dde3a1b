"""The fleet overview's reads of `ALERTS`, each service's only with the team its spec names (round 51).

The burn pairs and relay clauses read `ALERTS` by service and team (targets/prometheus/alerts_reads.py). The fleet
overview read it by service alone: another team's alert carrying a compiled service's `service` label (a rule
beside obsc's, its `service` from Kubernetes service discovery) counted in that service's row and in the SLOs
without data. The services are grouped by team, one selector a team: a fleet of 1,000 writes each name once.
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler import conventions as names
from compiler.model.types import Service


def fleet_alerts(services: Iterable[Service], matchers: str) -> str:
    """`ALERTS{matchers}` of `services`, each pinned to its own team; `matchers` is a selector's inside
    (`alertstate="firing",service=~"$service"`). A fleet without services reads nothing (`vector(0) < 0`)."""
    by_team: dict[str, list[str]] = {}
    for service in sorted(services, key=lambda s: s.name):
        by_team.setdefault(service.team, []).append(service.name)
    selectors = [
        f'{names.ALERTS_SERIES}{{{matchers},{names.LABEL_TEAM}="{team}",{names.LABEL_SERVICE}=~"{"|".join(members)}"}}'
        for team, members in sorted(by_team.items())  # names and teams: lowercase letters, digits and `-`
    ]
    if not selectors:
        return "(vector(0) < 0)"
    return selectors[0] if len(selectors) == 1 else "(" + " or ".join(selectors) + ")"
