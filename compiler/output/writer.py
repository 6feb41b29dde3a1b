"""Compare a bundle with an output directory, and replace the directory atomically.

obsc owns exactly the files its manifest lists; everything else under `--out` is foreign and survives untouched:
`.git`, dotfiles, notes, empty directories, symlinks (never followed), FIFOs (never opened), directory modes.

Design: one whole-tree swap, with foreign entries moved across whole. The new tree is built beside the
output (`.<out>.obsc-staging-*`), unchanged files hard-linked into it, and validated there. Then, under
the lock and after validation, the live tree is looked at again: a runbook a human edited meanwhile
(in place or by an editor's write-then-rename) is taken as it is now, and every foreign entry (as it is
now, so a note created during validation is included) is renamed into the staged tree, whole: a `.git`
directory moves as one rename, with its modes, links and refs intact. One `renameat2(RENAME_EXCHANGE)`
then swaps the trees. Why not per-file in-place updates: a crash would then leave a mix of old and new
files (a rule file from one spec set beside the Alertmanager config of another); the swap keeps "a kill
at any moment leaves the old tree or the new one". The price is a short window (the moves, then the
exchange: milliseconds) in which foreign entries sit in the staging tree; a journal written before the
first move lets the next run put them back (see swap.py). A foreign file created in the output in
that window stays in the old tree and is lost with it; so is anything a process holds open by
directory (a shell whose cwd is inside `--out` sees the old tree).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import posixpath
import stat
from collections.abc import Callable
from collections.abc import Set as AbstractSet

from compiler import conventions, stops
from compiler.errors import OutputError
from compiler.output import direct, guard, lock, swap, tree
from compiler.output import subset as subsets
from compiler.output.bundle import (
    Artifact,
    Bundle,
    Ownership,
    is_unedited_stub,
    manifest_format,
    parse_manifest,
    same_bytes,
)
from compiler.output.file_changes import FileChange as FileChange  # (re-exported: the plan is read as writer.Plan)
from compiler.output.file_changes import Plan as Plan
from compiler.output.file_changes import Status as Status
from compiler.output.guard import MOUNT_POINT_HINT
from compiler.output.strangers import loaded_strangers, warning


def compile_into(
    bundle: Bundle,
    out_dir: str,
    validate: Callable[[str], None] | None = None,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    subset: subsets.Subset | None = None,
) -> Plan:
    """`obsc compile`'s write: under the exclusive lock, repair a killed run's leftovers, plan, write.
    A `subset` compile keeps what it does not own of the fleet's output (output/subset.py)."""
    real = os.path.realpath(out_dir)
    try:
        os.makedirs(os.path.dirname(real), exist_ok=True)
    except OSError as exc:
        raise cannot_create(out_dir, exc) from None
    with lock.output_lock(out_dir, exclusive=True, wait=wait, on_wait=on_wait):
        try:
            swap.recover(real)
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot clean up after an interrupted run: {exc.strerror}") from None
        p = plan(subsets.merge(bundle, out_dir, subset) if subset else bundle, out_dir)
        write(p, validate)
    return p


def check_against(
    bundle: Bundle,
    out_dir: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    subset: subsets.Subset | None = None,
) -> Plan:
    """`obsc check`'s read, under the shared lock: never in the middle of a compile's swap."""
    with lock.output_lock(out_dir, exclusive=False, wait=wait, on_wait=on_wait):
        p = plan(subsets.merge(bundle, out_dir, subset) if subset else bundle, out_dir, comparing=True)
        olds, stagings = swap.leftovers(*os.path.split(os.path.realpath(out_dir)))  # no compile runs now
    return dataclasses.replace(p, killed=tuple(olds + stagings)) if olds or stagings else p


def recorded_format(out_dir: str) -> str | None:
    """The --format `out_dir` was last compiled with (from its manifest); None when unknown."""
    try:
        text = tree.read_regular(os.path.join(os.path.realpath(out_dir), conventions.MANIFEST))[0]
    except OutputError:
        return None  # unreadable: the plan reports why
    return manifest_format(text) if text is not None else None


def plan(bundle: Bundle, out_dir: str, comparing: bool = False) -> Plan:
    """What writing `bundle` into `out_dir` would do, file by file (reads only owned regular files).

    What a compile refuses to replace (a folder where obsc writes a file, a file where it writes a folder,
    someone's own file at a generated path) is an OutputError; when only `comparing` (check, diff) it is
    drift, said per path: the output differs from what the specs compile to."""
    root = os.path.realpath(out_dir)
    if os.path.lexists(root) and not os.path.isdir(root):
        raise OutputError(f"{out_dir}: exists and is not a directory")
    exists = os.path.isdir(root)
    manifest = tree.read_regular(os.path.join(root, conventions.MANIFEST))[0] if exists else None
    owned = frozenset(parse_manifest(manifest or ""))
    produced = {a.path for a in bundle.artifacts}
    folders = frozenset(tree.ancestors(produced))
    into = folders | tree.ancestors(owned - produced)
    entries = tree.scan(root, into) if exists else {}
    problems: list[str] = []
    changes: list[FileChange] = []
    warnings: list[str] = []
    for directory in sorted(folders - {""}):
        kind = entries.get(directory)
        if kind not in (None, tree.DIR) and not (kind == tree.FILE and directory in owned):
            problems.append(f"{directory} is a {kind} where obsc writes a directory")
            warnings.append(f"{directory}: a {kind} where obsc writes a directory; {_REFUSED}")
    foreign: list[str] = []
    seen: dict[str, tree.Identity | None] = {}
    for artifact in bundle.artifacts:
        path, kind = artifact.path, entries.get(artifact.path)
        old, identity = None, None
        if kind == tree.DIR:
            problems.append(f"{path} is a directory where obsc writes a file")
            warnings.append(f"{path}: a directory where obsc writes a file; {_REFUSED}")
            changes.append(FileChange(path, Status.CHANGED, None, artifact, old_kind=kind))
            continue
        if artifact.seen is not None:  # a worker read these exact bytes here (direct.finish_against)
            if kind == tree.FILE and tree.identity(os.path.join(root, path)) == artifact.seen:
                # as it found it: not read again (a one-service change re-read and compared 33,000 files here)
                if artifact.ownership is Ownership.STUB:
                    seen[path] = artifact.seen
                changes.append(FileChange(path, Status.UNCHANGED, None, artifact))
                continue
            # Changed since (the worker sent no bytes back): a page a human edited meanwhile is theirs, as always;
            # anything else was written into the output during the compile, and this run cannot tell what to write.
            old, kind, identity = tree.read_bytes(os.path.join(root, path)) if kind == tree.FILE else (None, kind, None)
            if artifact.ownership is Ownership.STUB and old is not None and not is_unedited_stub(tree.decoded(old)):
                seen[path] = identity
                changes.append(FileChange(path, Status.PRESERVED, old))
                continue
            raise OutputError(f"{out_dir}: {path} changed while obsc compiled; nothing was written: compile again")
        if kind == tree.FILE:
            old, kind, identity = tree.read_bytes(os.path.join(root, path))
            kind = None if kind == "missing" else kind
            generated = artifact.ownership is Ownership.GENERATED
            ours = path in owned or path == conventions.MANIFEST
            if generated and old is not None and not ours and not _same(old, artifact):
                foreign.append(path)  # someone's own file where obsc writes one: never replaced unasked
                warnings.append(f"{path}: not obsc's (not in {conventions.MANIFEST}); {_REFUSED}")
                changes.append(FileChange(path, Status.CHANGED, old, artifact))
                continue
        if artifact.ownership is Ownership.STUB:
            seen[path] = identity
        if kind is None:
            changes.append(FileChange(path, Status.ADDED, None, artifact))
        elif old is None and artifact.ownership is Ownership.STUB:
            # a runbook too large to read, or a link the team put there (to its own page), is a human's, not a
            # stub: kept, as any edited runbook
            warnings.append(f"{path}: a {kind}; not read, kept as it is (runbooks are never replaced once edited)")
            changes.append(FileChange(path, Status.PRESERVED, None))
        elif old is None:
            warnings.append(f"{path}: a {kind} where obsc writes a file; not read, compile replaces it")
            changes.append(FileChange(path, Status.CHANGED, None, artifact, old_kind=kind))
        elif _same(old, artifact):  # as bytes, undecoded; before the stub check: a page obsc writes now is its own
            changes.append(FileChange(path, Status.UNCHANGED, old))  # stub, and hashing 26,000 took ~0.3 s
        elif artifact.ownership is Ownership.STUB and not is_unedited_stub(tree.decoded(old)):
            changes.append(FileChange(path, Status.PRESERVED, old))
        else:
            changes.append(FileChange(path, Status.CHANGED, old, artifact))
    for path in sorted(owned - produced):
        if entries.get(path) != tree.FILE:
            continue  # gone, or something obsc never writes (a directory, a link): not ours any more
        old, _, identity = tree.read_bytes(os.path.join(root, path))
        if old is None:
            continue
        if path.startswith(conventions.RUNBOOK_DIR + "/"):
            seen[path] = identity
            if not is_unedited_stub(tree.decoded(old)):
                changes.append(FileChange(path, Status.ORPHANED, old))
                continue
        changes.append(FileChange(path, Status.REMOVED, old))
    config = bundle.get(conventions.ALERTMANAGER_CONFIG)
    strangers = (
        tuple(loaded_strangers(root, entries, into, owned | produced, config.content if config else None))
        if exists
        else ()
    )
    warnings += map(warning, strangers)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        problems.append(
            f"{shown} {'is' if len(foreign) == 1 else 'are'} not obsc's (not in {conventions.MANIFEST}) and "
            f"{'differs' if len(foreign) == 1 else 'differ'} from what obsc writes there (a file of yours, or of "
            "an obsc run whose manifest was lost)"
        )
    if problems and not comparing:
        raise OutputError(f"{out_dir}: {'; '.join(problems)}; move it away (nothing was written)")
    changes.sort(key=lambda c: c.path)
    return Plan(out_dir, tuple(changes), owned, folders, into, seen, tuple(warnings), strangers)


_REFUSED = "compile refuses to replace it: move it away"


def _same(on_disk: bytes, artifact: Artifact) -> bool:
    """The file on disk holds what obsc writes there (bundle.same_text), compared as bytes."""
    try:
        return same_bytes(on_disk, artifact.data())
    except UnicodeEncodeError:  # a text no bytes stand for is never on disk (and its write fails, said there)
        return False


def write(
    p: Plan,
    validate: Callable[[str], None] | None = None,
    staging: str | None = None,
    prewritten: AbstractSet[str] = frozenset(),
) -> None:
    """Make the output directory match the plan, atomically; no-op when nothing changes.

    `validate` runs on the complete new tree before it replaces the old one: output the external
    tools reject never lands, and its exception propagates with the previous tree untouched.
    `staging`: a staging tree (swap.make_staging) that already holds the new files at `prewritten` paths
    (output/direct.py); it is used, or discarded on failure, like one made here.
    """
    if not p.drift:
        if validate is not None:
            validate(p.out_dir)
        return
    out = os.path.realpath(p.out_dir)
    if os.path.isdir(out) and not (os.stat(out).st_mode & stat.S_IWUSR):
        raise OutputError(f"{p.out_dir}: output directory is read-only; nothing was written")
    guard.refuse_folders_not_ours(p.out_dir, out, p.into)
    made_here = staging is None
    staging = staging or swap.staging_name(out)  # named first: from here on a stop finds it to clean up
    swapped = False
    try:
        try:
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if made_here:
                swap.make_staging(staging)
        except OSError as exc:
            raise cannot_create(p.out_dir, exc) from None
        modes = _populate(staging, out, p, prewritten)
        if validate is not None:
            validate(staging)
        _carry_across(staging, out, p, modes)
        for directory, mode in sorted(modes.items(), reverse=True):  # last: a 0500 folder still gets its files
            os.chmod(os.path.join(staging, directory), mode)
        with stops.held():  # the swap and the old tree's removal, as one step: a stop waits for both
            swap.exchange(staging, out)
            swapped = True
            swap.discard(staging)  # after the exchange it holds the old tree
    except BaseException as exc:
        if swapped:
            raise  # the new tree is in place: a stop delivered after the swap (exit 130, the output whole)
        with stops.held():  # a second Ctrl-C waits for the output to be put back
            swap.undo(staging, out)
        if not isinstance(exc, OSError):
            raise
        why = f"writing failed{_at(exc, out, staging)}: {exc.strerror or exc}"
        if exc.errno in (errno.EBUSY, errno.EXDEV):  # the swap, on a bind mount guard.py cannot see
            why = f"{why}; a mount point? {MOUNT_POINT_HINT}"
        raise OutputError(f"{p.out_dir}: {why}; the previous output is untouched") from None


def cannot_create(out_dir: str, exc: OSError) -> OutputError:
    """The output's folder could not be made. A file where a folder of its path should be was said as
    "File exists" (or "Not a directory"), naming no path: say which."""
    if exc.errno in (errno.EEXIST, errno.ENOTDIR) and isinstance(exc.filename, str):
        blocker = exc.filename
        while blocker and not os.path.lexists(blocker):
            blocker = os.path.dirname(blocker)
        if blocker and not os.path.isdir(blocker):
            why = f"{blocker} is not a folder"
            return OutputError(f"{out_dir}: cannot create output: {why}; nothing was written")
    return OutputError(f"{out_dir}: cannot create output: {exc.strerror}; nothing was written")


def _at(exc: OSError, out: str, staging: str) -> str:
    """Where in the tree a write failed (an immutable file, a folder of another owner), so the user knows what to
    move; nothing when the error names no path of it."""
    for path in (exc.filename, exc.filename2):
        for root in (out, staging):
            if isinstance(path, str) and path.startswith(root + os.sep):
                return f" at {os.path.relpath(path, root)}"
    return ""


def _populate(staging: str, out: str, p: Plan, prewritten: AbstractSet[str] = frozenset()) -> dict[str, int]:
    """Fill the staging tree with every file of the new tree: new content written, unchanged files and
    kept runbooks hard-linked from the old tree. Returns the modes its folders must end with.

    One thread and raw binary writes (open, write, close; no buffer, no newline translation). Creating a
    file here is kernel CPU (inode allocation), not waiting: a pool of 4-8 threads writing the 27,000 files
    of a 1,000-service fleet took 10-20% longer than one thread, with half again as much CPU time.
    """
    jobs: list[tuple[str, bytes | None]] = []  # (relative path, new bytes or None to carry over)
    for change in p.changes:
        if change.status in (Status.REMOVED, Status.ORPHANED):
            continue  # an orphaned page is foreign now: it moves across with the rest at the swap
        fresh = change.status in (Status.ADDED, Status.CHANGED)
        if fresh and change.path in prewritten:
            continue
        made = change.produced.data() if fresh and change.produced is not None else b""  # encoded once, if ever
        jobs.append((change.path, made if fresh else None))
    modes = {"": _mode_of(out, None) or 0o777 & ~_umask()}
    for directory in sorted(p.folders - {""}):  # parents first
        os.makedirs(os.path.join(staging, directory), exist_ok=bool(prewritten))
        mode = _mode_of(os.path.join(out, directory), None)
        if mode is not None:
            modes[directory] = mode
    for rel, content in jobs:
        if content is None:
            _carry(os.path.join(out, rel), os.path.join(staging, rel))
        else:
            direct.write_bytes(os.path.join(staging, rel), content)
    created = 0o666 & ~_umask()
    for change in p.changes:  # a rewritten file keeps its mode, as its folder does: not the umask of this run
        if change.status is Status.CHANGED:
            mode = _file_mode(os.path.join(out, change.path))
            if mode is not None and mode != created:
                os.chmod(os.path.join(staging, change.path), mode)
    return modes


def _file_mode(path: str) -> int | None:
    """The permission bits of the regular file at `path` (a symlink or anything else: None, replaced anew)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


def _carry_across(staging: str, out: str, p: Plan, modes: dict[str, int]) -> None:
    """Just before the swap: take runbooks edited during validation as they are now, and move every
    foreign entry of the live tree into the staged one (journaled first, see swap.py)."""
    into, inodes = p.into, dict[str, int]()
    if not (live_entries := tree.scan(out, into, inodes)):  # cold: no live tree, nothing to take or move
        return
    produced = {c.path for c in p.changes if c.status not in (Status.REMOVED, Status.ORPHANED)}
    removed = {c.path for c in p.changes if c.status is Status.REMOVED}
    # A page hard-linked into the new tree shows in-place edits; a new inode (an editor's rename) needs a look
    linked = {c.path for c in p.changes if c.status in (Status.UNCHANGED, Status.PRESERVED)}
    moved: list[str] = []
    for rel, kind in sorted(live_entries.items()):
        live = os.path.join(out, rel)
        if kind == tree.DIR and rel in into:
            continue  # a folder obsc writes into: rebuilt in the staged tree, its foreign entries moved one by one
        if rel in produced:
            planned = p.seen.get(rel)
            if rel in linked and planned is not None and inodes[rel] == planned.ino:
                continue
            if rel in p.seen and _edited_since(live, planned):
                os.unlink(os.path.join(staging, rel))
                _carry(live, os.path.join(staging, rel))
            continue
        if rel in removed and kind == tree.FILE and not (rel in p.seen and _edited_since(live, p.seen[rel])):
            continue  # ours and no longer produced: it goes with the old tree
        if rel == conventions.VALIDATION_RECORD and os.path.lexists(os.path.join(staging, rel)):
            continue  # this run's validation wrote a new record: the old one goes with the old tree
        moved.append(rel)
    if not moved:
        return
    swap.write_journal(staging, moved)
    for rel in moved:
        parent = posixpath.dirname(rel)
        if parent and not os.path.isdir(os.path.join(staging, parent)):
            os.makedirs(os.path.join(staging, parent))
            for directory in tree.ancestors([rel]) - {""}:
                mode = _mode_of(os.path.join(out, directory), None)
                if mode is not None:
                    modes.setdefault(directory, mode)
        swap.move(os.path.join(out, rel), os.path.join(staging, rel))


def _edited_since(live: str, planned: tree.Identity | None) -> bool:
    """Did a human put their own page at `live` after planning? (Unedited stubs do not count.)"""
    if tree.identity(live) == planned:
        return False
    text = tree.read_regular(live)[0]
    return text is not None and not is_unedited_stub(text)


def _mode_of(path: str, default: int | None) -> int | None:
    try:
        st = os.lstat(path)
    except OSError:
        return default
    return stat.S_IMODE(st.st_mode) if stat.S_ISDIR(st.st_mode) else default


def _carry(src: str, dst: str) -> None:
    """Hard-link a file into the new tree (the link itself if it is one; a copy across file systems)."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        if not os.path.isfile(src) or os.path.islink(src):
            raise
        with open(src, "rb") as fh:
            direct.write_file(dst, fh.read().decode("utf-8", errors="surrogateescape"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
