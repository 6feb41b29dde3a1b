"""Targets: pure functions from the model to artifacts (no I/O, no subprocess), one package per target.

The pipeline runs every target of `all_targets()` in that order and joins their parts in the same
order; what a target package exposes is described in compiler/targets/base.py.
"""

from __future__ import annotations

from compiler.targets import alertmanager, grafana, prometheus, runbooks
from compiler.targets.base import Target, TargetOptions

__all__ = ["Target", "TargetOptions", "all_targets"]


def all_targets() -> tuple[Target, ...]:
    return (
        Target("prometheus", prometheus.service_artifacts, prometheus.fleet_artifacts, prometheus.prepare, True),
        Target("alertmanager", alertmanager.service_artifacts, alertmanager.fleet_artifacts),
        Target("grafana", grafana.service_artifacts, grafana.fleet_artifacts, grafana.prepare, shares_shapes=True),
        Target("runbooks", runbooks.service_artifacts, runbooks.fleet_artifacts, shares_shapes=True),
    )
