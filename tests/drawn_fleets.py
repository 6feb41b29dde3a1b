"""Drawn fleets: a seeded drawer of a platform file and a few service specs across the whole spec language, and a
runner that compiles each drawn fleet with validation (promtool/amtool run obsc's own generated tests).

A fleet obsc accepts must pass its own checks: exit 1 (the output fails its own tests), exit 70 or a traceback is
a bug, and so is an exit 2 whose message names no file. Exit 2 with a located message may be a fair refusal. A fleet
that compiles is then taken through check, diff, a recompile and a second compile (tests/drawn_round_trips.py);
any problem there is a bug too.

    make drawn-fleets SEEDS=1-200           # or: python -m tests.drawn_fleets 1-200 --jobs 2 [--keep DIR]

The drawer is split by job: tests/drawn_platform.py (the platform file), tests/drawn_services.py (the specs).

The same seed draws the same fleet while this file is unchanged; seeds from 1000 on draw every option more often
(catalogs, groups, relays, long periods); seeds from 2000 on draw 5-30 services over up to 3 teams, and a spec a
located refusal names is dropped and the rest compiled again (up to 15). tests/test_drawn_fleets.py compiles a few.

The round trips end with an edit to a file many specs share, the platform file or a Jsonnet library
(tests/drawn_shared_edits.py)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.drawn_round_trips import Fleet, first_line, round_trips
from tests.drawn_services import LARGE_FROM, draw, write

__all__ = ["compile_fleet", "draw", "write"]
LOCATED = re.compile(r"^\S+:\d+:\d+ ")  # file:line:col


def compile_fleet(seed: int, keep: Path | None, trips: bool = False) -> tuple[int, str, list[str]]:
    """Exit code and first error line of `obsc compile` (with validation) of fleet `seed`, and with `trips` the
    problems of its round trips through check, diff and a recompile."""
    with tempfile.TemporaryDirectory(prefix=f"drawn-{seed}-") as tmp:
        root = keep / str(seed) if keep else Path(tmp)
        fleet = Fleet(root)
        _, fleet.jpaths = write(seed, fleet.specs)
        done = fleet.compile("-q")
        first = first_line(done)
        dropped = 0
        while seed >= LARGE_FROM and dropped < MAX_DROPPED and (refused := _refused_spec(fleet, done)) is not None:
            refused.unlink()
            dropped += 1
            done = fleet.compile("-q")
            first = first_line(done)
        if dropped and done.returncode == 0:
            first = f"({dropped} refused spec(s) dropped)"
        problems = round_trips(fleet, seed) if trips and done.returncode == 0 else []
    return done.returncode, first, problems


MAX_DROPPED = 15  # a large fleet's refused specs dropped, one a compile, before its refusal stands


def _refused_spec(fleet: Fleet, done: subprocess.CompletedProcess[str]) -> Path | None:
    """The service spec a located refusal names (a large fleet drops it and compiles the rest: 30 drawn services
    nearly always hold one spec obsc rightly refuses, which would leave the fleet's round trips untried)."""
    first = first_line(done)
    match = LOCATED.match(first)
    if done.returncode != 2 or not match:
        return None
    path = fleet.root / first.split(":", 1)[0]
    return path if path.name.startswith("svc") and path.is_file() else None


def is_bug(rc: int, first: str, problems: list[str]) -> bool:
    """Exit 1 or 70, a traceback, an unlocated refusal, or a failed round trip."""
    return rc not in (0, 2) or first.startswith("TRACEBACK") or (rc == 2 and not LOCATED.match(first)) or bool(problems)


def seed_list(text: str) -> list[int]:
    """`1-40` or `3,7,10-12` as seeds (every drawn sweep's command line)."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += range(int(low), int(high or low) + 1)
    return seeds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="e.g. 1-200 or 3,7,10-12")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep each fleet (specs, out) in DIR/<seed>/")
    parser.add_argument("--no-round-trips", dest="trips", action="store_false", help="compile only")
    args = parser.parse_args()
    bad = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        seeds = seed_list(args.seeds)
        results = pool.map(lambda s: compile_fleet(s, args.keep, args.trips), seeds)
        for seed, (rc, first, problems) in zip(seeds, results, strict=True):
            print("\t".join([str(seed), str(rc), first, *problems]), flush=True)
            bad += is_bug(rc, first, problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
