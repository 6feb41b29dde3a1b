"""How focused test files run: cut into runs of about equal cost (`chunks`), and a focused group that failed
printing an alert without annotations run again with every annotation kept (`with_annotations`).

Why a group runs again: a focused group loads the alert rules it expects quiet without their annotations
(`focus_quiet`, ~5% of a rich service's promtool CPU). The verdict is the same, but if such a rule fires (a broken
expression, a hold cut short), promtool prints its alert with `Annotations:{}` where the whole file prints its
summary: the one line a reviewer reads to know which alert it is. So a failing group whose findings show an alert
without annotations is focused again with them kept, and that run's findings stand in for the first's: the whole
file's message, paid for only when a group fails (a passing group prints nothing, so it never runs twice). A group
whose findings show no such alert printed nothing a stripped rule changes, and is not run again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence

from compiler.toolcheck.promtool_focus import Focused, focus_family

BARE = "Annotations:{}"  # how promtool 2.42 prints an alert with no annotations (`got:` or `exp:`)
Refocus = Callable[[Sequence[Focused]], list[Focused]]  # the groups focused again, annotations kept
Run = Callable[[list[str], Mapping[str, str]], list[str]]  # promtool on focused files shown as given; findings


def to_run_again(findings: Sequence[str], focused: Sequence[Focused], shown: Mapping[str, str]) -> list[Focused]:
    """The `focused` groups (shown as `shown[path]` at the start of their findings) that print a bare alert."""
    bare = [line for line in findings if BARE in line]
    return [f for f in focused if any(line.startswith(shown[f.path] + ": ") for line in bare)]


def with_annotations(
    findings: list[str], focused: Sequence[Focused], shown: Mapping[str, str], refocus: Refocus, run: Run
) -> list[str]:
    """`findings` of the `focused` groups, each failing group that printed a bare alert's replaced by those of a
    run of it focused again with its annotations; the first run's kept where the second cannot be made or
    reports nothing (a verdict is never dropped)."""
    again = to_run_again(findings, focused, shown)
    redone = refocus(again) if again else None
    if not redone:
        return findings
    by_source = {(f.source, f.group): shown[f.path] for f in again}
    shown_again = {f.path: by_source[f.source, f.group] for f in redone if (f.source, f.group) in by_source}
    second = run(sorted(shown_again), shown_again)
    names = [name + ": " for name in shown_again.values()]
    replaced = {name: [line for line in second if line.startswith(name)] for name in names}
    replaced = {name: lines for name, lines in replaced.items() if lines}
    out: list[str] = []
    done: set[str] = set()
    for line in findings:
        name = next((n for n in replaced if line.startswith(n)), None)
        if name is None:
            out.append(line)
        elif name not in done:  # the first of its lines: the second run's in their place
            out.extend(replaced[name])
            done.add(name)
    return out


ANNOTATED = "-annotated"  # after a family's prefix: where its groups focused again are written


def refocus(
    workdir: str, families: Sequence[tuple[str, Sequence[str], Sequence[str]]], out_dir: str, again: Sequence[Focused]
) -> list[Focused]:
    """The `again` groups focused anew with every annotation kept, each family's (its prefix, test files, rule files)
    under its prefix + ANNOTATED; a family whose files cannot be written again gives none."""
    out: list[Focused] = []
    for prefix, tests, rule_files in families:
        only: dict[str, set[int]] = {}
        for f in again:
            if f.path.startswith(prefix + "/"):
                only.setdefault(f.source, set()).add(f.group)
        if only:
            out += focus_family(workdir, tests, rule_files, out_dir, prefix + ANNOTATED, only, annotated=True) or []
    return out


_EVALUATION_INTERVAL = re.compile(r'^evaluation_interval:\s*"?(\d+)([smh])"?\s*$', re.M)
_DENSE_SECONDS = 300  # a group evaluated more often than every 5m costs ~3x its bytes' share (measured, 1m)


def chunks(files: list[str], ways: int, workdir: str) -> list[list[str]]:
    """Focused test `files` cut into at most `ways` runs of consecutive files of about equal cost, so that
    several promtool processes can share them; consecutive, so that the runs' findings put together keep the
    files' order. A file's cost is guessed from its bytes, thrice for a group evaluated every minute."""
    if ways <= 1 or len(files) <= 1:
        return [files]
    costs = [_cost(os.path.join(workdir, f)) for f in files]
    share, spent = sum(costs) / ways, 0
    runs: list[list[str]] = []
    current: list[str] = []
    for file, cost in zip(files, costs, strict=True):
        if current and spent + cost / 2 > share * (len(runs) + 1) and len(runs) < ways - 1:
            runs.append(current)
            current = []
        current.append(file)
        spent += cost
    return [*runs, current]


def _cost(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    found = _EVALUATION_INTERVAL.search(text)
    seconds = int(found.group(1)) * {"s": 1, "m": 60, "h": 3600}[found.group(2)] if found else _DENSE_SECONDS
    return len(text) * (3 if seconds < _DENSE_SECONDS else 1)
