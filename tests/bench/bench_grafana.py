"""What the Grafana target adds to compiling the 1,000-service benchmark fleet (target: at most 5 s).

Run: `python -m tests.bench.bench_grafana` (also called by `make bench`). The Grafana share is the sum of
its parts, each timed alone in one process (median of a few runs, wall and CPU seconds; CPU time is the
steadier figure on a shared machine):
- dashboards stage: evaluating platform standard dashboards (Jsonnet), when services ask for them;
- generate: the Grafana target (SDK models, encoding), without cyclic GC as in the pipeline;
- assemble + write: the bundle step and writing the Grafana files to an empty directory.
That sum is an upper bound: `obsc compile` spreads generation over worker processes (one per CPU), so its
generate part of the wall time is about generate / workers, printed too. Two fleets: the benchmark fleet of
issue 3 (tests/bench/fleet.py, rich shape: 3 SLOs and every key-metric alert; obsc's service dashboard per
service), and the same fleet where every service also asks for the examples' golden-signals standard
dashboard. Each write goes to a new directory (see bench_prometheus on deleting before writing).
Not a test: nothing here asserts.
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from compiler import workers
from compiler.api import CompileOptions, load_fleet, paused_gc
from compiler.model.types import Fleet
from compiler.output import writer
from compiler.output.bundle import assemble
from compiler.targets import TargetOptions, grafana
from compiler.targets.base import Target, artifacts
from tests.bench.fleet import scratch, with_standard_dashboard, write_fleet

SERVICES = int(os.environ.get("OBSC_BENCH_SERVICES", "1000"))
RUNS = int(os.environ.get("OBSC_BENCH_RUNS", "3"))
BUDGET_SECONDS = 5.0


def machine() -> str:
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {load}"


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `work` over RUNS runs, without cyclic GC (as `compile_specs` runs)."""
    walls, cpus = [], []
    for _ in range(RUNS):
        with paused_gc():
            wall, cpu = time.perf_counter(), time.process_time()
            work()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def measure(specs: Path, tmp: Path, label: str) -> None:
    loaded, _ = load_fleet([str(specs)], CompileOptions(), {})
    target = Target("grafana", grafana.service_artifacts, grafana.fleet_artifacts, grafana.prepare)
    stage = timed(lambda: grafana.prepare(loaded, TargetOptions()))
    fleet: Fleet = grafana.prepare(loaded, TargetOptions())
    generate = timed(lambda: artifacts(target, fleet, TargetOptions()))
    files = artifacts(target, fleet, TargetOptions())
    bundle = assemble(files, "obsc compile")
    fresh = (tmp / f"out-{i}" for i in itertools.count())
    parts = {
        "prepare stage (Jsonnet)": stage,
        "generate": generate,
        "assemble": timed(lambda: assemble(files, "obsc compile")),
        "write": timed(lambda: writer.write(writer.plan(bundle, str(next(fresh))))),
    }
    wall = sum(w for w, _ in parts.values())
    cpu = sum(c for _, c in parts.values())
    size = sum(len(a.content) for a in files) / 1e6
    print(f"{label}: {len(files)} Grafana files, {size:.1f} MB")
    print("  " + ", ".join(f"{name} {w:.2f}s wall / {c:.2f}s CPU" for name, (w, c) in parts.items()))
    verdict = "within" if wall <= BUDGET_SECONDS else "OVER"
    print(
        f"  Grafana adds {wall:.2f}s wall ({cpu:.2f}s CPU) to compile in one process: "
        f"{verdict} the {BUDGET_SECONDS:g} s target"
    )
    count = workers.worker_count(len(fleet.services))
    if count > 1:
        spread = wall - generate[0] + generate[0] / count
        print(f"  with generation spread over {count} worker processes, as `obsc compile` runs: about {spread:.2f}s")


def main() -> None:
    print(f"machine: {machine()}; {SERVICES} services, medians of {RUNS} runs")
    with scratch() as root:
        specs = write_fleet(root / "plain", SERVICES, rich=True)
        measure(specs, root / "plain", f"{SERVICES} services x 3 SLOs, obsc's service dashboards")
        specs = write_fleet(root / "standard", SERVICES, rich=True)
        with_standard_dashboard(specs)
        measure(specs, root / "standard", f"{SERVICES} services x 3 SLOs + the golden-signals standard dashboard each")


if __name__ == "__main__":
    main()
