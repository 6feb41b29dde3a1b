"""How far an SLO's burn-rate and budget cases are from fewer test groups: per SLO of a service, as slo_plan.plan
packs them (no promtool run, a few seconds).

plan() first packs the cases' states in parts (states of disjoint windows: state_packing.pack), then parts side by side
in lanes of one group where lane_faults.Judge finds that changes no alert and hides no fault. Printed per SLO:
- the states, and the window the most of them set: no part holds two states setting one window, so there are at
  least that many parts;
- the parts and the groups plan() made;
- the pairs of parts the judge lets share a group, and the fewest groups any grouping of these parts could take:
  parts no two of which may share a group each need a group of their own, so the largest such set (found exactly:
  few pairs fit) bounds the count from below. Where it equals plan()'s, no order of the parts does better, and
  fewer groups need other cases (fewer states on the busiest window), not other packing.

A service's main test file runs the i-th group of each SLO side by side (cases.merge): its burn-rate groups are the
most any of its SLOs takes.

    python -m tests.bench.lane_bounds                   # one rich bench service (tests/bench/fleet.py)
    python -m tests.bench.lane_bounds examples order-worker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from compiler.api import CompileOptions, validate_specs
from compiler.targets.prometheus.promtool import slo_plan
from compiler.targets.prometheus.promtool.cases import MAIN_STEP
from compiler.targets.prometheus.promtool.lane_faults import Judge, Lane
from compiler.targets.prometheus.promtool.slo_cases import slo_case_rules
from compiler.targets.prometheus.promtool.slo_state import _State
from compiler.targets.prometheus.promtool.state_packing import pack
from compiler.targets.prometheus.rules import service_rules
from tests.bench.fleet import write_fleet


@contextmanager
def _watching() -> Iterator[dict[str, Any]]:
    """plan()'s judge and the states it packs, as it makes them (plan() keeps neither)."""
    seen: dict[str, Any] = {}

    class Watched(Judge):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            seen["judge"] = self

    def packed(states: list[_State], *rest: Any) -> list[list[int]]:  # whatever else plan() passes, passed on
        seen["states"] = states
        return pack(states, *rest)

    with mock.patch.object(slo_plan, "Judge", Watched), mock.patch.object(slo_plan, "pack", packed):
        yield seen


def fewest_groups(parts: int, fit: set[tuple[int, int]]) -> int:
    """The most parts no two of which may share a group: `parts` less the fewest parts touching every pair in `fit`."""

    def cover(pairs: list[tuple[int, int]]) -> int:
        if not pairs:
            return 0
        a, b = pairs[0]
        return 1 + min(cover([p for p in pairs if a not in p]), cover([p for p in pairs if b not in p]))

    return parts - cover(sorted(fit))


def bounds(specs: str, service_name: str) -> list[dict[str, object]]:
    """One row per SLO of the service (see the module's docstring)."""
    fleet, _ = validate_specs([specs], CompileOptions())
    service = next((s for s in fleet.services if s.name == service_name), None)
    if service is None:
        raise SystemExit(f"no service {service_name} in {specs}: {', '.join(s.name for s in fleet.services)}")
    rules = service_rules(service, fleet.platform).alert_rules
    rows: list[dict[str, object]] = []
    for slo in service.slos:
        mine = slo_case_rules(rules, slo)
        if not mine:
            continue
        slo_plan.plan.cache_clear()
        with _watching() as seen:
            shown = slo_plan.plan(slo_plan.Shape.of(service, slo, mine, MAIN_STEP))
        parts = [part for group in shown.groups for part in group]
        states: list[_State] = seen.get("states", [])
        windows = Counter(w for state in states for w in state.keys())  # noqa: SIM118 (a _State, not a dict)
        row: dict[str, object] = {
            "slo": slo.name,
            "states": len(states),
            "busiest": windows.most_common(1)[0] if windows else None,
            "parts": len(parts),
            "groups": len(shown.groups),
        }
        if "judge" in seen:
            lanes = [Lane(p.state, frozenset(p.asked), p.times[-1]) for p in parts]
            fit = {
                (i, j)
                for i in range(len(lanes))
                for j in range(i + 1, len(lanes))
                if seen["judge"].fits([lanes[i], lanes[j]])
            }
            row.update(fitting=len(fit), fewest=fewest_groups(len(parts), fit))
        rows.append(row)
    return rows


def report(rows: Sequence[dict[str, object]]) -> str:
    lines = ["slo            states  busiest window (seconds: states)  parts  groups  pairs fit  fewest groups"]
    for r in rows:
        top = r["busiest"]
        busiest = f"{top[0]}: {top[1]}" if isinstance(top, tuple) else "-"
        lines.append(
            f"{r['slo']:<14} {r['states']:>6}  {busiest:<32}  {r['parts']:>5}  {r['groups']:>6}  "
            f"{r.get('fitting', '-'):>9}  {r.get('fewest', '-'):>13}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("specs", nargs="?", help="specs to compile (default: one rich bench service)")
    parser.add_argument("service", nargs="?", default="svc-0000")
    args = parser.parse_args(list(argv) or sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="obsc-lanes-") as tmp:
        specs = args.specs or str(write_fleet(Path(tmp), 1, rich=True))
        print(report(bounds(specs, args.service)))


if __name__ == "__main__":
    main()
