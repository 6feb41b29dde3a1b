"""What the Grafana target adds to compiling the 1,000-service benchmark fleet (target: at most 5 s).

Run: `python -m tests.bench.bench_grafana` (also called by `make bench`). The pipeline runs its stages one
after the other, so the Grafana share is the sum of its parts, each timed alone (median of a few runs, wall
and CPU seconds; CPU time is the steadier figure on a shared machine):
- dashboards stage: evaluating platform standard dashboards (Jsonnet), when services ask for them;
- generate: the Grafana target (SDK models, encoding);
- assemble + write: the bundle step and writing the Grafana files to an empty directory.
Two fleets: the benchmark fleet as is (obsc's service dashboard per service), and the same fleet where every
service also asks for the examples' golden-signals standard dashboard. Not a test: nothing here asserts.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from compiler.api import CompileOptions, load_fleet, render_standard_dashboards
from compiler.model.types import Fleet
from compiler.output import writer
from compiler.output.bundle import assemble
from compiler.spec.loader import JsonnetOptions
from compiler.targets import TargetOptions, grafana
from tests.bench.fleet import write_fleet

ROOT = Path(__file__).resolve().parents[2]
SERVICES = int(os.environ.get("OBSC_BENCH_SERVICES", "1000"))
RUNS = int(os.environ.get("OBSC_BENCH_RUNS", "3"))
BUDGET_SECONDS = 5.0
STANDARD = """
standard_dashboards:
  golden-signals: lib/golden-signals.jsonnet
"""


def machine() -> str:
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}{load}"


def timed(work: Callable[[], object], before: Callable[[], object] = lambda: None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `work` over RUNS runs; `before` runs untimed ahead of each."""
    walls, cpus = [], []
    for _ in range(RUNS):
        before()
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def with_standard_dashboard(specs: Path) -> None:
    """Every service also asks for the examples' golden-signals standard dashboard."""
    (specs / "lib").mkdir(exist_ok=True)
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", specs / "lib")
    text = (specs / "platform.yaml").read_text()
    text = text.replace("defaults:\n", "defaults:\n  dashboards: [service, golden-signals]\n", 1)
    (specs / "platform.yaml").write_text(text + STANDARD)


def measure(specs: Path, tmp: Path, label: str) -> None:
    loaded, _ = load_fleet([str(specs)], CompileOptions(), {})
    stage = timed(lambda: render_standard_dashboards(loaded, JsonnetOptions()))
    fleet: Fleet = render_standard_dashboards(loaded, JsonnetOptions())
    generate = timed(lambda: grafana.generate(fleet, TargetOptions()))
    artifacts = grafana.generate(fleet, TargetOptions())
    bundle = assemble(artifacts, "obsc compile")
    out = tmp / "out"
    parts = {
        "dashboards stage (Jsonnet)": stage,
        "generate": generate,
        "assemble": timed(lambda: assemble(artifacts, "obsc compile")),
        "write": timed(lambda: writer.write(writer.plan(bundle, str(out))), lambda: shutil.rmtree(out, True)),
    }
    wall = sum(w for w, _ in parts.values())
    cpu = sum(c for _, c in parts.values())
    size = sum(len(a.content) for a in artifacts) / 1e6
    print(f"{label}: {len(artifacts)} Grafana files, {size:.1f} MB")
    print("  " + ", ".join(f"{name} {w:.2f}s wall / {c:.2f}s CPU" for name, (w, c) in parts.items()))
    verdict = "within" if wall <= BUDGET_SECONDS else "OVER"
    print(f"  Grafana adds {wall:.2f}s wall ({cpu:.2f}s CPU) to compile: {verdict} the {BUDGET_SECONDS:g} s target")


def main() -> None:
    print(f"machine: {machine()}; {SERVICES} services, medians of {RUNS} runs")
    with tempfile.TemporaryDirectory() as tmp:
        specs = write_fleet(Path(tmp) / "plain", SERVICES)
        measure(specs, Path(tmp), f"{SERVICES} services, obsc's service dashboards")
        specs = write_fleet(Path(tmp) / "standard", SERVICES)
        with_standard_dashboard(specs)
        measure(specs, Path(tmp), f"{SERVICES} services + the golden-signals standard dashboard each")


if __name__ == "__main__":
    main()
