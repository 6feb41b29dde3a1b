"""Validation benchmarks of issue 15 (`python -m tests.bench.bench_incremental`; `make bench` runs it).

On the rich N-service × 3-SLO fleet (OBSC_BENCH_VALIDATE_SERVICES, default 1,000), with the machine and its
load average (shared machines: compare medians on one machine, not absolute figures):
1. cold full validation: `obsc compile specs --out NEW` with no validation record, so every promtool
   check and test, the amtool routing replay and the dashboard lint run (promtool spread over every CPU;
   target ≤ 10 min for 1,000 services); the toolcheck stage is printed apart, and per service;
2. one service changed, whole directory: `obsc compile specs --out OUT` after one spec's objective changed
   (the full compile, then only that service's promtool files, its dashboard and the fleet-wide files
   whose bytes changed are validated; target ≤ 15 s);
3. one service changed, that file alone: `obsc compile specs/svc-0007.yaml --out OUT` (a subset compile:
   only its files are written, the rest kept as they are; every unit of the merged tree is looked up in
   the record).
2 and 3 are the median of RUNS runs, each on a fresh change (the objective moves on every run). Not a test.
OBSC_BENCH_KEEP=DIR keeps the validated fleet in DIR (DIR/specs, DIR/generated) and, when DIR holds one already,
skips step 1: the one-service figures of two codes can then be read in turn on one validated tree (a change to
compiler/toolcheck/*.py makes every record key new, and the first run after it validates everything).
Each figure also prints the CPU-s of the compile's process tree (user + sys of it and its reaped children).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.bench import figures
from tests.bench.fleet import scratch, write_fleet

ROOT = Path(__file__).resolve().parents[2]
# The cold full validation runs every promtool test: OBSC_BENCH_VALIDATE_SERVICES (or OBSC_BENCH_SERVICES) picks
# a smaller fleet when the full one takes too long; the size is printed beside every figure.
SERVICES = int(os.environ.get("OBSC_BENCH_VALIDATE_SERVICES") or os.environ.get("OBSC_BENCH_SERVICES") or "1000")
RUNS = int(os.environ.get("OBSC_BENCH_RUNS", "3"))
CHANGED = f"svc-{min(7, SERVICES - 1):04d}"
COLD_TARGET_SECONDS = 600.0
ONE_SERVICE_TARGET_SECONDS = 15.0


def machine() -> str:
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{os.cpu_count()} cores, {load}"


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def compile_timed(args: list[str]) -> tuple[float, dict[str, float], str]:
    """Wall seconds of one `obsc compile ARGS` (validating), its stage timings and the validation line (with the
    CPU-s of its process tree)."""
    argv = [sys.executable, "-m", "compiler", "compile", *args, "--log-format", "json", "-v"]
    cpu = _children_cpu()
    start = time.perf_counter()
    # A shared, loaded machine can slow one promtool call of 8 files past the 120 s default.
    env = {**os.environ, "OBSC_TOOL_TIMEOUT": os.environ.get("OBSC_TOOL_TIMEOUT", "1800")}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"obsc compile failed ({done.returncode}):\n{done.stderr[-3000:]}")
    stages: dict[str, float] = {}
    checks = ""
    for line in done.stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "stage" in entry:
            stages[entry["stage"]] = stages.get(entry["stage"], 0.0) + entry["seconds"]
        if "checks_run" in entry:
            checks = f"{entry['checks_run']} checks run, {entry['checks_skipped']} skipped"
    return wall, stages, f"{checks}; {cpu:.1f} CPU-s"


def change(spec: Path, run: int) -> None:
    text = spec.read_text()
    values = [f"objective: 99.{80 + r}," for r in range(1, 2 * RUNS + 4)]
    for old in ("objective: 99.9,", *values):
        if old in text:
            new = values[run % len(values)]
            new = values[(run + 1) % len(values)] if new == old else new  # (a kept tree may hold it already)
            spec.write_text(text.replace(old, new, 1))
            return
    raise SystemExit(f"no objective to change in {spec}")


def line(label: str, wall: float, stages: dict[str, float], checks: str, target: float) -> str:
    verdict = "within" if wall <= target else "over"
    return (
        f"  {label}: {wall:.1f}s ({verdict} the {target:g}s target); toolcheck {stages.get('toolcheck', 0):.1f}s, "
        f"generate {stages.get('generate', 0):.1f}s, write {stages.get('write', 0) - stages.get('toolcheck', 0):.1f}s; "
        f"{checks}"
    )


def main() -> None:
    print(f"validation benchmark: {SERVICES} services x 3 SLOs (rich), {machine()}", flush=True)
    kept = os.environ.get("OBSC_BENCH_KEEP")
    with contextlib.nullcontext(Path(kept)) if kept else scratch() as root:
        specs, out = root / "specs", root / "generated"
        if not (out / ".obsc-validated").is_file():
            specs = write_fleet(root, SERVICES, rich=True)
            wall, stages, checks = compile_timed([str(specs), "--out", str(out)])
            print(line("cold full validation (no record)", wall, stages, checks, COLD_TARGET_SECONDS))
            print(f"    toolcheck per service: {stages.get('toolcheck', 0) / SERVICES:.2f}s", flush=True)
            figures.record("cold full validation", wall, COLD_TARGET_SECONDS, SERVICES, checks)
        spec = specs / f"{CHANGED}.yaml"
        changes = 0
        for label, args in (
            ("one service changed, whole directory", [str(specs), "--out", str(out)]),
            ("one service changed, that file alone", [str(spec), "--out", str(out)]),
        ):
            runs = []
            for _ in range(RUNS):
                # A new objective on every run of both figures: with one run each, the second figure changed
                # the spec to the value the first had just set, and timed a compile with nothing to validate.
                change(spec, changes)
                changes += 1
                runs.append(compile_timed(args))
            runs.sort(key=lambda r: r[0])
            median = runs[len(runs) // 2]
            spread = f" (runs {min(r[0] for r in runs):.1f}-{max(r[0] for r in runs):.1f}s)"
            print(line(label, *median, ONE_SERVICE_TARGET_SECONDS) + spread, flush=True)
            figures.record(f"{label} (median of {RUNS})", median[0], ONE_SERVICE_TARGET_SECONDS, SERVICES)
        print(f"  median of {RUNS}; {machine()} at the end")


if __name__ == "__main__":
    main()
