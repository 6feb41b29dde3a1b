"""The fleet-wide routing tree (team → [service routed apart] → severity), inhibition and business hours.

Built as small neutral values (`RouteNode`, `Inhibit`, `Match`) so the plain alertmanager.yml and
the Prometheus Operator's AlertmanagerConfig render the same decisions in their own spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler import conventions as names
from compiler.model.teams import defined_teams, fallback_route, no_severity_route, root_receiver_name
from compiler.model.types import BusinessHours, Fleet, Route, Service, Team, Tier
from compiler.model.units import clock_minutes, format_duration, parse_duration


@dataclass(frozen=True)
class Match:
    """One label matcher; `text` is the 0.25 `matchers` string with the value always double-quoted."""

    name: str
    op: str  # = != =~ !~
    value: str

    @property
    def text(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


def equals(name: str, value: str) -> Match:
    return Match(name, "=", value)


@dataclass(frozen=True)
class Timing:
    group_wait: int  # seconds
    group_interval: int
    repeat_interval: int


# Why these numbers: a page must be prompt and keep nagging while it burns; a ticket can wait for
# its siblings and reminds twice a day; info is read once a day, so it arrives as a daily digest.
TIER_TIMING: dict[Tier, Timing] = {
    Tier.CRITICAL: Timing(group_wait=30, group_interval=5 * 60, repeat_interval=60 * 60),
    Tier.WARNING: Timing(group_wait=5 * 60, group_interval=30 * 60, repeat_interval=12 * 3600),
    Tier.INFO: Timing(group_wait=30 * 60, group_interval=24 * 3600, repeat_interval=24 * 3600),
}
# One ticket per service/SLO incident: both burn windows of an SLO share one ticket, and key-metric alerts (no
# `slo` label) of a service share another. Info groups per service: one digest per service.
INCIDENT_GROUP_BY = (names.LABEL_SERVICE, names.LABEL_SLO)
DIGEST_GROUP_BY = (names.LABEL_SERVICE,)
# Pages group per service: one outage is seen by several pages (ServiceDown beside the burn page of an SLO measured
# at the ingress, an availability and a latency SLO burning in one timeout storm, a key alert's page), and grouped
# per SLO each was an incident of its own (two PagerDuty incidents, round 40). Inhibiting one with another would
# lose the held page's resolve whenever it rang first (Alertmanager 0.25 mutes resolves too), so they share a group:
# a page that joins is an update of the open page (one dedup key), the group resolves when the last one does.
PAGE_GROUP_BY = (names.LABEL_SERVICE,)
# SLOs over the same failures (an overall one and one per route) are one incident: their tickets, which carry
# `incident`, share a group in a leaf of their own before the tier's (model/incidents.py).
SHARED_INCIDENT_GROUP_BY = (names.LABEL_SERVICE, names.LABEL_INCIDENT)
SHARES_INCIDENT = Match(names.LABEL_INCIDENT, "!=", "")
# One vanished exporter or renamed metric blinds every SLO and threshold reading it: SLODataMissing per SLO and the
# threshold and saturation alerts' no-series twins, all `data="missing"`. Grouped per SLO they were a ticket each
# for one cause (round 47 live: redis_exporter's series gone, two tickets); inhibiting some with one would lose a
# resolve whenever the held one notified first, so their tickets share a group per service, in a leaf of their own
# before the shared incident's.
MISSING_DATA = Match(names.LABEL_DATA, "=", "missing")
MISSING_GROUP_BY = (names.LABEL_SERVICE, names.LABEL_DATA)
# An alert of a service (any name): a team's leaves for its services.
_HAS_SERVICE = Match(names.LABEL_SERVICE, "!=", "")
# What may silence: an alert of a team's service. `service` alone is not enough: the cluster's own alerts carry
# the scraped target's (`service="kube-state-metrics"`) and no team, so one of their criticals silenced every
# such warning of every namespace (the team, slo and incident of both are missing, which reads as equal).
SOURCE_OWNED = (Match(names.LABEL_TEAM, "!=", ""), _HAS_SERVICE)
ROOT_GROUP_BY = ("alertname",)  # alerts obsc did not generate, caught by the default receiver
# A team's fallback catches its alerts that name no compiled service (a mixin's, a hand-written rule): grouped by
# service and SLO alone, every such page of the team was one group, so a node outage joined an acknowledged
# crash-loop incident (same PagerDuty dedup key) and never rang. Their alert name splits them.
FALLBACK_GROUP_BY = ("alertname", *INCIDENT_GROUP_BY)

# Group intervals a business-hours route may use, longest first (see `flush_interval`).
_FLUSH_STEPS = tuple(parse_duration(d) for d in ("24h", "12h", "8h", "6h", "4h", "3h", "2h", "1h", "30m", "15m", "5m"))


@dataclass(frozen=True)
class RouteNode:
    matchers: tuple[Match, ...] = ()
    receiver: str | None = None
    group_by: tuple[str, ...] | None = None
    timing: Timing | None = None
    active_time_intervals: tuple[str, ...] = ()
    routes: tuple[RouteNode, ...] = ()


@dataclass(frozen=True)
class Inhibit:
    why: str
    source: tuple[Match, ...]
    target: tuple[Match, ...]
    equal: tuple[str, ...]


@dataclass(frozen=True)
class Interval:
    """A named business-hours window (Alertmanager `time_intervals` entry)."""

    name: str
    hours: BusinessHours


def root_receiver(fleet: Fleet) -> str:
    return root_receiver_name(fleet.platform)


def teams_in_use(fleet: Fleet) -> list[tuple[str, list[Service]]]:
    """(team name, its services) for every team that owns a service or is defined by the platform."""
    by_team: dict[str, list[Service]] = {name: [] for name in defined_teams(fleet.platform)}
    for service in fleet.services:
        by_team.setdefault(service.team, []).append(service)
    return [(team, sorted(by_team[team], key=lambda s: s.name)) for team in sorted(by_team)]


def route_tree(fleet: Fleet) -> RouteNode:
    return RouteNode(
        receiver=root_receiver(fleet),
        group_by=ROOT_GROUP_BY,
        routes=tuple(team_route(fleet, team, services) for team, services in teams_in_use(fleet)),
    )


def team_route(fleet: Fleet, team: str, services: Sequence[Service]) -> RouteNode:
    """The team's branch: a branch for each service routed apart from the team, the team's leaves for its other
    services' alerts, then the team's fallback, so an alert that carries only `team=<team>` (a service obsc does
    not compile, a hand-written rule) still reaches the team.
    The branch's own receiver takes alerts with no known severity."""
    hours = business_hours(fleet.platform.team(team))
    fallback = [(tier, fallback_route(fleet.platform, team, tier)) for tier in Tier]
    routed = [(tier, route) for tier, route in fallback if route is not None]
    as_team = [s for s in services if routed_as_team(s, fallback)]
    catch_all = no_severity_route(fleet.platform, team)
    return RouteNode(
        matchers=(equals(names.LABEL_TEAM, team),),
        receiver=catch_all.receiver if catch_all else None,
        group_by=INCIDENT_GROUP_BY,
        routes=(
            *(service_route(s, hours) for s in services if s not in as_team),
            *incident_leaves(routed, hours, (_HAS_SERVICE,)),
            *(tier_leaf(tier, route, hours, FALLBACK_GROUP_BY) for tier, route in routed),
        ),
    )


def routed_as_team(service: Service, fallback: Sequence[tuple[Tier, Route | None]]) -> bool:
    """True when every tier of the service reaches its team's receiver for that tier: it then needs no branch of
    its own, and its alerts take the team's leaves, whose route (and so Alertmanager's group key) survives a
    rename of the service or its move to another team while it pages (see `incident_leaves`)."""
    return all(
        (own.receiver if own else None) == (route.receiver if route else None)
        for tier, route in fallback
        for own in (service.route(tier),)
    )


def incident_leaves(
    routed: Sequence[tuple[Tier, Route]], hours: Interval | None, also: tuple[Match, ...]
) -> list[RouteNode]:
    """The leaves of the team's services' incidents: a shared incident's first, then one per tier.

    Alertmanager keys a group, and the incident its receiver opened, by the route's matchers: a branch naming the
    service vanished with a renamed or moved service, so the alert still firing under the old name or team took
    another route, paged again in a new group and never resolved the first. The team's leaves name no service,
    and the shared incident's are there whether or not a service of the team shares one today: made only for
    such a team, they left with the last service sharing an incident that moved away, and its page rang again.
    """
    leaves = []
    for tier, route in routed:
        if tier is Tier.WARNING:  # pages are one group per service, info one digest per service already
            leaves.append(tier_leaf(tier, route, hours, MISSING_GROUP_BY, (*also, MISSING_DATA)))
            leaves.append(tier_leaf(tier, route, hours, SHARED_INCIDENT_GROUP_BY, (*also, SHARES_INCIDENT)))
    leaves.extend(tier_leaf(tier, route, hours, None, also) for tier, route in routed)
    return leaves


def service_route(service: Service, hours: Interval | None) -> RouteNode:
    """The branch of a service whose `routing:` names receivers other than its team's. Its shared-incident leaves
    are there whether or not its SLOs share one today: an SLO dropped while the service paged took them, and the
    old page joined the tier leaf's group, where its resolve never came (see `incident_leaves`)."""
    leaves = []
    for tier in Tier:
        route = service.route(tier)
        if route is None:
            continue  # the model refuses a service without a receiver for a tier; nothing to route
        if tier is Tier.WARNING:  # pages are one group per service, info one digest per service already
            leaves.append(tier_leaf(tier, route, hours, MISSING_GROUP_BY, (MISSING_DATA,)))
            leaves.append(tier_leaf(tier, route, hours, SHARED_INCIDENT_GROUP_BY, (SHARES_INCIDENT,)))
        leaves.append(tier_leaf(tier, route, hours))
    return RouteNode(matchers=(equals(names.LABEL_SERVICE, service.name),), routes=tuple(leaves))


def tier_leaf(
    tier: Tier,
    route: Route,
    hours: Interval | None,
    group_by: tuple[str, ...] | None = None,
    also: tuple[Match, ...] = (),
) -> RouteNode:
    """A severity's leaf (for alerts that also match `also`); `group_by` None: the tier's (`leaf_group_by`)."""
    paged = tier is Tier.CRITICAL  # pages ring at any hour; business hours hold back the rest
    gated = hours if hours is not None and not paged else None
    timing = TIER_TIMING[tier]
    if gated is not None:
        capped = flush_interval(timing.group_interval, gated.hours)
        timing = Timing(timing.group_wait, capped, timing.repeat_interval)
    return RouteNode(
        matchers=(equals(names.LABEL_SEVERITY, tier.value), *also),
        receiver=route.receiver,
        group_by=leaf_group_by(tier, group_by),
        timing=timing,
        active_time_intervals=(gated.name,) if gated is not None else (),
    )


def leaf_group_by(tier: Tier, group_by: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """A leaf's `group_by`: info one digest per service; a service's pages one group per service (the team's
    fallback keeps its alert names apart); tickets as given (None: the team's, per service and SLO)."""
    if tier is Tier.INFO:
        return DIGEST_GROUP_BY
    if tier is Tier.CRITICAL and group_by is None:
        return PAGE_GROUP_BY
    return group_by


def receivers_in(node: RouteNode) -> set[str]:
    """Every receiver a route tree names."""
    found = {node.receiver} if node.receiver else set()
    for child in node.routes:
        found |= receivers_in(child)
    return found


def tiers_of_receivers(node: RouteNode, inherited: Tier = Tier.WARNING) -> dict[str, Tier]:
    """Each receiver the tree names → the most urgent tier routed to it (no severity matcher: warning)."""
    tier = next((Tier(m.value) for m in node.matchers if m.name == names.LABEL_SEVERITY and m.op == "="), inherited)
    found: dict[str, Tier] = {node.receiver: tier} if node.receiver else {}
    for child in node.routes:
        for receiver, served in tiers_of_receivers(child, tier).items():
            if receiver not in found or served.rank < found[receiver].rank:
                found[receiver] = served
    return found


def flush_interval(group_interval: int, hours: BusinessHours) -> int:
    """A group interval that lets some flush land inside every business-hours window.

    A group flushes every group_interval from when it started; flushes outside the active interval
    are dropped. A 24h digest started at 02:00 would flush at 02:00 forever and never reach a
    08:00-18:00 team, so the interval is capped at the shortest window (rounded down to a step).
    """
    shortest = min(clock_minutes(t.end) - clock_minutes(t.start) for t in hours.times) * 60
    fitting = next((step for step in _FLUSH_STEPS if step <= shortest), _FLUSH_STEPS[-1])
    return min(group_interval, fitting)


def business_hours(team: Team | None) -> Interval | None:
    if team is None or team.business_hours is None:
        return None
    return Interval(names.business_hours_interval(team.name), team.business_hours)


def intervals(fleet: Fleet) -> list[Interval]:
    """Business-hours intervals of the teams in the tree (every team has at least its fallback branch)."""
    found = (business_hours(fleet.platform.team(team)) for team, _ in teams_in_use(fleet))
    return [interval for interval in found if interval is not None]


def duration(seconds: int) -> str:
    return format_duration(seconds)
