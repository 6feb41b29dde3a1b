"""The routing-test table: every alert obsc emits, its labels, and the receiver the spec promised;
then, per team, alerts that carry only the team (and a severity) and the receiver the team's fallback
must reach.

Expected receivers come from the model (Service.routes), never from the generated route tree, so
a tree that mis-routes is caught when toolcheck replays each row through `amtool config routes test`.
Each row is one JSON object on one line (JSON is YAML): a 1,000-service fleet has ~20,000 rows and
PyYAML's pure-Python emitter would spend seconds on them.
"""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from compiler import conventions as names
from compiler.model.alerts import AlertDef, fired_labels, service_alerts
from compiler.model.saturation_twins import key_twins, twin_tier
from compiler.model.teams import fallback_receiver, fallback_route, root_receiver_name
from compiler.model.thresholds import vanished_instances_ticket
from compiler.model.types import Fleet, Service, Tier
from compiler.targets.alertmanager.groupings import ExpectedGroupings, Grouping
from compiler.targets.alertmanager.routes import routed_as_team, teams_in_use

ALERTNAME = "alertname"  # set by Prometheus on every alert; routes and inhibit rules may read it

HEADER = (
    "# Every alert obsc emits, the labels it fires with, and the receiver(s) Alertmanager must pick.\n"
    "# Rows of service '(service S)' reach a leaf of S that none of S's alerts reach (a tier it has no alert of):\n"
    "# a hand-written alert of S at that severity goes there. Rows of service '(team X)' are alerts with only\n"
    "# team=X and a severity (or none): the team's fallback. Rows of '(services of team X)' reach a leaf of X's\n"
    "# services that none of their alerts reach: a service moved to X or renamed while it fires lands there;\n"
    "# the '(no team)' row is an alert that names no team (a cluster or mixin alert): the root's receiver.\n"
    "# `obsc compile` replays each row with `amtool config routes test --verify.receivers`.\n"
    "# `group` names the row's entry under `groupings:`: the group_by labels and timers of the route the alert\n"
    "# must land on; rows of one team and receiver alike in those labels and grouping share one group, others\n"
    "# never (checked by a walk of alertmanager.yml's route tree).\n"
)


def routing_cases(fleet: Fleet) -> list[dict[str, Any]]:
    return grouped_cases(fleet)[0]


def grouped_cases(fleet: Fleet) -> tuple[list[dict[str, Any]], dict[str, Grouping]]:
    """The rows, each naming the grouping it promises (`group`), and those groupings by name."""
    cases: list[dict[str, Any]] = []
    for service in fleet.services:
        routes = {tier: service.route(tier) for tier in Tier}  # one look-up per tier, not per alert
        twinned = [(twin, twin_tier(service, twin, kind)) for twin, kind, _ in key_twins(service)]
        for alert in service_alerts(service):
            route = routes[alert.tier]
            if route is None:
                continue  # the model refuses a service without a receiver for a tier
            # As the rules write them: the spec's extra labels, never overriding the catalog's.
            labels = {**fired_labels(service, alert), ALERTNAME: alert.name}
            variants = [labels]
            tier = next((t for twin, t in twinned if twin == alert), None)
            twin = alert.threshold.missing_fires if alert.threshold is not None else tier is not None
            if twin:  # its no-series twin rule (a request alert's may ticket where its alert pages: twin_tier)
                variants.append(
                    {**labels, names.LABEL_DATA: "missing", names.LABEL_SEVERITY: (tier or alert.tier).value}
                )
            ticket = routes[Tier.WARNING]
            if ticket is not None and _instances_apart(service, alert):  # the twin's instance branch, a ticket
                variants.append({**labels, names.LABEL_DATA: "missing", names.LABEL_SEVERITY: Tier.WARNING.value})
            for variant in variants:
                warned = ticket if variant.get(names.LABEL_SEVERITY) != alert.tier.value else None
                cases.append(
                    {
                        "service": service.name,
                        "alert": alert.name,
                        "labels": dict(sorted(variant.items())),
                        "receivers": [(warned or route).receiver],
                    }
                )
    idle = idle_leaf_cases(fleet, cases)
    rows = cases + idle + team_leaf_cases(fleet, cases + idle) + team_fallback_cases(fleet) + [no_team_case(fleet)]
    expected = ExpectedGroupings(fleet, frozenset(team for team, _ in teams_in_use(fleet)))
    found: dict[str, Grouping] = {}
    for row in rows:
        grouping = expected.of(row["labels"])
        found[grouping.name] = grouping
        row["group"] = grouping.name
    return rows, found


def idle_leaf_cases(fleet: Fleet, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A row for each of a service's severity leaves (and data-missing and shared-incident leaves) no generated alert
    reaches.

    The tree has a leaf for every tier the service routes, whether or not it emits an alert of that tier (a
    batch job with `alerts: {critical: false}`): a hand-written page of the service lands there, and without a
    row no replay ever checked where that leaf sends it."""
    reached = {(case["service"], *_leaf_of(case["labels"])) for case in cases}
    rows: list[dict[str, Any]] = []
    for service in fleet.services:
        apart = not _as_team(fleet, service)
        incident = next((slo.incident for slo in service.slos if slo.incident), None)
        if incident is None and apart:
            # routes.service_route gives a service routed apart its shared-incident leaves whether or not its SLOs
            # share one today (an SLO dropped while it paged): a row for them too, under an incident of its own
            incident = service.slos[0].name if service.slos else service.name
        for tier in Tier:
            route = service.route(tier)
            if route is None:
                continue
            # as routes.service_route and routes.incident_leaves build the data-missing and shared-incident leaves
            ticket = tier is Tier.WARNING
            kinds = ([_MISSING] if ticket and apart else []) + ([_INCIDENT] if ticket and incident else []) + [""]
            for kind in kinds:
                if (service.name, tier.value, kind) in reached:
                    continue
                labels = {
                    names.LABEL_SERVICE: service.name,
                    names.LABEL_SEVERITY: tier.value,
                    names.LABEL_TEAM: service.team,
                }
                if kind == _INCIDENT:
                    labels[names.LABEL_INCIDENT] = str(incident)
                if kind == _MISSING:
                    labels[names.LABEL_DATA] = "missing"
                rows.append(_leaf_row(f"(service {service.name})", tier, kind, labels, route.receiver))
    return rows


# The kinds of a service's ticket leaves besides the tier's own, first to last (routes.incident_leaves).
_MISSING, _INCIDENT = "data missing", "incident"


def _leaf_of(labels: dict[str, str]) -> tuple[str | None, str]:
    """(severity, leaf kind) of the leaf an alert with these labels takes in its service's or team's branch."""
    severity = labels.get(names.LABEL_SEVERITY)
    if severity == Tier.WARNING.value and labels.get(names.LABEL_DATA) == "missing":
        return severity, _MISSING
    if severity == Tier.WARNING.value and labels.get(names.LABEL_INCIDENT):
        return severity, _INCIDENT
    return severity, ""


# The service of a row for a team's service leaves: a value no spec's service can take, so no branch of one
# matches it.
MOVED_SERVICE = "(moved or renamed)"


def team_leaf_cases(fleet: Fleet, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A row for each of a team's service leaves (`service!=""`, and the data-missing and shared incident's) that no
    row reaches.

    routes.team_route gives every team these leaves whether or not a service of the team takes them today (a team
    whose every service is routed apart, one with no spec, one whose services share no incident): an alert of a
    service moved to the team or renamed while it fired lands there, and without a row no replay checked where
    they send it. Expected: the team's own receiver for the tier, as for an alert with only team=X."""
    as_team = {s.name for s in fleet.services if _as_team(fleet, s)}
    reached = {
        (labels.get(names.LABEL_TEAM), *_leaf_of(labels))
        for case in cases
        for labels in (case["labels"],)
        if labels.get(names.LABEL_SERVICE) in as_team
    }
    rows: list[dict[str, Any]] = []
    for team, _ in teams_in_use(fleet):
        for tier in Tier:
            route = fallback_route(fleet.platform, team, tier)
            if route is None:
                continue
            for kind in ([_MISSING, _INCIDENT] if tier is Tier.WARNING else []) + [""]:
                if (team, tier.value, kind) in reached:
                    continue
                labels = {names.LABEL_SERVICE: MOVED_SERVICE, names.LABEL_SEVERITY: tier.value, names.LABEL_TEAM: team}
                if kind == _INCIDENT:
                    labels[names.LABEL_INCIDENT] = MOVED_SERVICE
                if kind == _MISSING:
                    labels[names.LABEL_DATA] = "missing"
                rows.append(_leaf_row(f"(services of team {team})", tier, kind, labels, route.receiver))
    return rows


def _leaf_row(service: str, tier: Tier, kind: str, labels: dict[str, str], receiver: str) -> dict[str, Any]:
    """A routing test row for a leaf no alert reaches: what it stands for, its labels, the receiver expected."""
    return {
        "service": service,
        "alert": f"severity={tier.value}" + (f" {kind}" if kind else ""),
        "labels": dict(sorted(labels.items())),
        "receivers": [receiver],
    }


def _as_team(fleet: Fleet, service: Service) -> bool:
    """The service takes its team's leaves (no branch of its own), as routes.team_route decides."""
    return routed_as_team(service, [(tier, fallback_route(fleet.platform, service.team, tier)) for tier in Tier])


def team_fallback_cases(fleet: Fleet) -> list[dict[str, Any]]:
    """Alerts obsc did not generate that name a team, one per severity and one without: each row says where
    such an alert really goes, its team's fallback receiver when there is one, and a row for every tier
    either way (a tier no routing catches goes to the team's other receiver, or to the root's)."""
    cases: list[dict[str, Any]] = []
    for team, _ in teams_in_use(fleet):
        rows = [(f"severity={tier.value}", {names.LABEL_SEVERITY: tier.value}, tier) for tier in Tier]
        for alert, extra, tier in [*rows, ("no severity", {}, None)]:
            labels = {names.LABEL_TEAM: team, **extra}
            cases.append(
                {
                    "service": f"(team {team})",
                    "alert": alert,
                    "labels": dict(sorted(labels.items())),
                    "receivers": [fallback_receiver(fleet.platform, team, tier)],
                }
            )
    return cases


def no_team_case(fleet: Fleet) -> dict[str, Any]:
    """An alert that names no team (KubeNodeNotReady) passes every team's branch by and reaches the root's
    receiver, which no other row reaches."""
    return {
        "service": "(no team)",
        "alert": f"severity={Tier.CRITICAL.value}",
        "labels": {names.LABEL_SEVERITY: Tier.CRITICAL.value},
        "receivers": [root_receiver_name(fleet.platform)],
    }


# `json.JSONEncoder(ensure_ascii=False).encode` without its per-call set-up (it builds a new C encoder for
# every row): the same C encoder, made once. Rows are fresh dicts of strings, never circular.
_ROW_CHUNKS = c_make_encoder(None, json.JSONEncoder().default, encode_basestring, None, ": ", ", ", False, False, True)


def _row(case: dict[str, Any]) -> str:
    return "".join(_ROW_CHUNKS(case, 0))


def routing_table(fleet: Fleet) -> str:
    cases, found = grouped_cases(fleet)
    groupings = "".join(f"  {json.dumps(name)}: {_row(found[name].as_row())}\n" for name in sorted(found))
    rows = [f"- {_row(case)}\n" for case in cases]
    return HEADER + "groupings:\n" + groupings + ("cases:\n" + "".join(rows) if rows else "cases: []\n")


def _instances_apart(service: Service, alert: AlertDef) -> bool:
    """A critical threshold alert whose twin's instance branch is a warning rule of its own (model.thresholds)."""
    threshold = alert.threshold
    return threshold is not None and vanished_instances_ticket(threshold, alert.tier, bool(service.targets))
