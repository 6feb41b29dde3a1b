"""Targets: pure functions from the model to artifacts (no I/O, no subprocess).

Each target module exposes `generate(fleet, options) -> list[Artifact]`, made of two parts so that the
pipeline can spread a large fleet over worker processes (see compiler/workers.py):
- `service_artifacts(fleet, services, options)`: the files of those services, each depending on its
  own service (and the fleet's platform) only, in the order of `services`;
- `fleet_artifacts(fleet, options)`: the files that read the whole fleet (routing tree, fleet overview).
`generate` is `service_artifacts(fleet, fleet.services, options) + fleet_artifacts(fleet, options)`;
the pipeline runs every target listed in `all_targets()` in order and joins parts in that same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact


@dataclass(frozen=True)
class TargetOptions:
    format: str = "prometheus"  # prometheus | prometheus-operator | mimir


ServiceArtifacts = Callable[[Fleet, Sequence[Service], TargetOptions], list[Artifact]]
FleetArtifacts = Callable[[Fleet, TargetOptions], list[Artifact]]


@dataclass(frozen=True)
class Target:
    name: str
    service_artifacts: ServiceArtifacts
    fleet_artifacts: FleetArtifacts


def all_targets() -> tuple[Target, ...]:
    from compiler.targets import alertmanager, grafana, prometheus, runbooks

    return tuple(
        Target(name, module.service_artifacts, module.fleet_artifacts)
        for name, module in (
            ("prometheus", prometheus),
            ("alertmanager", alertmanager),
            ("grafana", grafana),
            ("runbooks", runbooks),
        )
    )
