"""Alertmanager target: one alertmanager.yml for the whole fleet, its routing-test table, and
(with --format prometheus-operator) one AlertmanagerConfig per team.

The file is the platform's base (global settings, templates, default receiver) plus what obsc
derives from the specs: the route tree, receivers, inhibit rules and business-hours intervals.
Written for Alertmanager 0.25, the oldest server we support (see TARGETS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.team_claims import folder_mismatches
from compiler.model.teams import catchall_pages, unheard_info_alerts, unrouted_fallbacks
from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact
from compiler.targets.alertmanager.config import alertmanager_config, explanation
from compiler.targets.alertmanager.operator import REQUIREMENT, team_configs
from compiler.targets.alertmanager.routes import teams_in_use
from compiler.targets.alertmanager.routing_tests import routing_table
from compiler.targets.alertmanager.templates import template_file
from compiler.targets.alertmanager.yaml_emit import to_yaml
from compiler.targets.base import TargetOptions

__all__ = ["fleet_artifacts", "routing_warnings", "service_artifacts"]


def service_artifacts(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
    """Nothing per service: the routing tree, receivers and inhibitions are one fleet-wide file."""
    del fleet, services, options
    return []


def fleet_artifacts(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    artifacts = [
        Artifact(names.ALERTMANAGER_CONFIG, explanation(fleet) + to_yaml(alertmanager_config(fleet))),
        Artifact(names.ROUTING_TESTS, routing_table(fleet)),
        Artifact(names.ALERTMANAGER_TEMPLATE, template_file()),
    ]
    if options.format == "prometheus-operator":
        artifacts.extend(team_configs(fleet))
    return artifacts


def routing_warnings(fleet: Fleet, fmt: str) -> list[str]:
    """What `obsc compile` says even without -v: pages that only reach the catch-all of a platform without
    `teams:` (with it they are an error, `route_problem`), alerts no routing catches, info alerts a spec asked
    for by name that notify nobody, and what the Prometheus Operator's AlertmanagerConfig objects need from the
    Alertmanager."""
    found = catchall_pages(fleet.services)
    found += unrouted_fallbacks(fleet.platform, (team for team, _ in teams_in_use(fleet)))
    found += unheard_info_alerts(fleet.services)
    found += folder_mismatches(fleet.services, fleet.platform)
    if fmt == "prometheus-operator":
        found.append(f"{names.ALERTMANAGER_OPERATOR_DIR}/: {REQUIREMENT} (docs/notifications.md)")
    return found
