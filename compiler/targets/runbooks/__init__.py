"""Runbook stubs, the runbooks target's face: one markdown page per (service, SLO, alert name).

Pages are STUB artifacts: the writer creates them when missing, refreshes them while nobody has
edited them, and never touches them once a human has.
"""

from __future__ import annotations

from compiler.targets.runbooks.page import fleet_artifacts, service_artifacts

__all__ = ["fleet_artifacts", "service_artifacts"]
