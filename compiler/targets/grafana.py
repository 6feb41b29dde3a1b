"""Grafana target: a dashboard per service, the platform standard dashboards, the fleet overview, provisioning.

Output (paths in conventions):
    grafana/dashboards/teams/<team>/<service>.json              obsc's service dashboard
    grafana/dashboards/teams/<team>/<service>.<standard>.json   platform standard dashboards
    grafana/dashboards/fleet/fleet.json                         the fleet overview
    grafana/provisioning/dashboards/obsc.yaml                   file provisioning, a folder per team
Pure: standard dashboards arrive already evaluated (Fleet.rendered_dashboards), so no I/O happens here.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.types import Fleet, RenderedDashboard
from compiler.output.bundle import Artifact
from compiler.targets import TargetOptions, grafana_fleet, grafana_provisioning, grafana_service, grafana_standard
from compiler.targets.grafana_panels import encode


def generate(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    del options  # dashboards look the same whatever the rule-file layout
    rendered: dict[tuple[str, str], RenderedDashboard] = {(r.service, r.name): r for r in fleet.rendered_dashboards}
    artifacts: list[Artifact] = []
    teams: set[str] = set()
    for service in fleet.services:
        standard: list[tuple[str, str]] = []
        for name in service.dashboards:
            found = rendered.get((service.name, name))
            if found is None:
                continue
            title, text = grafana_standard.finish(found)
            standard.append((title, names.dashboard_uid(service.name, name)))
            artifacts.append(Artifact(names.grafana_dashboard_path(service.team, service.name, name), text))
        if names.SERVICE_DASHBOARD in service.dashboards:
            model = grafana_service.build(service, fleet.platform, standard)
            path = names.grafana_dashboard_path(service.team, service.name, names.SERVICE_DASHBOARD)
            artifacts.append(Artifact(path, encode(model)))
        if standard or names.SERVICE_DASHBOARD in service.dashboards:
            teams.add(service.team)
    artifacts.append(Artifact(names.GRAFANA_FLEET_PATH, encode(grafana_fleet.build(fleet))))
    artifacts.append(Artifact(names.GRAFANA_PROVISIONING_PATH, grafana_provisioning.render(teams)))
    return artifacts
