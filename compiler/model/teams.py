"""Teams as routing sees them: which team names exist, and where a team's alerts go by default.

A misspelled team must not quietly send pages to another team's catch-all, so once the platform
defines teams, a spec's team has to be one of them. Without a `teams:` section every team routes
alike (platform defaults.routing, then the default receiver), so a team name cannot misroute there.

The same chain that fills a service's missing tiers (team routing → platform defaults.routing →
alertmanager.default_receiver) gives each team its fallback route: an alert that carries only
`team=X` (a service obsc does not compile, a hand-written rule) still reaches team X.
Info never falls back to the default receiver: it notifies only where routing names an info receiver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from compiler import conventions
from compiler.model import slack_channels
from compiler.model.build_context import did_you_mean
from compiler.model.destinations import foreign_destination
from compiler.model.secrets import owning_team
from compiler.model.types import Platform, Receiver, Route, Service, Team, Tier

DEFAULT_RECEIVER_PATH: tuple[str | int, ...] = ("alertmanager", "default_receiver")
UNROUTED_INFO_PATH: tuple[str | int, ...] = ("defaults", "routing", "info")


def defined_teams(platform: Platform) -> list[str]:
    """Team names under the platform's `teams:` (the pseudo team "" holds platform-wide routes)."""
    return sorted(t.name for t in platform.teams if t.name)


def reserved_team_problem(team: str) -> str | None:
    """A team name obsc's outputs cannot take: Grafana's provider for the fleet dashboards is `obsc-fleet`, as a
    team `fleet`'s would be (each provider deletes the other's dashboards); a folder titled `general` is
    Grafana's root folder's name. Compared ignoring case, as Grafana compares folder titles."""
    why = conventions.RESERVED_TEAMS.get(team.casefold())
    if why is not None:
        return f"team name {team!r} {why}; choose another"
    return None


def team_problem(team: str, platform: Platform) -> str | None:
    """The message for a spec whose team the platform does not define (or whose name obsc takes), or None."""
    reserved = reserved_team_problem(team)
    if reserved:
        return reserved
    defined = defined_teams(platform)
    if not defined or team in defined:
        return None
    where = platform.location.file or "the platform file"
    return (
        f"team {team!r} is not defined under teams: in {where}"
        + did_you_mean(team, defined)
        + f"; add it there (teams: {{{team}: {{}}}} inherits the platform's routing) or fix the name"
    )


def fallback_route(platform: Platform, team: str, tier: Tier) -> Route | None:
    """Where team `team`'s `tier` alerts go when nothing more specific routes them; None if nowhere."""
    own = platform.team(team) or Team(team)
    everyone = platform.team("") or Team("")
    for routes in (own.routes, everyone.routes):
        route = next((r for r in routes if r.tier == tier), None)
        if route is not None:
            return route
    if tier is Tier.INFO:
        # A digest nobody asked for is noise in the catch-all channel: info notifies only where routed.
        return Route(tier, conventions.UNROUTED_RECEIVER, platform.location, UNROUTED_INFO_PATH)
    if platform.alertmanager.default_receiver:
        return Route(tier, platform.alertmanager.default_receiver, platform.location, DEFAULT_RECEIVER_PATH)
    return None


def no_severity_route(platform: Platform, team: str) -> Route | None:
    """Where a team alert without a known severity goes: the team's ticket receiver (reaches the team,
    pages nobody at night), else its page receiver (reaching someone beats reaching no one)."""
    for tier in (Tier.WARNING, Tier.CRITICAL):
        route = fallback_route(platform, team, tier)
        if route is not None:
            return route
    return None


def fallback_receiver(platform: Platform, team: str, tier: Tier | None) -> str:
    """The receiver an alert with only team=`team` and severity `tier` (None: no known severity) really
    reaches: the team's fallback for that tier, else the team branch's own receiver, else the root's."""
    route = fallback_route(platform, team, tier) if tier is not None else None
    route = route or no_severity_route(platform, team)
    return route.receiver if route else root_receiver_name(platform)


def root_receiver_name(platform: Platform) -> str:
    return platform.alertmanager.default_receiver or conventions.UNROUTED_RECEIVER


def unrouted_fallbacks(platform: Platform, teams: Iterable[str]) -> list[str]:
    """Warnings, one per team: pages and tickets that carry only team=X (a mixin's KubePodCrashLooping, a
    hand-written rule) and that no routing catches, for want of teams.X.routing, defaults.routing and
    alertmanager.default_receiver. They reach the team's other receiver, or notify nobody; so does every
    alert without a team when the platform names no default receiver."""
    found = []
    file = platform.secrets.platform_file
    where = f" in {file}" if file else " in platform.yaml beside the specs"
    for team in sorted(set(teams)):
        missing = [tier for tier in (Tier.CRITICAL, Tier.WARNING) if fallback_route(platform, team, tier) is None]
        if not missing:
            continue
        receiver = fallback_receiver(platform, team, missing[0])
        reach = "notify nobody" if receiver == conventions.UNROUTED_RECEIVER else f"go to {receiver!r}"
        own = platform.team(team)
        at = f" ({own.location})" if own is not None and own.location.file else ""
        found.append(
            f"team {team!r}{at}: alerts with team={team} that no spec routes (a mixin's or hand-written rule) "
            f"{reach} at severity {' and '.join(t.value for t in missing)}: set "
            f"{' and '.join(f'routing.{t.value}' for t in missing)} in teams.{team}, or platform defaults.routing, "
            f"or alertmanager.default_receiver{where}"
        )
    if not platform.alertmanager.default_receiver:
        found.append(
            f"alerts without a known team (a cluster or mixin alert such as KubeNodeNotReady) notify nobody: set "
            f"alertmanager.default_receiver{where}"
        )
    return found


def is_unrouted_info(route: Route) -> bool:
    """The model's own 'info notifies nobody' route (not a receiver the spec named, nor the platform's
    defaults.routing.info, whose path is the same)."""
    return (
        route.tier is Tier.INFO and route.path == UNROUTED_INFO_PATH and route.receiver == conventions.UNROUTED_RECEIVER
    )


def inline_receiver_prefix(service: str, platform: Platform) -> str:
    """The name prefix of the receivers a spec writes inline: the service's name, unless the platform file
    writes a receiver under the same name (a service called `platform` or `team-<team>` would take the names
    of the platform's or that team's inline ones, a service `checkout` a shared `checkout-critical` under
    receivers:): then `service.<service>`, which no name in a file can be."""
    inline: set[str] = set(platform.receiver_names)
    for team in platform.teams:
        scope = conventions.team_scope(team.name) if team.name else conventions.PLATFORM_SCOPE
        inline.update(r.receiver for r in team.routes if r.receiver == conventions.receiver_name(scope, r.tier.value))
    if any(conventions.receiver_name(service, tier.value) in inline for tier in Tier):
        return _TAKEN_PREFIX + service
    return service


_TAKEN_PREFIX = "service."


def spec_receiver_owners(services: Iterable[Service]) -> dict[tuple[str, str], str]:
    """(spec file, scope) → team, for the receivers specs write inline: one file may hold specs of several
    teams (documents of a multi-document file), so the file alone does not say whose a receiver is."""
    return {(s.location.file, scope): s.team for s in services for scope in (s.name, _TAKEN_PREFIX + s.name)}


def receiver_team(receiver: Receiver, owners: Mapping[tuple[str, str], str]) -> str | None:
    """The team a receiver was written for, or None for the platform's own (named or defaults.routing).

    Told apart by the file and scope that hold it (`owners`: see spec_receiver_owners), not by its name: a
    service named `platform` or `team-x` writes receivers whose names look like the platform's or team x's."""
    owner = owners.get((receiver.location.file, receiver.scope))
    if owner is not None:
        return owner
    prefix = conventions.team_scope("")
    if receiver.scope.startswith(prefix):
        return receiver.scope[len(prefix) :]
    return None


def foreign_receiver_problem(
    name: str, team: str, named: Sequence[Receiver], owners: Mapping[tuple[str, str], str], platform: Platform | None
) -> str | None:
    """Why a spec of `team` may not route to the receiver `name` by name (`named`: the receivers of that
    name), or None.

    A receiver written inline for another team (its spec, or teams.<team>.routing) carries that team's
    secret files and pages its on-call: naming it would page them with this team's alerts. The platform's
    own receivers (receivers:, defaults.routing) are there to be shared, unless the platform file says whose
    one is: a secret file of it in another team's root (`search-pager` beside teams.search.routing), or a Slack
    channel it posts to through the platform's URL listed for another team alone (teams.<team>.slack_channels)."""
    teams = {receiver_team(r, owners) for r in named}
    if not teams or team in teams:
        return None
    if None in teams:
        return _other_teams_integration(name, team, named, platform) if platform else None
    other = sorted(t for t in teams if t)[0]
    return (
        f"receiver {name!r} belongs to team {other!r} (written at {named[0].location}): a spec of team {team!r} "
        "may name only receivers under receivers: in the platform file, or its own team's; to share one, the "
        "platform team names it there"
    )


def _other_teams_integration(name: str, team: str, named: Sequence[Receiver], platform: Platform) -> str | None:
    slack_url = dict(platform.alertmanager.global_settings).get(slack_channels.GLOBAL_URL)
    for receiver in named:
        given = foreign_destination(receiver, team, platform)
        if given is not None:  # a webhook URL or address: only the platform's routing says whose it is
            what = f"sends to {given[0]!r}, where the platform file sends team {given[1]!r} (teams.{given[1]}.routing)"
            return _foreign(name, receiver, team, given[1], what, "name it in defaults.routing for every team")
        for integration in receiver.integrations:
            for key, value in integration.settings:
                if not isinstance(value, str):
                    continue
                other = owning_team(value, platform.secrets.team_root) if key.endswith("_file") else None
                if other is not None and other != team:
                    what, fix = f"uses a secret file of team {other!r} ({value!r})", _SHARED_FIX
                    return _foreign(name, receiver, team, other, what, fix)
                if integration.kind != "slack" or key != "channel" or integration.get("api_url_file") or not slack_url:
                    continue
                listed = [t.name for t in platform.teams if slack_channels.listed(value, t.slack_channels)]
                if listed and team not in listed:
                    what = f"posts to Slack channel {value!r}, listed for team {listed[0]!r} under slack_channels"
                    return _foreign(name, receiver, team, listed[0], what, f"list the channel for team {team} too")
    return None


# Not "route the team to it": since round 34 the platform file's routes may not either (platform_destinations.py).
_SHARED_FIX = "a receiver teams share keeps its files below secrets.shared_root"


def _foreign(name: str, receiver: Receiver, team: str, other: str, what: str, fix: str) -> str:
    routed = f"the platform file may route team {team} to it (teams.{team}.routing), or "
    routable = "" if fix == _SHARED_FIX else routed
    return (
        f"receiver {name!r} ({receiver.location}) {what}: it is that team's integration, and naming it from a spec "
        f"of team {team!r} would notify team {other!r} of this team's alerts; {routable}{fix}"
    )


def spec_receiver_problem(
    name: str, team: str, named: Sequence[Receiver], owners: Mapping[tuple[str, str], str]
) -> str | None:
    """Why the platform file's routing of `team` ("": defaults.routing, every team's) may not name the receiver
    `name`, or None: one written inline in a spec of another team. That spec's owners, or whoever next owns
    its service name, would decide where this team's alerts go without touching the platform file."""
    written = [r for r in named if (r.location.file, r.scope) in owners]
    if not written or len(written) < len(named):
        return None  # the platform's own (or also defined there alike)
    owner = owners[(written[0].location.file, written[0].scope)]
    if owner == team:
        return None
    whose = f"the alerts of team {team!r}" if team else "the alerts of every team"
    return (
        f"receiver {name!r} is written inline in a spec of team {owner!r} ({written[0].location}): whoever edits "
        f"that spec would decide where {whose} go; name a receiver under receivers: in the platform file"
    )


def route_problem(platform: Platform, team: Team, tier: Tier, route: Route | None) -> str | None:
    """Why a spec's `tier` alerts cannot go where the lookup ends (None: they can): nowhere, or, for pages of a
    team the platform lists under `teams:`, the catch-all default receiver, which nobody named for this team: a
    page landing there silently reaches someone else's channel, not the on-call that owns the service. Naming
    it is the way to want it."""
    if route is None:
        platform_file = platform.location.file if platform.location.line else "the platform file"
        where_team = (  # name both places: this spec and the team definition (or where it is missing)
            f"team {team.name!r} ({team.location}) has no routing.{tier.value}"
            if platform.team(team.name)
            else f"team {team.name!r} is not defined under teams: in {platform_file}"
            if platform.secrets.platform_file  # else a newcomer looked for a file nobody had written:
            else f"there is no platform file to define team {team.name!r} (platform.yaml beside the specs, or "
            "--platform; `obsc init --platform` writes one)"
        )
        return (
            f"no receiver for {tier.value} alerts: {where_team}; set routing.{tier.value} here, under "
            f"teams.{team.name} in the platform file, or platform defaults.routing / alertmanager.default_receiver"
        )
    if tier is not Tier.CRITICAL or route.path != DEFAULT_RECEIVER_PATH or team.name not in defined_teams(platform):
        return None  # no registry: every team routes alike, as the platform says (`catchall_pages` warns); an
        # undefined team is an error of its own (`team_problem`)
    where = f"alertmanager.default_receiver ({platform.location.file or 'the platform file'})"
    return (
        f"pages of team {team.name!r} would go to the catch-all default receiver {route.receiver!r} of {where}, "
        f"which no routing names for them: no routing.critical here, in teams.{team.name} or in platform "
        f"defaults.routing; name the receiver that pages this team's on-call in one of them (routing.critical: "
        f"{route.receiver} there sends its pages to the catch-all on purpose)"
    )


def catchall_pages(services: Iterable[Service]) -> list[str]:
    """Warnings, one per team: pages that only reach the catch-all default receiver of a platform without a
    `teams:` registry (with one, `route_problem` makes it an error): legal, but said at once."""
    by_team: dict[tuple[str, str], list[str]] = {}
    for service in services:
        for route in service.routes:
            if route.tier is Tier.CRITICAL and route.path == DEFAULT_RECEIVER_PATH:
                by_team.setdefault((service.team, route.receiver), []).append(service.name)
    return [
        f"team {team!r}: pages of {len(names)} service(s) ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''}) "
        f"go to the catch-all default receiver {receiver!r}: no routing.critical in their specs or platform "
        "defaults.routing, and no teams: section to list the team in"
        for (team, receiver), names in sorted(by_team.items())
    ]


def unheard_info_alerts(services: Iterable[Service]) -> list[str]:
    """Warnings, one per service: alerts its spec puts at tier info itself (a threshold alert, a stale alert,
    a key-metric alert's info line) where no routing names an info receiver. obsc's own info digests stay
    quiet there by design (-v says so); an alert someone wrote down with its tier was meant to reach someone."""
    found = []
    for service in services:
        route = service.route(Tier.INFO)
        if route is None or not is_unrouted_info(route):
            continue
        asked = [f"{a.name} ({a.location})" for a in service.threshold_alerts if a.tier is Tier.INFO]
        own_file = service.location.file
        asked += [
            f"alerts.{k.kind.value}.info ({k.location})"
            for k in service.key_alerts
            if k.tier is Tier.INFO and own_file and k.location.file == own_file
        ]
        asked += [
            f"SLOFreshnessStale of slo {s.name} ({s.location})" for s in service.slos if s.sli.stale_tier is Tier.INFO
        ]
        if asked:
            found.append(
                f"service {service.name!r}: info alerts its spec asks for notify nobody: {', '.join(asked)}; no "
                f"routing.info in the spec, teams.{service.team} or platform defaults.routing (info never falls "
                "back to the default receiver)"
            )
    return found
