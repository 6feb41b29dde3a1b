"""What all the specs of one team may hold together: `limits: {team_slos:, team_services:}` in the platform file.

Every other bound is per file or per evaluation, so a team could add spec files at the per-spec limits without end:
five files of 100 SLOs each wrote 2,576 files (84 MB) of output, and a service at the limits kept promtool busy
past its 120 s timeout (round 44), in every team's CI. SLOs are one thing a file holds; threshold alerts, key
metrics, `by:` groups, dashboards, runbooks and inline receivers are others (five files of 100 threshold alerts and
no SLO: 582 files, 26 MB, 14 CPU-s of promtool each, round 46). `team_services` bounds how many times a team may
repeat the per-spec limits, so it bounds all of them at once; `team_slos` the costliest one more finely. The
platform file, which the teams do not edit, names the numbers; obsc picks none itself (what is large differs per
repository).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.errors import Diagnostic, Location
from compiler.model.types import Platform, Service

_NAMED_FILES = 3  # the team's largest spec files named in the message


@dataclass(frozen=True)
class _Total:
    setting: str  # under `limits:`
    things: str  # what is counted, in the message
    count: Callable[[Service], int]
    cost: str  # what each one costs every team
    fix: str


_TOTALS = (
    _Total(
        "team_slos",
        "SLOs",
        lambda service: len(service.slos),
        "every SLO adds rules, promtool tests and dashboard panels",
        "Remove or merge SLOs",
    ),
    _Total(
        "team_services",
        "services",
        lambda service: 1,
        "every service adds a rule file, promtool tests, a dashboard, runbooks and routes, each up to the per-spec "
        "limits,",
        "Remove or merge services",
    ),
)


def team_total_problems(services: Sequence[Service], platform: Platform) -> list[Diagnostic]:
    """One problem per team and setting whose total the team's specs pass, at the service (in file order) that
    takes the team past the limit: whoever adds a spec there reads it on their own change."""
    by_team: dict[str, list[Service]] = {}
    for service in sorted(services, key=lambda s: (s.location.file, s.location.line, s.location.col)):
        by_team.setdefault(service.team, []).append(service)
    found = []
    for total in _TOTALS:
        limit, where = _setting(platform, total.setting)
        if not limit:
            continue
        for team, mine in sorted(by_team.items()):
            counted = sum(total.count(s) for s in mine)
            if counted > limit:
                message = _message(total, team, mine, counted, limit, where)
                found.append(Diagnostic(_crossing(mine, limit, total).location, ("service",), message))
    return found


def _setting(platform: Platform, setting: str) -> tuple[int | None, Location]:
    limit: int | None = getattr(platform, setting)
    where: Location = getattr(platform, f"{setting}_location")
    return limit, where


def _crossing(services: Sequence[Service], limit: int, total: _Total) -> Service:
    running = 0
    for service in services:
        running += total.count(service)
        if running > limit:
            return service
    return services[-1]


def _message(total: _Total, team: str, services: Sequence[Service], counted: int, limit: int, where: Location) -> str:
    per_file: dict[str, int] = {}
    for service in services:
        per_file[service.location.file] = per_file.get(service.location.file, 0) + total.count(service)
    largest = sorted(per_file.items(), key=lambda item: (-item[1], item[0]))[:_NAMED_FILES]
    named = ", ".join(f"{file} ({count})" for file, count in largest)
    more = f" and {len(per_file) - len(largest)} more" if len(per_file) > len(largest) else ""
    held = f"{counted} {total.things}" + (f" in {len(services)} service(s)" if total.things != "services" else "")
    return (
        f"team {team!r} has {held} across {len(per_file)} spec file(s), more than the {limit} "
        f"limits.{total.setting} allows ({where}): {total.cost} that every team's CI compiles and validates; "
        f"largest: {named}{more}. {total.fix}, or ask the platform owners to raise the limit"
    )


def platform_limits(limits: Mapping[str, Any], loc: Callable[[tuple[str, ...]], Location]) -> dict[str, Any]:
    """The platform's `limits:` as Platform fields, each with where it is written (for the located message)."""
    fields: dict[str, Any] = {}
    for total in _TOTALS:
        fields[total.setting] = limits.get(total.setting)
        fields[f"{total.setting}_location"] = loc(("limits", total.setting))
    return fields
