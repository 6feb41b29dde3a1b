"""Shared test helpers: golden comparison, external tools, paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
UPDATE_GOLDENS = bool(os.environ.get("OBSC_UPDATE_GOLDENS"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The nightly mode: the heaviest sweeps at full size (every mutant of every example, 2,000 property examples,
# every SIGKILL moment). `make test` and CI run a representative sample of each, so the suite stays minutes.
FULL = os.environ.get("OBSC_TEST_FULL", "").lower() in ("1", "true", "yes")


def require_tool(name: str, env: str | None = None) -> str:
    """Path of an external binary; a test needing it fails under CI and skips (visibly) elsewhere."""
    path = os.environ.get(env) if env else None
    path = path or shutil.which(name)
    if path:
        return path
    packages = "victoria-metrics" if name in ("victoria-metrics", "vmalert") else "prometheus prometheus-alertmanager"
    message = f"{name} is not installed (apt-get install -y --no-install-recommends {packages})"
    if IN_CI:
        pytest.fail(message + " and CI=true: tools are required in CI")
    pytest.skip(message)


def require_shared(relative: str) -> Path:
    """A file of ../shared (reference corpus); fails under CI when missing, skips elsewhere."""
    path = SHARED / relative
    if path.exists():
        return path
    if IN_CI:
        pytest.fail(f"{path} is missing and CI=true")
    pytest.skip(f"{path} is not available on this machine")


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (relative posix path → bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
