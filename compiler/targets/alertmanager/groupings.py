"""The grouping each routing-test row promises: the `group_by` labels and timers of the route its alert lands on.

Read off the row's labels and the model (its team's receivers and business hours), never off the generated
tree: a tree whose leaf was deleted, lost a matcher or moved before a sibling routes the alert to the same
receiver in another group (an incident's two SLOs paged apart, a page folded into another service's), and only a
walk of the tree checked against these says so (toolcheck.grouping_check).
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import conventions as names
from compiler.model.teams import fallback_route
from compiler.model.types import Fleet, Tier
from compiler.targets.alertmanager.routes import (
    DIGEST_GROUP_BY,
    FALLBACK_GROUP_BY,
    INCIDENT_GROUP_BY,
    MISSING_GROUP_BY,
    PAGE_GROUP_BY,
    ROOT_GROUP_BY,
    SHARED_INCIDENT_GROUP_BY,
    TIER_TIMING,
    Timing,
    business_hours,
    duration,
    flush_interval,
)

# Alertmanager 0.25's own timers for a route that sets none (the root and the team branches obsc writes).
DEFAULT_TIMING = Timing(group_wait=30, group_interval=5 * 60, repeat_interval=4 * 3600)
TIERS = {tier.value: tier for tier in Tier}


@dataclass(frozen=True)
class Grouping:
    name: str
    group_by: tuple[str, ...]
    timing: Timing
    active_time_intervals: tuple[str, ...] = ()

    def as_row(self) -> dict[str, object]:
        """As routing-tests.yaml writes it under `groupings:`."""
        row: dict[str, object] = {
            "group_by": list(self.group_by),
            "group_wait": duration(self.timing.group_wait),
            "group_interval": duration(self.timing.group_interval),
            "repeat_interval": duration(self.timing.repeat_interval),
        }
        if self.active_time_intervals:
            row["active_time_intervals"] = list(self.active_time_intervals)
        return row


class ExpectedGroupings:
    """The grouping of each alert as the README promises it, for one fleet."""

    def __init__(self, fleet: Fleet, teams: frozenset[str]) -> None:
        self.fleet = fleet
        self.teams = teams  # the teams with a branch
        self.services = {(s.team, s.name): s for s in fleet.services}
        # By the five labels `of` reads: a 1,000-service fleet's table asks ~36,000 times for ~6,000 of them.
        self._known: dict[tuple[str, str, str, str, str], Grouping] = {}

    def of(self, labels: dict[str, str]) -> Grouping:
        """The grouping of an alert with these labels (see `_of`)."""
        key = (
            labels.get(names.LABEL_TEAM, ""),
            labels.get(names.LABEL_SEVERITY, ""),
            labels.get(names.LABEL_SERVICE, ""),
            labels.get(names.LABEL_INCIDENT, ""),
            labels.get(names.LABEL_DATA, ""),
        )
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._of(labels)
        return known

    def _of(self, labels: dict[str, str]) -> Grouping:
        """No known team: the root's, per alert name. A team's alert of a tier it routes nowhere, or of no known
        severity: the team branch's (per service and SLO, Alertmanager's timers). Otherwise the tier's timers (held
        to the team's business hours but for pages); pages grouped per service, tickets per service when their
        data is missing, else per service and shared incident or per service and SLO; for an alert of no service
        (the team's fallback), per alert name, service and SLO; info is one digest per service."""
        team = labels.get(names.LABEL_TEAM, "")
        if team not in self.teams:
            return Grouping("root", ROOT_GROUP_BY, DEFAULT_TIMING)
        tier = TIERS.get(labels.get(names.LABEL_SEVERITY, ""))
        service, incident = labels.get(names.LABEL_SERVICE, ""), labels.get(names.LABEL_INCIDENT, "")
        if tier is None or not self._routes_tier(team, service, tier):
            return Grouping("team", INCIDENT_GROUP_BY, DEFAULT_TIMING)
        group_by: tuple[str, ...]
        if tier is Tier.INFO:
            name, group_by = tier.value, DIGEST_GROUP_BY
        elif service and tier is Tier.CRITICAL:
            name, group_by = tier.value, PAGE_GROUP_BY
        elif service and labels.get(names.LABEL_DATA) == "missing":
            name, group_by = f"{tier.value} data missing", MISSING_GROUP_BY
        elif service and incident:
            name, group_by = f"{tier.value} incident", SHARED_INCIDENT_GROUP_BY
        elif service:
            name, group_by = tier.value, INCIDENT_GROUP_BY
        else:
            name, group_by = f"{tier.value} fallback", FALLBACK_GROUP_BY
        timing = TIER_TIMING[tier]
        hours = business_hours(self.fleet.platform.team(team))
        if hours is None or tier is Tier.CRITICAL:
            return Grouping(name, group_by, timing)
        capped = Timing(timing.group_wait, flush_interval(timing.group_interval, hours.hours), timing.repeat_interval)
        return Grouping(f"{name} in {hours.name}", group_by, capped, (hours.name,))

    def _routes_tier(self, team: str, service: str, tier: Tier) -> bool:
        """The tier has a receiver for the alert: its service's (a service of the team), else the team's."""
        own = self.services.get((team, service))
        return (own.route(tier) if own is not None else fallback_route(self.fleet.platform, team, tier)) is not None
