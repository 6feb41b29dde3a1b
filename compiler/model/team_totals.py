"""What all the specs of one team may hold together: `limits: {team_slos:}` in the platform file.

Every other bound is per file or per evaluation, so a team could add spec files at the per-spec limits without end:
five files of 100 SLOs each wrote 2,576 files (84 MB) of output, and a service at the limits kept promtool busy
past its 120 s timeout (round 44), in every team's CI. The platform file, which the teams do not edit, may name
how many SLOs one team's specs hold in all; obsc picks no number itself (what is large differs per repository).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.types import Platform, Service

_NAMED_FILES = 3  # the team's largest spec files named in the message


def team_total_problems(services: Sequence[Service], platform: Platform) -> list[Diagnostic]:
    """One problem per team whose specs hold more SLOs than the platform allows, at the service (in file order)
    whose SLOs take the team past the limit: whoever adds a spec there reads it on their own change."""
    limit = platform.team_slos
    if not limit:
        return []
    by_team: dict[str, list[Service]] = {}
    for service in sorted(services, key=lambda s: (s.location.file, s.location.line, s.location.col)):
        by_team.setdefault(service.team, []).append(service)
    found = []
    for team, mine in sorted(by_team.items()):
        total = sum(len(s.slos) for s in mine)
        if total <= limit:
            continue
        found.append(Diagnostic(_crossing(mine, limit).location, ("service",), _message(team, mine, total, platform)))
    return found


def _crossing(services: Sequence[Service], limit: int) -> Service:
    running = 0
    for service in services:
        running += len(service.slos)
        if running > limit:
            return service
    return services[-1]


def _message(team: str, services: Sequence[Service], total: int, platform: Platform) -> str:
    per_file: dict[str, int] = {}
    for service in services:
        per_file[service.location.file] = per_file.get(service.location.file, 0) + len(service.slos)
    largest = sorted(per_file.items(), key=lambda item: (-item[1], item[0]))[:_NAMED_FILES]
    named = ", ".join(f"{file} ({count})" for file, count in largest)
    more = f" and {len(per_file) - len(largest)} more" if len(per_file) > len(largest) else ""
    return (
        f"team {team!r} has {total} SLOs in {len(services)} service(s) across {len(per_file)} spec file(s), more "
        f"than the {platform.team_slos} limits.team_slos allows ({platform.team_slos_location}): every SLO adds "
        f"rules, promtool tests and dashboard panels that every team's CI compiles and validates; largest: "
        f"{named}{more}. Remove or merge SLOs, or ask the platform owners to raise the limit"
    )
