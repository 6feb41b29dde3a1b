"""Compile and Prometheus benchmark of issue 3 (`python -m tests.bench.bench_prometheus`; `make bench` runs it).

The benchmark fleet (tests/bench/fleet.py, rich shape): N services × 3 SLOs with every key-metric alert.
Prints, with the machine and its load average (the machine may be shared, which slows every figure):
- `obsc compile --no-validate` wall time, cold (into an empty output directory) and warm (nothing changed),
  median of RUNS runs, with each stage's median (`--log-format json`: load, validate, dashboards, generate,
  write; "other" is interpreter start-up, imports and the report); then one run in a single process
  (OBSC_JOBS=1) to show what the worker processes bring, and one cold run right after a tree of the same
  size was deleted beside the output (see below);
- rules per SLO and the files written;
- `promtool check rules` over the whole fleet (one call);
- `promtool test rules` over a sample of services (one call), extrapolated to the fleet.

On this machine's ext4 (no journal) creating files for minutes after many were deleted nearby is several
times slower: the kernel steps over recently freed inodes one by one for each new file. The writer places
its new tree away from its parent's block group (see output/writer.py), and the last cold run shows what
is left of the effect; otherwise cold runs each write a new directory and nothing is deleted until the
end, and the cost of creating an empty file beside the output is printed before them (others' clean-ups
on a shared machine show there). Not a test: nothing here asserts. Figures compare commits on one machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from tests.bench import figures
from tests.bench.fleet import scratch, write_fleet

ROOT = Path(__file__).resolve().parents[2]
SERVICES = int(os.environ.get("OBSC_BENCH_SERVICES", "1000"))
RUNS = int(os.environ.get("OBSC_BENCH_RUNS", "3"))
TESTED = int(os.environ.get("OBSC_BENCH_TESTED_SERVICES", "20"))  # promtool test sample size
TARGET_SECONDS = 10.0  # issue 3: compile of the 1,000-service fleet on a 2-core machine
ISSUE_15_TARGET_SECONDS = 5.0  # issue 15: the same cold compile
CHECK_TARGET_SECONDS = 30.0  # issue 3: promtool check rules of the whole fleet
STAGES = ("load", "validate", "prepare", "generate", "write")


def machine() -> str:
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {load}"


def timed(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done


def compile_once(specs: Path, out: Path, env: dict[str, str] | None = None) -> tuple[float, dict[str, float]]:
    """Wall seconds of one `obsc compile --no-validate`, and its stage timings."""
    argv = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate"]
    wall, done = timed([*argv, "--log-format", "json"], ROOT, env)
    if done.returncode != 0:
        raise SystemExit(f"compile failed (exit {done.returncode}): {done.stderr[-2000:]}")
    stages: dict[str, float] = {}
    for line in done.stderr.splitlines():
        entry = json.loads(line)
        if "stage" in entry:
            stages[entry["stage"]] = stages.get(entry["stage"], 0.0) + entry["seconds"]
    return wall, stages


def summary(label: str, runs: list[tuple[float, dict[str, float]]]) -> str:
    walls = [wall for wall, _ in runs]
    median = statistics.median(walls)
    stages = {s: statistics.median(r.get(s, 0.0) for _, r in runs) for s in STAGES}
    other = median - sum(stages.values())
    spread = f" (min {min(walls):.2f}, max {max(walls):.2f}) over {len(runs)} runs" if len(runs) > 1 else ""
    parts = ", ".join(f"{s} {v:.2f}" for s, v in stages.items())
    return f"  {label}: {median:.2f}s{spread}\n    stages (median s): {parts}, other {other:.2f}"


PROBE_FILES = 5000


def file_creation(root: Path, count: int = PROBE_FILES) -> float:
    """Seconds to create `count` empty files right now (kept until the end, unless deleted by the caller):
    it varies several-fold on this machine with what was deleted lately (see the module docstring)."""
    start = time.perf_counter()
    for i in range(count):
        folder = os.path.join(root, str(i // 100))
        if i % 100 == 0:
            os.makedirs(folder)
        os.close(os.open(os.path.join(folder, f"{i}.yaml"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    return time.perf_counter() - start


def rules_per_slo(rule_file: Path) -> Counter[str]:
    data = yaml.safe_load(rule_file.read_text())
    return Counter(r["labels"]["slo"] for g in data["groups"] for r in g["rules"] if "slo" in r.get("labels", {}))


def bench_compile(specs: Path, root: Path) -> Path:
    """Cold, warm and single-process compiles; returns one compiled tree."""
    probe = file_creation(root / "probe")
    cold = [compile_once(specs, root / f"out-cold-{i}") for i in range(RUNS)]
    # The same fleet with every service its own shape: nothing is shared (compiler/targets/shapes.py).
    distinct_specs = write_fleet(root / "distinct", SERVICES, rich=True, distinct=True)
    distinct = [compile_once(distinct_specs, root / f"out-distinct-{i}") for i in range(RUNS)]
    out = root / "out-cold-0"
    warm = [compile_once(specs, out) for _ in range(RUNS)]
    serial = [compile_once(specs, root / "out-one-process", dict(os.environ, OBSC_JOBS="1"))]
    files = sum(1 for p in out.rglob("*") if p.is_file())
    file_creation(root / "deleted", files)
    shutil.rmtree(root / "deleted")
    after_delete = [compile_once(specs, root / "out-after-delete")]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    cold_median = statistics.median(w for w, _ in cold)
    verdict = "within" if cold_median <= TARGET_SECONDS else "OVER"
    print(f"compile {SERVICES} services x 3 SLOs, every key-metric alert (--no-validate): {files} files, {size:.0f} MB")
    per_file = probe / PROBE_FILES
    print(
        f"  file system just before the cold runs: {per_file * 1e3:.3f} ms to create an empty file beside "
        f"the output ({per_file * files:.2f}s for {files} files)"
    )
    print(summary("cold (empty output directory)", cold))
    print(summary("cold, every service its own shape (a latency threshold each: nothing shared)", distinct))
    print(summary("warm (nothing changed)", warm))
    print(summary("cold, in one process (OBSC_JOBS=1)", serial))
    print(summary(f"cold, right after {files} files were deleted beside the output", after_delete))
    print(f"  cold median {cold_median:.2f}s: {verdict} the {TARGET_SECONDS:g} s target")
    figures.record("cold compile (median, --no-validate)", cold_median, ISSUE_15_TARGET_SECONDS, SERVICES)
    return out


def main() -> None:
    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    print(f"machine: {machine()}")
    with scratch() as root:
        specs = write_fleet(root, SERVICES, rich=True)
        out = bench_compile(specs, root)
        rule_files = sorted((out / "prometheus/rules").glob("*.yaml"))
        rules = sum(
            1
            for f in rule_files
            for line in f.read_text().splitlines()
            if line.lstrip().startswith(("- record:", "- alert:"))
        )
        per_slo = rules_per_slo(rule_files[0])
        print(f"  {rules} rules in {len(rule_files)} files; rules per SLO (alerts included): {dict(per_slo)}")
        if promtool is None:
            print("promtool not installed: check/test figures skipped")
            return
        relative = [str(f.relative_to(out)) for f in rule_files]
        wall, done = timed([promtool, "check", "rules", *relative], out)
        verdict = "within" if wall <= CHECK_TARGET_SECONDS else "OVER"
        print(
            f"promtool check rules, {len(relative)} files in one call: {wall:.2f}s (exit {done.returncode}): "
            f"{verdict} the {CHECK_TARGET_SECONDS:g} s target"
        )
        sample = sorted(str(p.relative_to(out)) for p in (out / "prometheus/tests").glob("*.test.yaml"))
        services = sorted({Path(p).name.split(".")[0] for p in sample})[:TESTED]
        chosen = [p for p in sample if Path(p).name.split(".")[0] in services]
        wall, done = timed([promtool, "test", "rules", *chosen], out)
        per_service = wall / max(1, len(services))
        print(
            f"promtool test rules, {len(services)} services ({len(chosen)} files) in one call: {wall:.2f}s "
            f"(exit {done.returncode}); {per_service:.2f}s per service, ~{per_service * SERVICES / 60:.0f} min "
            f"for all {SERVICES} (obsc compile tests every service; it caches passed files by content)"
        )


if __name__ == "__main__":
    main()
