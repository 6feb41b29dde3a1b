"""What one rule costs promtool at one evaluation step, by the selectors and operators its expression holds.

`promtool test rules` evaluates every rule a test group loads at every step of the group's timeline, and each
evaluation runs the rule's expression as a query of its own. This times rule files built for the purpose (no
obsc output): COUNT recording or alerting rules, each reading 0 (`vector(1)`), 1 or 8 selectors of its own
(joined by `or`), or 1 selector and 8 scalar operators, in a group whose timeline is 1 step or 11 steps (30m
apart), with no input series and with a sample for every selector. The 11-step run less the 1-step run, divided
by 10 steps and COUNT rules, is one rule's cost a step: the parse, the load and the process start fall out. Each
figure is the min of `runs`, a run being `copies` copies of the file in one promtool call (GOGC=400
GOMAXPROCS=1, as validation runs it).

Round 45 (2026-12-06, load ~13-16, 200 rules, 5 copies, min of 3; no data / data): ~0.02-0.03 ms a rule a step
with no selector or one; 0.06 / 0.09 with 8 scalar operators after it; 0.15 / 0.19 (0.17 / 0.23 as alerts) with
8 selectors (23 nodes). The cost follows the expression's nodes (~0.006-0.009 ms an operator, ~0.02 a selector
with its comparison and `or`), not its text (round 44: 20% less text, the same CPU); data adds 20-40%.
A rich bench service's focused groups evaluate ~4,800 rules x steps and ~76,000 nodes x steps (counted from the
text), 60% of the nodes in the burn alerts (the fast pairs' alert alone 34%) and the burst records.

    python -m tests.bench.promtool_step_cost
    python -m tests.bench.promtool_step_cost --rules 400 --runs 5
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

_ENV = {"GOGC": "400", "GOMAXPROCS": "1"}
INTERVAL_MINUTES = 30
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")  # one metric name per selector a rule reads
# (kind, selectors, scalar operators): 8 selectors are read as `(s1 > 0.1) or ... or (s8 > 0.8)` (23 nodes); 8
# scalar operators as `s1 * 1 * ... * 1` (9 nodes), so that a selector's cost and an operator's are told apart.
SHAPES = (
    ("record", 0, 0),
    ("record", 1, 0),
    ("record", 1, 8),
    ("record", 8, 0),
    ("alert", 0, 0),
    ("alert", 1, 0),
    ("alert", 8, 0),
)
STEPS = (1, 11)


def expression(index: int, selectors: int, operators: int = 0) -> str:
    """A rule's expression reading `selectors` selectors (none: a constant vector); with one selector, then
    `operators` scalar multiplications."""
    if selectors == 0:
        return "vector(1)"
    if selectors == 1:
        return f'bench:errors:rate5m{{service="s",slo="x{index % 3}"}}' + " * 1" * operators
    reads = (f'(bench:errors:rate{w}{{service="s",slo="x{index % 3}"}} > 0.{n + 1})' for n, w in enumerate(WINDOWS))
    return " or ".join(list(reads)[:selectors])


def rule_file(kind: str, selectors: int, count: int, operators: int = 0) -> str:
    """`count` rules of `kind` (record or alert), each reading `selectors` selectors; alerts never fire."""
    if kind == "record":
        rules = [{"record": f"bench:r{i}", "expr": expression(i, selectors, operators)} for i in range(count)]
    else:
        rules = [
            {
                "alert": f"Bench{i}",
                "expr": f"({expression(i, selectors, operators)}) > 100",
                "for": "5m",
                "annotations": {"summary": "{{ $labels.service }} at {{ $value | humanizePercentage }}"},
            }
            for i in range(count)
        ]
    return yaml.safe_dump({"groups": [{"name": "bench", "rules": rules}]})


def group_file(rules: str, steps: int, fed: bool) -> str:
    """One test group over `rules` whose timeline is `steps` evaluations; `fed`: a sample for every selector."""
    series = [
        {"series": f'bench:errors:rate{w}{{service="s",slo="x{j}"}}', "values": f"0.01+0x{steps * INTERVAL_MINUTES}"}
        for w in WINDOWS
        for j in range(3)
    ]
    group: dict[str, object] = {"name": "bench", "interval": "1m", "input_series": series if fed else []}
    if steps > 1:  # promtool evaluates up to the last check: one on an alert no rule has sets the timeline
        at = f"{(steps - 1) * INTERVAL_MINUTES}m"
        group["alert_rule_test"] = [{"eval_time": at, "alertname": "BenchNoSuchAlert", "exp_alerts": []}]
    doc = {"rule_files": [rules], "evaluation_interval": f"{INTERVAL_MINUTES}m", "tests": [group]}
    return yaml.safe_dump(doc)


def per_rule_step_ms(one_step: float, many_steps: float, count: int) -> float:
    """One rule's CPU a step (ms), from a 1-step and an 11-step run of `count` rules (CPU-s a copy)."""
    return (many_steps - one_step) / (STEPS[1] - STEPS[0]) / count * 1000


def _cpu(argv: Sequence[str], cwd: str) -> float:
    """promtool's CPU-s (user + system, from wait4); raises when it fails."""
    done = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **_ENV}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = done.stdout.read() if done.stdout else b""
    _, status, usage = os.wait4(done.pid, 0)
    if status != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def measure(promtool: str, count: int, runs: int, copies: int) -> list[dict[str, object]]:
    """One row per (shape, fed): CPU-s a copy at 1 and 11 steps (min of `runs`, taken in turn) and the cost of
    one rule a step."""
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="obsc-step-cost-") as tmp:
        files: dict[tuple[str, int, int, bool, int], str] = {}
        for kind, selectors, operators in SHAPES:
            rules = f"{kind}-{selectors}-{operators}.rules.yaml"
            Path(tmp, rules).write_text(rule_file(kind, selectors, count, operators))
            for fed in (False, True):
                for steps in STEPS:
                    name = f"{kind}-{selectors}-{operators}-{int(fed)}-{steps}.test.yaml"
                    Path(tmp, name).write_text(group_file(rules, steps, fed))
                    files[(kind, selectors, operators, fed, steps)] = name
        times: dict[tuple[str, int, int, bool, int], list[float]] = {key: [] for key in files}
        for _ in range(runs):  # in turn, so that the machine's drift falls on all alike
            for key, name in files.items():
                times[key].append(_cpu([promtool, "test", "rules", *[name] * copies], tmp) / copies)
        for kind, selectors, operators in SHAPES:
            for fed in (False, True):
                one, many = (min(times[(kind, selectors, operators, fed, s)]) for s in STEPS)
                shape = {"kind": kind, "selectors": selectors, "operators": operators, "fed": fed}
                rows.append(shape | {"one": one, "many": many, "ms": per_rule_step_ms(one, many, count)})
    return rows


def report(rows: Sequence[dict[str, object]], count: int) -> str:
    lines = [f"{count} rules; CPU-s a copy at {STEPS[0]} / {STEPS[1]} steps; one rule a step (ms)"]
    for r in rows:
        fed = "fed" if r["fed"] else "empty"
        lines.append(
            f"  {r['kind']:6} {r['selectors']} selector(s), {r['operators']} scalar operator(s) {fed:5}"
            f"  {r['one']:.3f} / {r['many']:.3f}  {r['ms']:.3f} ms"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=5, help="copies of a test file in one promtool call")
    parser.add_argument("--promtool", default="promtool")
    args = parser.parse_args(list(argv) or sys.argv[1:])
    print(report(measure(args.promtool, args.rules, args.runs, args.copies), args.rules))


if __name__ == "__main__":
    main()
