"""Whose each receiver of the platform file is, and the platform routes that hand one team's alerts to another.

The platform file routes teams (`teams.<team>.routing`), every team at once (`defaults.routing`) and every
alert no team routes (`alertmanager.default_receiver`). A name there that is another team's receiver pages
that team's on-call with alerts that are not theirs, and nothing would say so: Alertmanager delivers it, amtool
agrees, and the team that should hear of its outage never does. A receiver is a team's when the file writes it
inline in `teams.<team>.routing`, or when it reads a secret file below that team's root (`search-pager` under
receivers: with /secrets/team-search/pagerduty). Sharing is said explicitly by defining the receiver under
`receivers:` with no team's secret file (its files below secrets.shared_root): then any team, defaults.routing
and the default receiver may name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from compiler.model.build_context import did_you_mean
from compiler.model.secrets import owning_team
from compiler.model.types import Platform, Receiver, Route
from compiler.model.unsure import EVERYTHING_KNOWN, Unsure
from compiler.spec.document import Path

DEFAULT_RECEIVER: Path = ("alertmanager", "default_receiver")


def receiver_owner(receiver: Receiver, platform: Platform) -> tuple[str, str] | None:
    """(team, why it is theirs) for a receiver of the platform file that belongs to one team; None if shared."""
    for team in platform.teams:
        if team.name and receiver in team.inline_receivers:
            return team.name, f"written inline at {_dotted(receiver.path)}, {receiver.location}"
    for integration in receiver.integrations:
        for key, value in integration.settings:
            team_name = owning_team(value, platform.secrets.team_root) if isinstance(value, str) else None
            if key.endswith("_file") and team_name is not None:
                return team_name, f"at {receiver.location}, it reads {value!r} below that team's secret root"
    return None


def platform_route_problems(
    platform: Platform, receivers: Sequence[Receiver], unsure: Unsure = EVERYTHING_KNOWN
) -> Iterator[tuple[Path, str]]:
    """(path in the platform file, message) for a default receiver the file does not define, and each platform
    route or default receiver that names a receiver of a team other than the one it routes."""
    by_name = {r.name: r for r in receivers}
    default_name = platform.alertmanager.default_receiver
    if default_name and default_name not in by_name and not unsure.receiver(default_name):
        yield (
            DEFAULT_RECEIVER,
            (f"receiver {default_name!r} is not defined under receivers:" + did_you_mean(default_name, list(by_name))),
        )
    routes: Iterable[tuple[str | None, Route]] = ((t.name, r) for t in platform.teams for r in t.routes)
    for team, route in routes:
        receiver = by_name.get(route.receiver)
        owner = receiver_owner(receiver, platform) if receiver is not None else None
        if owner is not None and owner[0] != team:
            yield route.path, _message(route.receiver, owner, _whose(team or None, route))
    default = by_name.get(default_name)
    owner = receiver_owner(default, platform) if default is not None else None
    if default is not None and owner is not None:
        whose = "every alert no team's routing takes (a cluster alert, a team without routing.<tier>)"
        yield DEFAULT_RECEIVER, _message(default.name, owner, whose)


def _whose(team: str | None, route: Route) -> str:
    tier = route.tier.value
    if team is None:
        return f"the {tier} alerts of every team without its own routing.{tier}"
    return f"the {tier} alerts of team {team!r}"


def _message(name: str, owner: tuple[str, str], whose: str) -> str:
    team, why = owner
    return (
        f"receiver {name!r} belongs to team {team!r} ({why}): naming it here sends {whose} to the on-call of team "
        f"{team!r}; to share one receiver, define it under receivers: with its secret files below "
        "secrets.shared_root and name it from each"
    )


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)
