"""The platform file's routes and default receiver: defined, and never another team's receiver.

The platform file routes teams (`teams.<team>.routing`), every team at once (`defaults.routing`) and every
alert no team routes (`alertmanager.default_receiver`). A receiver written inline in `teams.<team>.routing` is
that team's: it holds the team's pager or channel, and the platform file wrote it for that team alone. Named
from another team's routing, from defaults.routing or as the default receiver, it would page that team's
on-call with alerts that are not theirs, and nothing would say so: Alertmanager delivers it, amtool agrees,
and the team whose service is down never hears of it. Sharing is said explicitly by defining the receiver
under `receivers:` (the platform's named receivers, there to be named by any route), so an inline one
named elsewhere is a located error, not a guess at what the platform team meant.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.model.build_context import did_you_mean
from compiler.model.types import Platform, Receiver, Route
from compiler.model.unsure import EVERYTHING_KNOWN, Unsure
from compiler.spec.document import Path

DEFAULT_RECEIVER: Path = ("alertmanager", "default_receiver")


def team_receivers(platform: Platform) -> dict[str, tuple[str, Receiver]]:
    """Receiver name → (team, receiver) for the receivers the platform file writes inline for one team, unless
    also named under receivers: (then the platform's own, to share)."""
    shared = set(platform.receiver_names)
    return {
        receiver.name: (team.name, receiver)
        for team in platform.teams
        if team.name
        for receiver in team.inline_receivers
        if receiver.name not in shared
    }


def platform_route_problems(
    platform: Platform, receivers: Sequence[Receiver], unsure: Unsure = EVERYTHING_KNOWN
) -> Iterator[tuple[Path, str]]:
    """(path in the platform file, message) for a default receiver the file does not define, and for each
    platform route, or the default receiver, that names a receiver written inline for another team."""
    default = platform.alertmanager.default_receiver
    names = list(dict.fromkeys(r.name for r in receivers))
    if default and default not in names and not unsure.receiver(default):
        yield DEFAULT_RECEIVER, f"receiver {default!r} is not defined under receivers:" + did_you_mean(default, names)
    owned = team_receivers(platform)
    for team in platform.teams:
        for route in team.routes:
            owner = owned.get(route.receiver)
            if owner is not None and owner[0] != team.name:
                yield route.path, _message(route.receiver, *owner, _whose(team.name, route))
    if default in owned:
        whose = "every alert no team's routing takes (a cluster alert, a team without routing.<tier>)"
        yield DEFAULT_RECEIVER, _message(default, *owned[default], whose)


def _whose(team: str, route: Route) -> str:
    tier = route.tier.value
    if not team:
        return f"the {tier} alerts of every team without its own routing.{tier}"
    return f"the {tier} alerts of team {team!r}"


def _message(name: str, team: str, receiver: Receiver, whose: str) -> str:
    return (
        f"receiver {name!r} belongs to team {team!r}, written inline at {'.'.join(map(str, receiver.path))} "
        f"({receiver.location}): naming it here sends {whose} to the on-call of team {team!r}; to share one "
        f"receiver, define it under receivers: and name it from teams.{team}.routing and here"
    )
