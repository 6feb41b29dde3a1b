"""How fast this machine is today, in CPU-seconds of two fixed workloads that no commit changes.

Machines of the same kind here have run the same suite at 310 and 470 CPU-s on different days, so a figure
measured on one day says little about another. This prints the CPU time of a fixed pure-Python workload (the
standard library only, nothing of obsc) and of a fixed promtool unit test (rules and series written here), so
that every README figure can carry them: a figure that differs from a re-run by as much as the references do
is the machine, not the code. `python -m tests.bench.calibrate`; `make bench` prints it at its start.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

# 24 recording rules over one counter: a rate and an average at each window, up to a day, as SLO rules are.
_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d")
_RULES = "groups:\n- name: calibrate\n  rules:\n" + "".join(
    f"  - record: r_{kind}_{window}\n    expr: {kind}(calls_total[{window}])\n"
    for window in _WINDOWS
    for kind in ("rate", "increase", "avg_over_time", "max_over_time")
)
_MINUTES = 1440
_TEST = f"""rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
- interval: 1m
  input_series:
  - series: calls_total
    values: 0+60x{_MINUTES}
  promql_expr_test:
  - expr: r_rate_5m
    eval_time: {_MINUTES}m
    exp_samples: [{{labels: r_rate_5m, value: 1}}]
"""


def python_cpu() -> float:
    """CPU-s of a fixed standard-library workload: JSON, regular expressions, sorting, string building."""
    start = time.process_time()
    rng = random.Random(15)
    words = re.compile(r"[a-z]+_[0-9]+")
    for _ in range(40):
        doc = [{"name": f"svc_{rng.randrange(10**6)}", "values": [rng.random() for _ in range(50)]} for _ in range(400)]
        text = json.dumps(doc, sort_keys=True)
        back = json.loads(text)
        back.sort(key=lambda d: (d["name"], d["values"][0]))
        "".join(m.group(0) for m in words.finditer(text))
    return time.process_time() - start


def promtool_cpu() -> float | None:
    """CPU-s of one fixed promtool unit test (one thread, GOGC=400 as obsc runs it); None without promtool."""
    promtool = shutil.which("promtool")
    if promtool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "rules.yaml").write_text(_RULES)
        (Path(tmp) / "test.yaml").write_text(_TEST)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        env = dict(os.environ, GOGC="400", GOMAXPROCS="1")
        subprocess.run([promtool, "test", "rules", "test.yaml"], cwd=tmp, env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def line(runs: int = 3) -> str:
    """The machine reference as one line: the fastest of `runs` of each workload."""
    py = min(python_cpu() for _ in range(runs))
    tool = [t for t in (promtool_cpu() for _ in range(runs)) if t is not None]
    promtool = f"{min(tool):.2f} CPU-s" if tool else "no promtool"
    load = f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"machine reference: Python {py:.2f} CPU-s, promtool {promtool} (best of {runs}; {load})"


if __name__ == "__main__":
    print(line())
