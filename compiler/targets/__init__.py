"""Targets: pure functions from the model to artifacts (no I/O, no subprocess).

Each target module exposes `generate(fleet, options) -> list[Artifact]`; the pipeline runs every
target listed in `all_targets()` in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compiler.model.types import Fleet
from compiler.output.bundle import Artifact


@dataclass(frozen=True)
class TargetOptions:
    format: str = "prometheus"  # prometheus | prometheus-operator | mimir


Target = Callable[[Fleet, TargetOptions], list[Artifact]]


def all_targets() -> tuple[tuple[str, Target], ...]:
    from compiler.targets import alertmanager, grafana, prometheus, runbooks

    return (
        ("prometheus", prometheus.generate),
        ("alertmanager", alertmanager.generate),
        ("grafana", grafana.generate),
        ("runbooks", runbooks.generate),
    )
