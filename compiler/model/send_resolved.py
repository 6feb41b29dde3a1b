"""Whether a receiver notifies when its alerts resolve, and why one team's spec may not change that for others.

`send_resolved` belongs to a receiver, not to a route, so a receiver shared by several tiers follows its most
urgent one. A spec that routes a more urgent tier to a shared receiver than anyone else does would decide the
setting for every team the receiver serves: paging into the platform's ticket hook turned on resolves the
platform had switched off for every team's tickets, and a ticket routed to the shared digest made every team's
digest repeat itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compiler import conventions
from compiler.errors import Diagnostic
from compiler.model.teams import defined_teams, fallback_route, no_severity_route, root_receiver_name
from compiler.model.types import Platform, Receiver, Route, Service, Tier

# Whether a resolved notification follows the firing one. An incident tool (PagerDuty, Opsgenie) closes
# its incident only on the resolve event, so it always gets one; a page or a ticket in chat or mail says
# when it is over; a daily digest would only repeat itself.
SEND_RESOLVED: dict[Tier, bool] = {Tier.CRITICAL: True, Tier.WARNING: True, Tier.INFO: False}
ALWAYS_RESOLVED = frozenset({"pagerduty", "opsgenie"})


def send_resolved(kind: str, tier: Tier, overrides: Mapping[str, bool] | None = None) -> bool:
    """For an integration of `kind` in a receiver whose most urgent tier is `tier` (platform overrides win)."""
    return kind in ALWAYS_RESOLVED or (overrides or {}).get(tier.value, SEND_RESOLVED[tier])


@dataclass(frozen=True)
class _Use:
    tier: Tier
    team: str | None  # None: the root route, alerts of no team
    written: Route | None  # the route as a spec writes it; None when the platform file (or obsc) chose it


def shared_resolved_problems(
    services: Sequence[Service], receivers: Sequence[Receiver], platform: Platform
) -> list[Diagnostic]:
    """A spec's route that changes the send_resolved of a receiver which other teams' alerts reach too."""
    overrides = dict(platform.alertmanager.send_resolved)
    uses = _uses(services, platform)
    found: list[Diagnostic] = []
    for receiver in _unique(receivers):
        if all(i.kind in ALWAYS_RESOLVED for i in receiver.integrations):
            continue  # resolves always go out: nothing a tier can change
        served = uses.get(receiver.name, [])  # every (tier, team) that reaches it
        value = {t: overrides.get(t.value, SEND_RESOLVED[t]) for t in Tier}
        chosen = value[min((u.tier for u in served), key=lambda t: t.rank)] if served else None
        platform_tiers = [u.tier for u in served if u.written is None]
        if platform_tiers and value[min(platform_tiers, key=lambda t: t.rank)] == chosen:
            continue  # the platform file's own routes already decide it
        for use in served:
            route = use.written
            if route is None or value[use.tier] != chosen:
                continue
            others = [(u.tier, u.team) for u in served if u.team != use.team and value[u.tier] != chosen]
            if others:
                tier, team = min(others, key=lambda o: (o[0].rank, o[1] or ""))
                whose = f"team {team!r}" if team is not None else "no team"  # the root route: a cluster alert
                found.append(
                    Diagnostic(
                        route.location,
                        route.path,
                        f"receiver {receiver.name!r} also serves {tier.value} alerts of {whose}, which the platform "
                        f"sends {'with' if value[tier] else 'without'} resolved notifications (send_resolved: "
                        f"{str(value[tier]).lower()}); a receiver has one send_resolved, its most urgent tier's, so "
                        f"routing {use.tier.value} alerts to it here would turn them {'on' if chosen else 'off'} for "
                        "every team it serves: route to a receiver the platform shares for this tier, or one of "
                        "this team's own",
                    )
                )
    return found


def _uses(services: Sequence[Service], platform: Platform) -> dict[str, list[_Use]]:
    """Receiver name → every (tier, team) the routing tree sends it, as routes.route_tree builds that tree."""
    uses: dict[str, list[_Use]] = {}

    def add(route: Route | None, tier: Tier, team: str | None, written: bool = False) -> None:
        if route is not None and route.receiver != conventions.UNROUTED_RECEIVER:
            uses.setdefault(route.receiver, []).append(_Use(tier, team, route if written else None))

    root = root_receiver_name(platform)
    add(Route(Tier.WARNING, root), Tier.WARNING, None)
    for team in sorted({*defined_teams(platform), *(s.team for s in services)}):
        add(no_severity_route(platform, team), Tier.WARNING, team)
        for tier in Tier:
            add(fallback_route(platform, team, tier), tier, team)
    for service in services:
        for route in service.routes:
            own = route.path[:1] == ("routing",) and route.location.file == service.location.file
            add(route, route.tier, service.team, written=own)
    return uses


def _unique(receivers: Sequence[Receiver]) -> list[Receiver]:
    seen: dict[str, Receiver] = {}
    for receiver in receivers:
        seen.setdefault(receiver.name, receiver)
    return list(seen.values())
