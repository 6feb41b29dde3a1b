"""Which files of the given paths are specs: nothing a user put in a spec folder is left out without a word.

Taken: files ending in .yaml, .yml or .jsonnet, in any letter case (`AUTH.YAML` is a spec, not noise), below
every folder, symlinked folders included when they resolve inside the folder named. Left out, and why:
- names starting with a dot (`.git`, `.venv`, `.draft.yaml`): tools' folders and files by convention;
- `.jsonnet` files below a folder named `lib`: Jsonnet libraries and platform standard dashboards
  (`lib/golden-signals.jsonnet` is a `function(service)`), never specs; reported by `-v`. A YAML file there
  is a spec like any other: a Jsonnet library is never YAML.
Refused, with the path (the files are never opened): a symlink, to a file or a folder, that resolves outside the
folder it was found in; a file the walk reaches again through a symlink (it is read at one path: round 52); a
symlinked folder that contains itself (a loop); FIFOs, sockets and devices; a folder holding an obsc output (its
`.obsc-manifest`); a `.json` file that is an obsc spec (apiVersion obsc/v1: YAML reads JSON, so named alone it
compiles, and left out it would be a service missing without a word).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path as FsPath

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.spec import files, libyaml

SPEC_SUFFIXES = (".yaml", ".yml", ".jsonnet")
PLATFORM_STEMS = ("platform",)
LIBRARY_FOLDER = "lib"
MAX_FOLDERS = 100_000  # symlinked folders can multiply a tree without a loop: a walk stays bounded


def is_jsonnet(path: str) -> bool:
    return path.lower().endswith(".jsonnet")


def discover(paths: Sequence[str], skipped: list[str] | None = None) -> tuple[list[str], list[str], list[Diagnostic]]:
    """Expand files and directories into (spec files, platform files, problems), sorted.

    Only regular files are taken, and a symlink only when it resolves inside the directory it was found in
    (or named from): a spec repository's symlink to /etc/... or to another team's 0600 file is reported
    without being opened, so its content never shows up in an error. FIFOs and devices are reported, never
    opened (opening a FIFO blocks until someone writes to it). `skipped` receives the library files left out.
    """
    libyaml.require()  # here, in the main process, before any worker reads a spec
    specs: set[str] = set()
    platforms: set[str] = set()
    problems: list[Diagnostic] = []
    reals: dict[str, str] = {}  # each file found -> its real path
    linked: set[str] = set()  # the files found through a symlink
    for raw in paths:
        p = FsPath(raw)
        if p.is_dir():
            root = os.path.realpath(p)
            for child in _walk(p, root, problems, skipped):
                real = reals[child.as_posix()] = _take(child, root, specs, platforms, problems)
                if real != os.path.join(root, os.path.relpath(child, p)):
                    linked.add(child.as_posix())
        elif os.path.lexists(p) and not p.is_dir():
            folder = os.path.realpath(p.parent)
            real = reals[p.as_posix()] = _take(p, folder, specs, platforms, problems)
            if real != os.path.join(folder, p.name):
                linked.add(p.as_posix())
        else:
            problems.append(Diagnostic(Location(raw), (), _missing(raw)))
    _read_once(reals, linked, specs, platforms, problems)
    return sorted(specs), sorted(platforms), problems


def _read_once(
    reals: dict[str, str], linked: set[str], specs: set[str], platforms: set[str], problems: list[Diagnostic]
) -> None:
    """A file taken at two paths, one through a symlink, is read at one: its own path when the walk takes it there.
    Read twice, its services were each defined twice, and the message stood at the first in sort order (round 52:
    alpha's link to bravo's spec was reported at bravo's file, whose team had changed nothing)."""
    if not linked:
        return
    taken = {reals[path]: path for path in sorted(specs | platforms) if path not in linked}
    for path in sorted(p for p in linked if p in specs or p in platforms):
        first = taken.setdefault(reals[path], path)
        if first != path:
            (platforms if path in platforms else specs).discard(path)
            message = f"is {first} again, reached through a symlink: a file is read once, at that path; not read here"
            problems.append(Diagnostic(Location(path), (), message))


def _missing(raw: str) -> str:
    """A path that names nothing: a pattern the shell left as written (nothing matched it, or it was quoted), or a
    relative path from another folder than the one meant (a CI step's working directory)."""
    parts = FsPath(raw).parts
    wild = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), None)
    if wild is not None:
        folder = FsPath(*parts[:wild]).as_posix() if wild else "."
        stars = " (in sh, `**` is `*`: one folder level, not any)" if "**" in raw else ""
        return (
            "no such file or directory: obsc does not expand patterns; the shell does, unquoted, and passes one "
            f"that matches nothing as written{stars}: name the folder instead, `{folder}`, to read every spec below it"
        )
    if not os.path.isabs(raw):
        return f"no such file or directory (relative to the current directory, {os.getcwd()})"
    return "no such file or directory"


def _walk(top: FsPath, root: str, problems: list[Diagnostic], skipped: list[str] | None) -> Iterator[FsPath]:
    """Spec-named files below `top`, symlinked folders inside `root` followed (each walk's chain of real
    folders is kept, so a link back up is a reported loop, not an endless walk)."""
    stack: list[tuple[FsPath, tuple[str, ...], bool]] = [(top, (root,), False)]
    folders = 0
    while stack:
        folder, chain, in_library = stack.pop()
        folders += 1
        if folders > MAX_FOLDERS:
            message = f"more than {MAX_FOLDERS:,} folders below it (symlinked folders repeating?); not read further"
            problems.append(Diagnostic(Location(top.as_posix()), (), message))
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Diagnostic(Location(folder.as_posix()), (), f"cannot read: {exc.strerror}"))
            continue
        if any(entry.name == conventions.MANIFEST for entry in entries):
            problems.append(Diagnostic(Location(folder.as_posix()), (), _OUTPUT_FOLDER))
            continue
        below: list[tuple[FsPath, tuple[str, ...], bool]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = folder / entry.name
            if _is_folder(entry):  # follows a symlink
                real = os.path.realpath(child)
                if entry.is_symlink() and (problem := _folder_link_problem(real, root, chain)):
                    problems.append(Diagnostic(Location(child.as_posix()), (), problem))
                    continue
                below.append((child, (*chain, real), in_library or entry.name == LIBRARY_FOLDER))
            elif entry.name.lower().endswith(".json") and _json_spec(entry):
                problems.append(Diagnostic(Location(child.as_posix()), (), _JSON_SPEC))
            elif entry.name.lower().endswith(SPEC_SUFFIXES):
                if in_library and is_jsonnet(entry.name):
                    if skipped is not None:
                        skipped.append(child.as_posix())
                    continue
                yield child
        stack.extend(reversed(below))


# An output a compile of one spec file or team folder wrote inside the fleet's spec tree (its guard sees only the
# paths given): read as specs, its rule files and alertmanager.yml were a flood of schema errors (round 34 hunt).
_OUTPUT_FOLDER = (
    f"an obsc output folder (it holds {conventions.MANIFEST}), not specs: not read; move it out of the spec "
    "folders (e.g. to generated/ beside them)"
)


# A spec written as JSON in a spec folder was left out without a word (its service missing from the output, the
# compile green): YAML reads JSON, so a .json file named on the command line compiled, the same file in the folder
# did not. Other .json files (`obsc schema > specs/obsc.schema.json`, dashboards) are no specs and stay unread.
_JSON_SPEC = (
    "a spec written as JSON (its apiVersion is obsc/v1), not read: obsc reads .yaml, .yml and .jsonnet files from "
    "a folder; rename it to .yaml (YAML reads JSON as it is)"
)
_OBSC_API = re.compile(rb'"apiVersion"\s*:\s*"obsc/v1"')


def _json_spec(entry: os.DirEntry[str]) -> bool:
    """Whether a .json file of a spec folder is an obsc document. Only a regular file is opened (a symlink out of
    the folder never is), and only its first 64 KiB read."""
    try:
        if not entry.is_file(follow_symlinks=False):
            return False
        with open(entry.path, "rb") as fh:
            return bool(_OBSC_API.search(fh.read(65536)))
    except OSError:
        return False


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether the entry is a folder, or a symlink to one. A symlink that cannot be followed (a loop: `a.yaml`
    pointing at itself) raised from inside the walk, an internal error (exit 70); as a file, `_take` reports it."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _folder_link_problem(real: str, root: str, chain: tuple[str, ...]) -> str | None:
    if not (real == root or real.startswith(root + os.sep)):
        return f"is a symlink to a folder outside {_shown(root)}; not read"
    if any(real == up or up.startswith(real + os.sep) for up in chain):
        return "is a symlink to a folder that contains it (a loop); not read"
    return None


def _shown(root: str) -> str:
    cwd = os.getcwd()
    return os.path.relpath(root) if root == cwd or root.startswith(cwd + os.sep) else root


def _take(child: FsPath, root: str, specs: set[str], platforms: set[str], problems: list[Diagnostic]) -> str:
    """Take a spec or platform file found in `root`; its real path (taken or not)."""
    real = os.path.realpath(child)
    if not (real == root or real.startswith(root + os.sep)):
        problems.append(
            Diagnostic(Location(child.as_posix()), (), f"is a symlink to a file outside {_shown(root)}; not read")
        )
        return real
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        problems.append(Diagnostic(Location(child.as_posix()), (), f"cannot read: {exc.strerror}"))
        return real
    if not stat.S_ISREG(mode):
        problems.append(
            Diagnostic(Location(child.as_posix()), (), f"is not a regular file ({files.kind(mode)}); not read")
        )
        return real
    (platforms if child.stem in PLATFORM_STEMS else specs).add(child.as_posix())
    return real


def named_once(paths: Sequence[str]) -> tuple[str, ...]:
    """The spec arguments less those that add nothing to the others: the same folder or file spelled twice
    (`specs ./specs`), a folder or file whose every spec a folder also named reads (`specs specs/payments`).
    Read twice, a file was a duplicate of itself ("service 'checkout' is already defined" at its own line), and
    the repeat made a directory compile a subset or wrote both paths into the "Regenerate with" headers, which a
    check of the directory read as drift in every file. A folder is only ever covered by folders (named, it is
    the whole fleet); an argument that reads nothing or has a problem stays, for its message."""
    reads: list[frozenset[str] | None] = []
    for raw in paths:
        found, platforms, problems = discover([raw])
        real = frozenset(os.path.realpath(f) for f in (*found, *platforms))
        reads.append(real if real and not problems else None)
    folders = [os.path.isdir(p) for p in paths]
    kept = list(range(len(paths)))
    for i in reversed(range(len(paths))):  # the first spelling stays
        mine = reads[i]
        if mine is None:
            continue
        others = {f for j in kept if j != i and (folders[j] or not folders[i]) for f in reads[j] or ()}
        if mine <= others:
            kept.remove(i)
    return tuple(paths[i] for i in kept)
