"""The tiers as pytest collects them: `make test` (`-m "not slow"`) and the slow tier partition the whole suite,
and `make test-all` collects every test id (each id of a whole-suite collection saved before, `--against`).

    python -m tests.tier_collection [--save FILE] [--against FILE]

Prints the counts; exits 1 when the tiers overlap or miss a test, or when a test id saved in FILE is no longer
collected (tests added since are listed).
Each collection is a pytest process (~5 CPU-s with warm bytecode)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

FAST = ("-m", "not slow")
SLOW = ("-m", "slow")


def collect(*selection: str) -> set[str]:
    """The test ids pytest collects from the checkout with these arguments (as `make test-all` runs it: none)."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *selection]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {run.returncode}:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return {line for line in run.stdout.splitlines() if "::" in line}


def partition_problems(whole: set[str], fast: set[str], slow: set[str]) -> list[str]:
    """What keeps the two tiers from being a partition of the whole suite (nothing when they are one)."""
    problems = [f"in both tiers: {test}" for test in sorted(fast & slow)]
    problems += [f"in no tier: {test}" for test in sorted(whole - fast - slow)]
    problems += [f"in a tier, not in the whole suite: {test}" for test in sorted((fast | slow) - whole)]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tier_collection", description=__doc__)
    parser.add_argument("--save", type=Path, help="write the whole suite's ids here, one a line, sorted")
    parser.add_argument("--against", type=Path, help="a saved whole-suite collection the whole suite must equal")
    args = parser.parse_args(argv)
    whole, fast, slow = collect(), collect(*FAST), collect(*SLOW)
    print(f"whole suite {len(whole)}, make test {len(fast)}, slow tier {len(slow)}")
    problems = partition_problems(whole, fast, slow)
    if args.save:
        args.save.write_text("".join(f"{test}\n" for test in sorted(whole)))
    if args.against:
        saved = set(args.against.read_text().splitlines()) - {""}
        # A test missing now is a test dropped (fails); one added since the file was saved is listed, not failed.
        problems += [f"not collected now: {test}" for test in sorted(saved - whole)]
        for test in sorted(whole - saved):
            print(f"new since {args.against}: {test}")
        print(f"{args.against}: {len(saved)} ids, {len(saved & whole)} of them collected now")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
