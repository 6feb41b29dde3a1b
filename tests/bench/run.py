"""`make bench`: compile-time figures for a synthetic fleet, and the other benchmarks that exist.

Prints medians of several runs with the machine noted; figures are for comparison between commits
on the same machine, not absolute promises. Not a test: nothing here asserts.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.fleet import write_fleet

ROOT = Path(__file__).resolve().parents[2]
SERVICES = int(os.environ.get("OBSC_BENCH_SERVICES", "1000"))
RUNS = int(os.environ.get("OBSC_BENCH_RUNS", "3"))


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def compile_once(specs: Path, out: Path, *extra: str) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--log-format", "json", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    stages = {}
    for line in proc.stderr.splitlines():
        entry = json.loads(line)
        if "stage" in entry:
            stages[entry["stage"]] = entry["seconds"]
    return wall, stages


def bench_compile() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        specs = write_fleet(Path(tmp), SERVICES)
        for label, fresh in (("cold (empty output dir)", True), ("warm (nothing changed)", False)):
            walls, stage_runs = [], []
            for _ in range(RUNS):
                out = Path(tmp) / "out"
                if fresh:
                    subprocess.run(["rm", "-rf", str(out)], check=True)
                wall, stages = compile_once(specs, out, "--no-validate")
                walls.append(wall)
                stage_runs.append(stages)
            per_stage = {s: statistics.median(r.get(s, 0.0) for r in stage_runs) for s in stage_runs[0]}
            files = sum(1 for p in (Path(tmp) / "out").rglob("*") if p.is_file())
            print(
                f"compile {SERVICES} services, {label}: median {statistics.median(walls):.2f}s "
                f"(min {min(walls):.2f}, max {max(walls):.2f}) over {RUNS} runs, {files} files"
            )
            print("  stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in per_stage.items()))


def main() -> None:
    print(f"machine: {machine()}")
    bench_compile()
    for module in ("tests.bench.bench_grafana", "tests.bench.bench_rule_cost"):
        try:
            bench = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        print(f"--- {module}")
        bench.main()


if __name__ == "__main__":
    main()
