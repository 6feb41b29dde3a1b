"""The issue-15 figures, collected while the benchmarks run and printed by `make bench` as one block at the end.

Each benchmark records what it measured (a label, seconds, the target, the fleet size and the load average
at the time); `block()` lays them out so the three numbers the issue asks for are read in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    label: str
    seconds: float
    target: float
    services: int
    note: str = ""
    load: str = ""


_FIGURES: list[Figure] = []


def load_now() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""


def record(label: str, seconds: float, target: float, services: int, note: str = "") -> None:
    _FIGURES.append(Figure(label, seconds, target, services, note, load_now()))


def block() -> str:
    """The recorded figures, one line each, with the verdict against the issue's target."""
    if not _FIGURES:
        return ""
    lines = ["=== issue 15 figures (rich fleet, 3 SLOs per service) ==="]
    for f in _FIGURES:
        verdict = "within" if f.seconds <= f.target else "OVER"
        shown = f"{f.seconds / 60:.1f} min" if f.seconds >= 120 else f"{f.seconds:.1f} s"
        target = f"{f.target / 60:g} min" if f.target >= 120 else f"{f.target:g} s"
        note = f"; {f.note}" if f.note else ""
        lines.append(f"  {f.label:<50} {shown:>9}  {verdict} {target}  [{f.services} services, {f.load}{note}]")
    return "\n".join(lines)
