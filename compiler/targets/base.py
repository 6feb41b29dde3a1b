"""What every target is: the options it gets and the parts the pipeline calls.

A target is a package under compiler/targets/ whose `__init__` exposes
- `service_artifacts(fleet, services, options)`: the files of those services, each depending on its
  own service (and the fleet's platform) only, in the order of `services`; this part runs in forked
  worker processes on a large fleet (see compiler/workers.py);
- `fleet_artifacts(fleet, options)`: the files that read the whole fleet (routing tree, fleet overview);
- optionally `prepare(fleet, options) -> fleet`: work that must happen in the parent process before the
  fork (the Grafana target evaluates the platform's Jsonnet standard dashboards there: Go does not
  survive a fork). It is the only target step allowed to read files, and only through spec.loader.
Targets never import one another; what two targets share lives in targets/links.py or the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact


@dataclass(frozen=True)
class TargetOptions:
    format: str = "prometheus"  # prometheus | prometheus-operator | mimir | vmalert
    jsonnet_paths: tuple[str, ...] = ()  # library paths for the platform's Jsonnet standard dashboards


ServiceArtifacts = Callable[[Fleet, Sequence[Service], TargetOptions], list[Artifact]]
FleetArtifacts = Callable[[Fleet, TargetOptions], list[Artifact]]
Prepare = Callable[[Fleet, TargetOptions], Fleet]


@dataclass(frozen=True)
class Target:
    name: str
    service_artifacts: ServiceArtifacts
    fleet_artifacts: FleetArtifacts
    prepare: Prepare | None = None
    # Its service files read no fleet data by service name, so services of one shape may share their
    # generation (targets/shapes.py proves each shape's renaming before trusting it).
    shares_shapes: bool = False


def artifacts(target: Target, fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    """Every file of one target for the whole fleet, in the order the pipeline joins them."""
    return target.service_artifacts(fleet, fleet.services, options) + target.fleet_artifacts(fleet, options)
