"""Shared verdicts by test group: a focused test group that is the same in many services, up to their names
(the service's, and the team's), is judged by two or four promtool runs, and the others pass by that verdict.

Why: `shape_verdicts` judges whole families (a service's test files), so a fleet whose services all differ
somewhere (a latency threshold each) judged nothing and paid ~2 s a service. But most of a service's focused
groups (`promtool_focus`: one test group and the rules it reads) do not read what differs: in the bench's
distinct fleet 49 of a rich service's 58 focused groups are the same in every service, up to the service's and
the team's names. Here every family that no family shape judged is focused ahead, each focused group (its test
file and the rule files it loads, paths and bytes) is cut by its service's name as `focus_shapes` cuts a
family, and by its team's name (from the model, `teams`) where it holds it (`group_names`). A group shape of at
least SHARE_FROM groups runs as its template named with each proof token: the service's `a0-k` and the
63-character `zz9-...9`, and, for a shape that cuts the team, each of those with each team token (`a0-t`, the
63-character `zz8-...8`: four runs). A shape that cuts the team is judged across teams only when that takes
fewer runs than judging it within each team (two runs a team of SHARE_FROM groups or more). When every run
prints a clean SUCCESS, its groups pass by that verdict and are not run; otherwise, or when a bound of
`shape_verdicts` is not met, each group runs as before. The runs of the families then take their focused
groups from here (`Ahead`), less those judged.

Why these runs are enough, within the bounds: the argument of `shape_verdicts` is about the files promtool
reads and holds for any one file. A focused group file is such a file: it loads only its own focused rule files
and promtool judges each file apart. Each group's files are the template with its names at the cuts byte for
byte (the digest), each name nowhere else (neither inside the other, nor in a UID; checked on each group), not
a YAML word, and each token only at its own cuts of the named template. Two names: equality compares words
holding each name at fixed places, and the four runs pass both lengths of each name, so a word's count of
either name is fixed; a regex or a function reading a label that holds either name keeps the shape in full
(`shape_verdicts.bounds` for each name); an order of label sets is allowed only over labels that hold one of
the names, each against at most one other word between its tokens, so it turns on two comparisons (the
service's name against its word, the team's against its own), and the four runs pass each of their four
outcomes. So every pair of names passes, the first group's included.
Not judged here: whole-run files (`--revalidate-all`, files focusing is not sure of) and OBSC_SHARE_SHAPES=0.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compiler import workers
from compiler.targets import shapes
from compiler.toolcheck import group_names, shape_verdicts
from compiler.toolcheck.group_names import SERVICE_PAIRS, TEAM_PAIRS
from compiler.toolcheck.promtool_focus import Focused

log = logging.getLogger("obsc")
SHARE_FROM = 3  # groups of a shape: two runs judge it, so fewer would run promtool more, not less
# Shapes a promtool process judges (two or four one-group files each): the groups of 7 to 14 rich services, so that
# OBSC_TOOL_TIMEOUT bounds a few services' work, as promtool.FILES_PER_CALL does for the families' runs.
SHAPES_PER_CALL = 200
PREFIX = "ahead"  # focus_dir/PREFIX-N: family N's focused groups; PREFIX-shape: the tokens' files
_RULE_FILES = re.compile(r"\Arule_files:\n((?:- .*\n)+)")  # as the focus writes a group's rule files
Run = Callable[[list[Focused]], list[str]]  # promtool on focused test files: its findings (none: all passed)
Focus = Callable[[str, Sequence[str], Sequence[str], str, str], list[Focused] | None]  # `FocusShapes.focus`


@dataclass
class Ahead:
    """Families focused ahead: each one's prefix under the focus directory and its groups still to run (those
    judged by their group's shape left out); a family it does not hold is focused when it runs."""

    prefixes: dict[tuple[str, ...], str] = field(default_factory=dict)
    to_run: dict[tuple[str, ...], list[Focused]] = field(default_factory=dict)
    judged: int = 0  # groups passed by the verdict of their shape
    by_shape: list[str] = field(default_factory=list)  # test files every group of which passed so


@dataclass(frozen=True)
class _Group:
    family: tuple[str, ...]
    focused: Focused
    files: tuple[str, ...]  # under the family's prefix: the test file, then the rule files it loads
    name: str
    team: str | None  # the team's name when the shape cuts it too (`group_names`)
    digest: str


def focus_ahead(
    focus: Focus,
    families: Sequence[tuple[str, ...]],
    loads: dict[str, list[str] | None],
    workdir: str,
    focus_dir: str,
    run: Run,
    teams: Mapping[str, str] | None = None,
) -> Ahead:
    """Focus `families` under `focus_dir` and judge their groups' shapes (see the module); `teams`: each
    service's team, from the model (a service it lacks is cut by its own name only)."""
    ahead = Ahead()
    if len(families) < SHARE_FROM or not shapes.enabled():
        return ahead
    by_digest: dict[str, list[_Group]] = {}
    for index, family in enumerate(families):
        prefix = f"{PREFIX}-{index}"
        rule_files = loads[family[0]] or []
        got = focus(workdir, family, rule_files, focus_dir, prefix)
        if got is None:
            shutil.rmtree(os.path.join(focus_dir, prefix), ignore_errors=True)
            continue  # runs whole, as it would have
        ahead.prefixes[family], ahead.to_run[family] = prefix, got
        if len(rule_files) != 1:
            continue
        name = PurePosixPath(rule_files[0]).stem
        for one in got:
            group = _group(family, one, focus_dir, prefix, name, (teams or {}).get(name))
            if group is not None:
                by_digest.setdefault(group.digest, []).append(group)
    shared, written = _prepared(by_digest.values(), focus_dir)
    passed, runs = _judge(written, run), sum(len(files) for files in written)
    shutil.rmtree(os.path.join(focus_dir, f"{PREFIX}-shape"), ignore_errors=True)
    judged = {(m.family, m.focused) for members, ok in zip(shared, passed, strict=True) if ok for m in members}
    for family, got in ahead.to_run.items():
        ahead.to_run[family] = [f for f in got if (family, f) not in judged]
        left = {f.source for f in ahead.to_run[family]}
        ahead.by_shape += sorted({f.source for f in got} - left)
    ahead.judged = len(judged)
    if judged:
        log.info("promtool: %d test group(s) passed by the verdict of their group's shape (%d shape(s), %d runs)",
                 len(judged), sum(passed), runs)  # fmt: skip
    return ahead


def _group(
    family: tuple[str, ...], focused: Focused, focus_dir: str, prefix: str, name: str, team: str | None
) -> _Group | None:
    """The focused group's files under `prefix` and its shape; None when its rule files are not written as the
    focus writes them, or its name cannot be cut."""
    test = os.path.relpath(focused.path, prefix)
    try:
        head = Path(focus_dir, focused.path).read_text(encoding="utf-8")[:4096]
    except (OSError, UnicodeDecodeError):
        return None
    found = _RULE_FILES.match(head)
    if found is None or name in shape_verdicts.YAML_WORDS:
        return None
    rules = []
    for line in found.group(1).splitlines():
        path = line[2:].strip().strip('"')
        if not path or any(c in path for c in "*?[{\\'\""):
            return None
        rules.append(os.path.normpath(os.path.join(os.path.dirname(test), path)))
    if any(r.startswith("..") for r in rules):
        return None
    files = (test, *rules)
    texts = _texts(focus_dir, prefix, files)
    cut = None if texts is None else group_names.cut(texts, name, team)
    if cut is None:
        return None
    return _Group(family, focused, files, name, cut.team, cut.digest(focused.group))


def _texts(focus_dir: str, prefix: str, files: Sequence[str]) -> list[str] | None:
    try:
        return [*files, *(Path(focus_dir, prefix, p).read_text(encoding="utf-8") for p in files)]
    except (OSError, UnicodeDecodeError):
        return None


def _prepared(shaped: Iterable[list[_Group]], focus_dir: str) -> tuple[list[list[_Group]], list[list[Focused]]]:
    """The shapes to judge and each one's token files, written under `focus_dir`/PREFIX-shape. A shape that cuts
    the team is judged across its teams (four runs) when that takes fewer runs than its teams apart (two runs
    a team of SHARE_FROM groups or more, one a group in a smaller one), and within each team otherwise, or when
    it is out of bounds across teams."""
    out = os.path.join(focus_dir, f"{PREFIX}-shape")
    shared: list[list[_Group]] = []
    written: list[list[Focused]] = []

    def judge(members: list[_Group], across: bool) -> bool:
        files = _tokens(members[0], across, focus_dir, out, len(written))
        if files is not None:
            shared.append(members)
            written.append(files)
        return files is not None

    for members in shaped:
        by_team: dict[str | None, list[_Group]] = {}
        for member in members:
            by_team.setdefault(member.team, []).append(member)
        apart = sum(len(SERVICE_PAIRS) if len(g) >= SHARE_FROM else len(g) for g in by_team.values())
        if members[0].team is not None and len(TEAM_PAIRS) < apart and judge(members, True):
            continue
        for alike in by_team.values():
            if len(alike) >= SHARE_FROM:
                judge(alike, False)
    return shared, written


def _tokens(first: _Group, across: bool, focus_dir: str, out: str, index: int) -> list[Focused] | None:
    """The shape's template (`first`'s files cut) named with each token pair (its team's too when `across`
    teams), written under `out`/`index-n`; None when a bound of `shape_verdicts` is not met, or a token stands
    anywhere but at its places."""
    prefix = next(iter(first.focused.path.split("/", 1)))
    team = first.team if across else None
    why = shape_verdicts.bounds(focus_dir, [os.path.join(prefix, p) for p in first.files], first.name, team)
    texts = None if why is not None else _texts(focus_dir, prefix, first.files)
    cut = None if texts is None else group_names.cut(texts, first.name, team)
    if cut is None or cut.team != team:
        log.debug("promtool: the group shape of %s runs group by group: %s", first.focused.source, why or "no cut")
        return None
    files = []
    for n, (service, team_token) in enumerate(TEAM_PAIRS if across else SERVICE_PAIRS):
        named = cut.named(service, team_token)
        if named is None:
            return None
        count = len(named) // 2
        at = os.path.join(out, f"{index}-{n}")
        try:
            for path, text in zip(named[:count], named[count:], strict=True):
                os.makedirs(os.path.dirname(os.path.join(at, path)), exist_ok=True)
                Path(at, path).write_text(text, encoding="utf-8")
        except OSError:
            return None
        source = first.focused.source.replace(first.name, service)  # shown only
        named_team = f", team {team_token}" if team_token else ""
        label = f"{first.focused.label}, group shape {index} of {first.focused.source}{named_team}"
        path = os.path.relpath(os.path.join(at, named[0]), os.path.dirname(out))
        files.append(Focused(path, source, first.focused.group, label))
    return files


def _judge(written: Sequence[list[Focused]], run: Run) -> list[bool]:
    """Whether each shape's token runs all passed (a finding of a run that no file explains fails every shape
    of that run)."""
    verdicts = [False] * len(written)
    if not written:
        return verdicts
    indexed = list(enumerate(written))
    count = max(workers.available_cpus(), -(-len(indexed) // SHAPES_PER_CALL))
    batches = [batch for batch in (indexed[n::count] for n in range(count)) if batch]
    done = workers.map_threads(_run_batch(run), batches, min(len(batches), workers.available_cpus()))
    for batch, findings in zip(batches, done, strict=True):
        for index, focused in batch:
            verdicts[index] = not any(line.startswith(_shown(f) + ": ") for f in focused for line in findings)
        if any(not any(line.startswith(_shown(f) + ": ") for _, fs in batch for f in fs) for line in findings):
            for index, _ in batch:  # a finding no file explains: nothing in this run passes by it
                verdicts[index] = False
    return verdicts


def _shown(focused: Focused) -> str:
    return f"{focused.source} ({focused.label})"


def _run_batch(run: Run) -> Callable[[list[tuple[int, list[Focused]]]], list[str]]:
    def one(batch: list[tuple[int, list[Focused]]]) -> list[str]:
        return run([f for _, focused in batch for f in focused])

    return one
