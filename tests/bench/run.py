"""`make bench`: every benchmark that exists, one after the other, with the machine noted.

- tests.bench.bench_prometheus: `obsc compile` of the 1,000-service × 3-SLO fleet (cold and warm, stage
  timings, one process against worker processes), rules per SLO, promtool check and test times;
- tests.bench.bench_grafana: what Grafana adds to that compile;
- tests.bench.bench_rule_cost: rule evaluation cost in a real Prometheus, when present.

Figures are medians of several runs, for comparison between commits on the same machine, not absolute
promises; the load average is printed because the machine may be shared. Before each benchmark the file
system is flushed and left alone for a few seconds: on this machine's ext4 (no journal), files created
while many recently deleted inodes are still dirty in the cache cost several times more (the previous
benchmark's clean-up, or `make test`'s, would be timed). Not a test: nothing asserts.
"""

from __future__ import annotations

import importlib
import os
import platform
import time

BENCHMARKS = ("tests.bench.bench_prometheus", "tests.bench.bench_grafana", "tests.bench.bench_rule_cost")


def machine() -> str:
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {load}"


SETTLE_SECONDS = 6.0  # ext4 skips an inode freed less than 5 s ago once its table block is written back


def settle() -> None:
    """Write dirty pages back and wait, so that earlier deletions no longer slow file creation."""
    if hasattr(os, "sync"):
        os.sync()
    time.sleep(SETTLE_SECONDS)


def main() -> None:
    print(f"machine: {machine()}")
    for module in BENCHMARKS:
        try:
            bench = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise  # the benchmark exists but something it needs does not
            continue
        print(f"--- {module}", flush=True)
        settle()
        bench.main()


if __name__ == "__main__":
    main()
