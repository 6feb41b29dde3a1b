"""Which test group killed each mutant of the mutation sweeps last time (`tests/mutation_hints.json`), so a sweep
tries that group first: the order a mutant's groups are tried in never changes its verdict (a mutant is killed
when any of its groups fails, `test_prometheus_mutations.kills`), only how many groups run before one fails.

Without hints a sampled mutant ran ~4 of its ~20-40 focused groups before one failed (the low-objectives sweep:
519 focused files for 121 mutants); with them, one. A hint names a mutant by its service, rule and mutation and
a group by its test file and a digest of its name: when the compiler renames a group, reorders rules or changes a
mutation, the hint no longer matches and the sweep tries that mutant's groups in its usual order (slower, the same
verdict). Refresh after such a change: `OBSC_UPDATE_MUTATION_HINTS=1` on the sweep (`make mutation-hints`), which
records each killed mutant's first failing group (the cheapest that failed, in trial order) and drops the rest."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

HINTS = Path(__file__).with_name("mutation_hints.json")
UPDATE = bool(os.environ.get("OBSC_UPDATE_MUTATION_HINTS"))
# each focused file a sweep wrote: (mutant key, group label), for recording the one that failed first
TRIED: dict[Path, tuple[str, str]] = {}


@functools.cache
def killer_hints() -> Mapping[str, str]:
    """mutant key -> the test group (`file#digest`) that killed it last time; empty when there is no file."""
    try:
        return dict(json.loads(HINTS.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {}


def record_killers(killers: Mapping[str, str], swept: set[str]) -> None:
    """With OBSC_UPDATE_MUTATION_HINTS, write each killed mutant's first failing group into the hints, and drop
    the hints of the mutants `swept` that no group killed (sweeps in several processes: the file is locked)."""
    if not UPDATE or not swept:
        return
    with _locked():
        try:
            known = dict(json.loads(HINTS.read_text(encoding="utf-8")))
        except FileNotFoundError:
            known = {}
        for key in swept:
            known.pop(key, None)
        known.update(killers)
        text = "{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(known.items())) + "\n}\n"
        HINTS.write_text(text, encoding="utf-8")


@contextmanager
def _locked() -> Iterator[None]:
    with open(Path(tempfile.gettempdir()) / "obsc-mutation-hints.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def record_runs(runs: list[list[Path]], verdicts: Mapping[Path, bool]) -> None:
    """`record_killers` for a sweep's mutants (each its focused files in trial order, as `TRIED` names them) given
    the verdict of each file that ran."""
    if not UPDATE:
        return
    killers, swept = {}, set()
    for paths in runs:
        named = [TRIED[p] for p in paths if p in TRIED]
        if not named:
            continue
        swept.add(named[0][0])
        failed = next((TRIED[p][1] for p in paths if verdicts.get(p)), None)
        if failed is not None:
            killers[named[0][0]] = failed
    record_killers(killers, swept)
