"""`make bench`: every benchmark that exists, one after the other, with the machine noted.

- tests.bench.bench_prometheus: `obsc compile` of the 1,000-service × 3-SLO fleet (cold and warm, stage
  timings, one process against worker processes), rules per SLO, promtool check and test times;
- tests.bench.bench_grafana: what Grafana adds to that compile;
- tests.bench.bench_incremental: cold full validation, and one service changed (compile + validate);
- tests.bench.bench_rule_cost: rule evaluation cost in a real Prometheus, when present;
- tests.bench.calibrate, at the start and the end: the machine's speed on two fixed workloads.

Figures are medians of several runs, for comparison between commits on the same machine, not absolute
promises; the load average is printed because the machine may be shared. Temporary trees are all removed
at the end, not after each benchmark: on this machine's ext4 (no journal), creating files for minutes
after many were deleted costs several times more, so one benchmark's clean-up would slow the next one's
writes. The issue-15 figures (cold compile, one service changed, cold full validation) are printed again at
the end in one block (tests/bench/figures.py), each with its fleet size and load average. Not a test.
"""

from __future__ import annotations

import importlib
import os
import platform

from tests.bench import calibrate, figures, fleet

BENCHMARKS = (
    "tests.bench.bench_prometheus",
    "tests.bench.bench_grafana",
    "tests.bench.bench_incremental",
    "tests.bench.bench_rule_cost",
)


def machine() -> str:
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {load}"


def main() -> None:
    print(f"machine: {machine()}")
    print(calibrate.line(), flush=True)
    with fleet.cleanup_at_the_end():
        for module in BENCHMARKS:
            try:
                bench = importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise  # the benchmark exists but something it needs does not
                continue
            print(f"--- {module}", flush=True)
            bench.main()
    print(figures.block() or "no issue-15 figure was measured")
    print(f"machine at the end: {machine()}")
    print(calibrate.line())


if __name__ == "__main__":
    main()
