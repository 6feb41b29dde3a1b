"""The fleet's inhibit rules: which page holds back which tickets, keyed on team, service, SLO and incident.

A grouped SLO's page (`by: [tenant]`) holds back only its own group's tickets. Which labels make a page a group's
is read from the SLOs of its own service: the fleet's label sets are every spec's `by:`, and another service may
carry one of those labels fixed (`labels: {cluster: prod}`), so read fleet-wide one team's `by:` changed another
team's inhibition (round 38).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler import conventions as names
from compiler.model.types import AlertKind, Fleet, Tier
from compiler.targets.alertmanager.relays import relay_rules
from compiler.targets.alertmanager.routes import MISSING_DATA, SHARES_INCIDENT, SOURCE_OWNED, Inhibit, Match, equals

# Alertmanager reads a label missing on both sides as equal, so inhibition keys on labels every obsc alert
# carries, and only an alert that names a team and a service may silence (`SOURCE_OWNED`): else any page
# without them (another team's hand-written rule, a cluster alert) would silence every such ticket. `team` in
# `equal` keeps it inside a team.
INCIDENT_EQUAL = (names.LABEL_TEAM, names.LABEL_SERVICE, names.LABEL_SLO)
SERVICE_EQUAL = (names.LABEL_TEAM, names.LABEL_SERVICE)
SHARED_INCIDENT_EQUAL = (names.LABEL_TEAM, names.LABEL_SERVICE, names.LABEL_INCIDENT)


@dataclass(frozen=True)
class Shape:
    """Services whose SLOs are kept per the same label sets (`sets`, each sorted): their pages read alike."""

    sets: tuple[tuple[str, ...], ...]
    services: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({label for found in self.sets for label in found}))

    @property
    def mine(self) -> Match:
        return Match(names.LABEL_SERVICE, "=~", "|".join(self.services))

    @property
    def who(self) -> str:
        """The services, for the rule's comment (a count past three: the matcher lists them)."""
        if len(self.services) > 3:
            return f"{len(self.services)} services"
        return ("service " if len(self.services) == 1 else "services ") + ", ".join(self.services)


def shapes(fleet: Fleet) -> tuple[Shape, ...]:
    """The fleet's grouped services by the label sets their own SLOs are kept per (`by:`), sorted."""
    found: dict[tuple[tuple[str, ...], ...], list[str]] = {}
    for service in fleet.services:
        sets = tuple(sorted({tuple(sorted(slo.by)) for slo in service.slos if slo.by}))
        if sets:
            found.setdefault(sets, []).append(service.name)
    return tuple(Shape(sets, tuple(sorted(services))) for sets, services in sorted(found.items()))


def inhibit_rules(fleet: Fleet) -> list[Inhibit]:
    """Keyed on team/service/slo, never alertname: fast- and slow-burn alerts have different names. A grouped
    SLO's burn page silences its own group's tickets only (the label sets of the fleet's `by:` lists)."""
    groups = shapes(fleet)
    service_down = names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN]
    # one group's ServiceDown (`down_group`) is no such page: with no slo it held back every ticket without one,
    # in every group (round 34: one cluster down muted the other clusters' threshold and saturation tickets)
    whole = equals(names.LABEL_DOWN_GROUP, "")
    page = equals(names.LABEL_SEVERITY, Tier.CRITICAL.value)
    tickets = Match(names.LABEL_SEVERITY, "=~", f"{Tier.WARNING.value}|{Tier.INFO.value}")
    rules = [
        *_page_rules(page, whole, tickets, groups),
        *_incident_rules(page, tickets, groups),
        *_missing_data_rules(page, whole, tickets, groups),
    ]
    # Key-metric alerts that measure an SLO's symptom (error rate, p99) carry that SLO's `slo` label; the
    # SLO's burn alert is the one incident, so it silences them at its own tier (a ticket never a page).
    burn = "|".join(sorted({names.SLO_BURN_FAST, names.SLO_BURN_SLOW}))
    key = "|".join(sorted(name for kind, name in names.KEY_ALERT_NAMES.items() if kind != AlertKind.SERVICE_DOWN))
    for tier in (Tier.CRITICAL, Tier.WARNING):
        rules.append(
            Inhibit(
                why=f"An SLO burn alert at {tier.value} silences {tier.value} key-metric alerts of the same "
                "service and SLO (key alerts that measure an SLO's symptom carry its slo label): one incident, "
                "one notification.",
                source=(Match("alertname", "=~", burn), equals(names.LABEL_SEVERITY, tier.value), *SOURCE_OWNED),
                target=(Match("alertname", "=~", key), equals(names.LABEL_SEVERITY, tier.value)),
                equal=INCIDENT_EQUAL,
            )
        )
    # ServiceDown silences the service's alerts of lower tiers, and of its own tier only those of its own
    # notification group (no slo, like its own): a muted alert's resolve is muted too (Alertmanager 0.25), so an
    # SLO's page that rang before the targets went down, muted by ServiceDown, never resolved its own incident.
    # A ServiceDown of one group (`down_group`: eu down while us reports) silences nothing: the groups still up
    # keep their alerts. Only the whole service's silences the service.
    down = equals("alertname", service_down)
    other = Match("alertname", "!=", service_down)
    for tier in Tier:
        severity = equals(names.LABEL_SEVERITY, tier.value)
        rules.append(
            Inhibit(
                why=f"{service_down} at {tier.value} silences the service's {tier.value} alerts without an slo, its "
                "own notification group (another group's may have notified already: muted, its resolve is lost).",
                source=(down, severity, whole, *SOURCE_OWNED),
                target=(other, severity),
                equal=INCIDENT_EQUAL,
            )
        )
        lower = [t.value for t in Tier if t.rank > tier.rank]
        if lower:
            rules.append(
                Inhibit(
                    why=f"{service_down} at {tier.value} silences the service's {'/'.join(lower)} alerts, "
                    "never a page.",
                    source=(down, severity, whole, *SOURCE_OWNED),
                    target=(other, Match(names.LABEL_SEVERITY, "=~", "|".join(lower))),
                    equal=SERVICE_EQUAL,
                )
            )
    return [*rules, *relay_rules(fleet)]  # last: the only rules that cross teams, each pinned on both sides


# A grouped SLO's burn page (`by: [tenant]`) names its group: keyed on team/service/slo alone, a noisy tenant's page
# held back every tenant's tickets, and a second tenant burning for a cause of its own reached nobody (round 35
# hunt). Such a page silences the tickets of its own group values; one of no group, every ticket of its SLO. Other
# pages (key-metric, threshold, ServiceDown) keep their rules whatever labels they carry. A page's group is read
# from its own service's `by:` lists (`service=~`): read from every spec's, a service with `labels: {cluster: prod}`
# and an SLO per region paged as cluster prod's group too once another team kept an SLO `by: [cluster]`, and held
# back every region's tickets (round 38).
_BURN = Match(names.LABEL_ALERTNAME, "=~", "|".join(sorted({names.SLO_BURN_FAST, names.SLO_BURN_SLOW})))
_NOT_BURN = Match(names.LABEL_ALERTNAME, "!~", _BURN.value)


def _page_rules(page: Match, whole: Match, lower: Match, groups: Sequence[Shape]) -> list[Inhibit]:
    why = (
        "A page silences warning and info alerts of the same team, service and SLO; key-metric alerts without an "
        "slo label share an empty one, so a key-metric page silences the service's other such alerts (one group's "
        "ServiceDown silences nothing)."
    )
    if not groups:
        return [Inhibit(why=why, source=(page, whole, *SOURCE_OWNED), target=(lower,), equal=INCIDENT_EQUAL)]
    rules = [
        Inhibit(
            why=why.replace("A page", "A page other than a burn alert", 1),
            source=(page, whole, *SOURCE_OWNED, _NOT_BURN),
            target=(lower,),
            equal=INCIDENT_EQUAL,
        )
    ]
    for source, whose in _whole_pages((_BURN, page, *SOURCE_OWNED), groups):
        rules.append(
            Inhibit(
                why=f"An SLO's burn page of no group, {whose}, silences warning and info alerts of the same team, "
                "service and SLO, every group's.",
                source=source,
                target=(lower,),
                equal=INCIDENT_EQUAL,
            )
        )
    for shape in groups:
        for labels in shape.sets:
            grouped = (_BURN, page, *SOURCE_OWNED, shape.mine, *_group(labels, shape.sets))
            kept = f"an SLO of {shape.who} kept per {', '.join(labels)}"
            rules.append(
                Inhibit(
                    why=f"A burn page of {kept} silences warning and info alerts of the same team, service, SLO "
                    "and group only: another group burning has a cause of its own.",
                    source=grouped,
                    target=(lower,),
                    equal=(*INCIDENT_EQUAL, *labels),
                )
            )
            # ... and its SLO's alerts of no group (a key-metric ticket of its symptom, SLO-wide data missing), as
            # a page of no group does (it carries the SLO's `slo`, not its group labels)
            rules.append(
                Inhibit(
                    why=f"A burn page of {kept} silences warning and info alerts of the same team, service and SLO "
                    "of no group (the whole service's: the same failures).",
                    source=grouped,
                    target=(lower, *(equals(label, "") for label in labels)),
                    equal=INCIDENT_EQUAL,
                )
            )
    return rules


def _missing_data_rules(page: Match, whole: Match, lower: Match, groups: Sequence[Shape]) -> list[Inhibit]:
    """A page of the service holds back its tickets of missing data (`data="missing"`), whatever their SLO.

    One fault blinds several readers at once: a database down leaves its exporter only `mysql_up`, whose SLO pages
    while the threshold alerts' twins of the other series ticket (round 48, orders-db: one page at 5 minutes, two
    tickets at 20); an exporter gone behind a critical threshold alert pages through its twin beside SLODataMissing's
    ticket. Keyed on team and service, since neither the twins nor the page need share an `slo`. A held ticket still
    missing when the page ends is delivered then. A burn page of one group (`by:`) holds back none: another group's
    missing data has a cause of its own (round 35)."""
    why = (
        'A page of the service silences its warning and info alerts of missing data (data="missing": '
        "SLODataMissing and the threshold twins) of any SLO: the fault that pages also blinds them."
    )
    target = (lower, MISSING_DATA)
    if not groups:
        return [Inhibit(why=why, source=(page, whole, *SOURCE_OWNED), target=target, equal=SERVICE_EQUAL)]
    rules = [
        Inhibit(
            why=why.replace("A page", "A page other than a burn alert", 1),
            source=(page, whole, *SOURCE_OWNED, _NOT_BURN),
            target=target,
            equal=SERVICE_EQUAL,
        )
    ]
    for source, whose in _whole_pages((_BURN, page, *SOURCE_OWNED), groups):
        rules.append(
            Inhibit(
                why=f"An SLO's burn page of no group, {whose}, silences the service's warning and info alerts of "
                "missing data, of any SLO.",
                source=source,
                target=target,
                equal=SERVICE_EQUAL,
            )
        )
    return rules


def _incident_rules(page: Match, lower: Match, groups: Sequence[Shape]) -> list[Inhibit]:
    """SLOs over the same failures share an `incident` (an SLO kept per route beside the one kept for the whole
    service): one SLO's page is the incident's notification, so it silences the others' tickets as its own; a
    group's burn page, its own group's and the whole service's (the same failures, diluted)."""
    why = (
        "A page of an incident that several SLOs share (the same failures) silences warning and info alerts "
        "of the same team, service and incident."
    )
    source = (page, *SOURCE_OWNED, SHARES_INCIDENT)
    if not groups:
        return [Inhibit(why=why, source=source, target=(lower,), equal=SHARED_INCIDENT_EQUAL)]
    rules = [
        Inhibit(
            why="A page other than a burn alert, of an incident that several SLOs share (the same failures), "
            "silences warning and info alerts of the same team, service and incident.",
            source=(*source, _NOT_BURN),
            target=(lower,),
            equal=SHARED_INCIDENT_EQUAL,
        )
    ]
    for whole, whose in _whole_pages((_BURN, *source), groups):
        rules.append(
            Inhibit(
                why=f"A burn page of no group, {whose}, of an incident that several SLOs share, silences warning "
                "and info alerts of the same team, service and incident, every group's.",
                source=whole,
                target=(lower,),
                equal=SHARED_INCIDENT_EQUAL,
            )
        )
    for shape in groups:
        for labels in shape.sets:
            kept = f"kept per {', '.join(labels)} ({shape.who})"
            grouped = (_BURN, *source, shape.mine, *_group(labels, shape.sets))
            rules.append(
                Inhibit(
                    why=f"A burn page of a shared incident's SLO {kept} silences the incident's warning and info "
                    "alerts of no group (kept for the whole service).",
                    source=grouped,
                    target=(lower, *(equals(label, "") for label in shape.labels)),
                    equal=SHARED_INCIDENT_EQUAL,
                )
            )
            rules.append(
                Inhibit(
                    why=f"A burn page of a shared incident's SLO {kept} silences the incident's warning and info "
                    "alerts of the same group.",
                    source=grouped,
                    target=(lower,),
                    equal=(*SHARED_INCIDENT_EQUAL, *labels),
                )
            )
    return rules


def _whole_pages(base: tuple[Match, ...], groups: Sequence[Shape]) -> list[tuple[tuple[Match, ...], str]]:
    """Sources of a burn page of no group, and whose: any label on a service that keeps no SLO per a group (a fixed
    `labels:` value is no group), and none of its own group labels on a service that does."""
    grouped = "|".join(sorted(service for shape in groups for service in shape.services))
    found = [((*base, Match(names.LABEL_SERVICE, "!~", grouped)), "of a service with no grouped SLO")]
    for shape in groups:
        unset = tuple(equals(label, "") for label in shape.labels)
        found.append(((*base, shape.mine, *unset), f"of {shape.who} (SLOs kept per {', '.join(shape.labels)})"))
    return found


def _group(labels: tuple[str, ...], sets: Sequence[tuple[str, ...]]) -> tuple[Match, ...]:
    """Matchers of an alert of an SLO kept per `labels`: each set, and unset each label of a wider set of the same
    service that holds them (an SLO per cluster and tenant is not one per tenant: its page would hold back another
    cluster's tickets). A label no wider set names may be set too (a spec's `labels:`, fixed on every alert)."""
    wider = [found for found in sets if set(labels) < set(found)]
    others = sorted({label for found in wider for label in found} - set(labels))
    return (*(Match(label, "!=", "") for label in labels), *(equals(label, "") for label in others))
