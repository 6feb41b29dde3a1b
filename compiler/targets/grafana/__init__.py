"""Grafana target: a dashboard per service, the platform standard dashboards, the fleet overview, provisioning.

Output (paths in conventions):
    grafana/dashboards/teams/<team>/<service>.json              obsc's service dashboard
    grafana/dashboards/teams/<team>/<service>.<standard>.json   platform standard dashboards
    grafana/dashboards/fleet/fleet.json                         the fleet overview
    grafana/provisioning/dashboards/obsc.yaml                   file provisioning, a folder per team
Standard dashboards are evaluated by `prepare` in the parent process (through spec.loader, the only file
reader) and reach the pure parts already rendered (Fleet.rendered_dashboards).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.types import Fleet, RenderedDashboard, Service
from compiler.output.bundle import Artifact
from compiler.spec.loader import JsonnetOptions
from compiler.targets.base import TargetOptions
from compiler.targets.grafana import fleet as grafana_fleet
from compiler.targets.grafana import provisioning as grafana_provisioning
from compiler.targets.grafana import service as grafana_service
from compiler.targets.grafana import standard as grafana_standard
from compiler.targets.grafana.panels import encode
from compiler.targets.grafana.standard_render import render_standard_dashboards

# The face of the package: the pipeline's parts, and `encode` for toolcheck's SDK round trip.
__all__ = ["encode", "fleet_artifacts", "prepare", "service_artifacts"]


def prepare(fleet: Fleet, options: TargetOptions) -> Fleet:
    """Evaluate the platform's Jsonnet standard dashboards (before the fork: Go does not survive one)."""
    return render_standard_dashboards(fleet, JsonnetOptions(options.jsonnet_paths))


def service_artifacts(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
    """The standard dashboards and obsc's dashboard of each of `services`."""
    del options  # dashboards look the same whatever the rule-file layout
    wanted = {s.name for s in services}
    rendered: dict[tuple[str, str], RenderedDashboard] = {
        (r.service, r.name): r for r in fleet.rendered_dashboards if r.service in wanted
    }
    artifacts: list[Artifact] = []
    for service in services:
        standard: list[tuple[str, str]] = []
        for name in service.dashboards:
            found = rendered.get((service.name, name))
            if found is None:
                continue
            title, text = grafana_standard.finish(found, service)
            standard.append((title, names.dashboard_uid(service.name, name)))
            artifacts.append(Artifact(names.grafana_dashboard_path(service.team, service.name, name), text))
        if names.SERVICE_DASHBOARD in service.dashboards:
            model = grafana_service.build(service, fleet.platform, standard)
            path = names.grafana_dashboard_path(service.team, service.name, names.SERVICE_DASHBOARD)
            artifacts.append(Artifact(path, encode(model)))
    return artifacts


def fleet_artifacts(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    """The fleet overview, and provisioning with a folder for every team that has a dashboard."""
    del options
    rendered = {(r.service, r.name) for r in fleet.rendered_dashboards}
    teams = {
        s.team
        for s in fleet.services
        if names.SERVICE_DASHBOARD in s.dashboards or any((s.name, name) in rendered for name in s.dashboards)
    }
    return [
        Artifact(names.GRAFANA_FLEET_PATH, encode(grafana_fleet.build(fleet))),
        Artifact(names.GRAFANA_PROVISIONING_PATH, grafana_provisioning.render(teams)),
    ]
