"""Prometheus target (placeholder until its issue lands)."""

from __future__ import annotations

from compiler.model.types import Fleet
from compiler.output.bundle import Artifact
from compiler.targets import TargetOptions


def generate(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    del fleet, options
    return []
