"""Shared verdicts by test group: a focused test group that is the same in many services, up to their names,
is judged by two promtool runs, and the others pass by that verdict.

Why: `shape_verdicts` judges whole families (a service's test files), so a fleet whose services all differ
somewhere (a latency threshold each) judged nothing and paid ~2 s a service. But most of a service's focused
groups (`promtool_focus`: one test group and the rules it reads) do not read what differs: in the bench's
distinct fleet 49 of a rich service's 58 focused groups are the same in every service of a team, up to the
name. Here every family that no family shape judged is focused ahead, each focused group (its test file and
the rule files it loads, paths and bytes) is cut by its service's name as `focus_shapes` cuts a family, and a
group shape of at least SHARE_FROM groups runs twice, as its template named with each proof token (`a0-k` and
the 63-character `zz9-...9`). When both runs print a clean SUCCESS, its groups pass by that verdict and are not
run; otherwise, or when a bound of `shape_verdicts` is not met, each group runs as before. The runs of the
families then take their focused groups from here (`Ahead`), less those judged.

Why two runs are enough, within the bounds: the argument of `shape_verdicts` is about the files promtool reads
and holds for any one file. A focused group file is such a file: it loads only its own focused rule files and
promtool judges each file apart. Each group's files are the template with its name at the cuts byte for byte
(the digest), the name nowhere else (`focus_shapes.only_at_cuts`, checked on each group) and not a YAML word,
and each token only at the cuts of the named template. The tokens' runs pass both lengths and both sort ends,
so every name passes, the first group's included.
Not judged here: whole-run files (`--revalidate-all`, files focusing is not sure of) and OBSC_SHARE_SHAPES=0.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compiler import workers
from compiler.targets import shapes
from compiler.toolcheck import focus_shapes, shape_verdicts
from compiler.toolcheck.promtool_focus import Focused

log = logging.getLogger("obsc")
SHARE_FROM = 3  # groups of a shape: two runs judge it, so fewer would run promtool more, not less
# Shapes a promtool process judges (two one-group files each): about the groups of 7 rich services, so that
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


def focus_ahead(
    focus: Focus,
    families: Sequence[tuple[str, ...]],
    loads: dict[str, list[str] | None],
    workdir: str,
    focus_dir: str,
    run: Run,
) -> Ahead:
    """Focus `families` under `focus_dir` and judge their groups' shapes (see the module)."""
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
            group = _group(family, one, focus_dir, prefix, name)
            digest = None if group is None else _digest(focus_dir, prefix, group)
            if group is not None and digest is not None:
                by_digest.setdefault(digest, []).append(group)
    shared = [members for members in by_digest.values() if len(members) >= SHARE_FROM]
    passed, runs = _judge(shared, focus_dir, run)
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


def _group(family: tuple[str, ...], focused: Focused, focus_dir: str, prefix: str, name: str) -> _Group | None:
    """The focused group's files under `prefix`; None when its rule files are not written as the focus writes them."""
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
    return _Group(family, focused, (test, *rules), name)


def _texts(focus_dir: str, prefix: str, group: _Group) -> list[str] | None:
    try:
        return [*group.files, *(Path(focus_dir, prefix, p).read_text(encoding="utf-8") for p in group.files)]
    except (OSError, UnicodeDecodeError):
        return None


def _digest(focus_dir: str, prefix: str, group: _Group) -> str | None:
    """The group's shape (paths and texts with the name and its UIDs cut out); None when it has none."""
    texts = _texts(focus_dir, prefix, group)
    if texts is None or not focus_shapes.only_at_cuts(texts, group.name):
        return None
    cut, values = focus_shapes.cut(texts, group.name)
    digest = hashlib.sha256(f"{group.focused.group}:{len(values)}".encode())
    for text in cut:
        digest.update(f"{len(text)}:".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _judge(shared: Sequence[list[_Group]], focus_dir: str, run: Run) -> tuple[list[bool], int]:
    """Whether each shape's two token runs passed (a shape out of bounds, or with a token off its cuts, did not),
    and how many token files ran."""
    written: list[tuple[int, list[Focused]]] = []
    out = os.path.join(focus_dir, f"{PREFIX}-shape")
    for index, members in enumerate(shared):
        first = members[0]
        prefix = next(iter(first.focused.path.split("/", 1)))
        files = [os.path.join(prefix, p) for p in first.files]
        if shape_verdicts.bounds(focus_dir, files, first.name) is not None:
            continue
        texts = _texts(focus_dir, prefix, first)
        tokens = [] if texts is None else [_named(texts, first, n, out, index) for n in range(len(_TOKENS))]
        if tokens and all(t is not None for t in tokens):
            written.append((index, [t for t in tokens if t is not None]))
    verdicts = [False] * len(shared)
    if not written:
        return verdicts, 0
    count = max(workers.available_cpus(), -(-len(written) // SHAPES_PER_CALL))
    batches = [batch for batch in (written[n::count] for n in range(count)) if batch]
    done = workers.map_threads(_run_batch(run), batches, min(len(batches), workers.available_cpus()))
    for batch, findings in zip(batches, done, strict=True):
        for index, focused in batch:
            verdicts[index] = not any(line.startswith(_shown(f) + ": ") for f in focused for line in findings)
        if any(not any(line.startswith(_shown(f) + ": ") for _, fs in batch for f in fs) for line in findings):
            for index, _ in batch:  # a finding no file explains: nothing in this run passes by it
                verdicts[index] = False
    shutil.rmtree(out, ignore_errors=True)
    return verdicts, 2 * len(written)


_TOKENS = (shapes.FIRST_TOKEN, shapes.SECOND_TOKEN)


def _named(texts: list[str], group: _Group, n: int, out: str, index: int) -> Focused | None:
    """The group's template named with token `n`, written under `out`/`index-n`; None when the token stands
    anywhere but at the name's places (not even overlapping itself)."""
    token = _TOKENS[n]
    cut, values = focus_shapes.cut(texts, group.name)
    named = [focus_shapes.fill(text, focus_shapes.token_values(token, len(values))) for text in cut]
    overlapping = re.compile(f"(?={re.escape(token)})")
    if any(len(overlapping.findall(n)) != c.count(focus_shapes.mark(0)) for n, c in zip(named, cut, strict=True)):
        return None
    count = len(named) // 2
    at = os.path.join(out, f"{index}-{n}")
    try:
        for path, text in zip(named[:count], named[count:], strict=True):
            os.makedirs(os.path.dirname(os.path.join(at, path)), exist_ok=True)
            Path(at, path).write_text(text, encoding="utf-8")
    except OSError:
        return None
    source = group.focused.source.replace(group.name, token)  # shown only
    label = f"{group.focused.label}, group shape {index} of {group.focused.source}"
    path = os.path.relpath(os.path.join(at, named[0]), os.path.dirname(out))
    return Focused(path, source, group.focused.group, label)


def _shown(focused: Focused) -> str:
    return f"{focused.source} ({focused.label})"


def _run_batch(run: Run) -> Callable[[list[tuple[int, list[Focused]]]], list[str]]:
    def one(batch: list[tuple[int, list[Focused]]]) -> list[str]:
        return run([f for _, focused in batch for f in focused])

    return one
