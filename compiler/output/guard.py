"""Refuse an output directory that would put obsc's tree among the user's own files.

obsc never deletes what it does not own, but an output directory that is `/`, a home directory, or
shares a tree with the specs is always a typo or a misunderstanding: the next compile would lay
`prometheus/`, `runbooks/`... among the specs (which a later spec discovery then reads), or walk
and lock a whole home directory. Paths are compared resolved (symlinks, `..`), existing or not.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from compiler import stops
from compiler.errors import OutputError
from compiler.output import claim


def _inside(path: str, parent: str) -> bool:
    """`path` is `parent` or below it (real paths), compared as strings and, for the folders that exist, as
    folders: the same folder can have two spellings that realpath keeps apart (a bind mount, `Specs` for `specs`
    on a case-insensitive file system), and `--out Specs/gen` then compiled into the spec tree."""
    if _below(path, parent):
        return True
    folder = _identity(parent)
    return folder is not None and folder in _chain(path)


def _below(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip(os.sep) + os.sep)


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _chain(path: str) -> set[tuple[int, int]]:
    """The identities of `path` (a real path) and of every folder above it that exists."""
    found = set()
    while True:
        folder = _identity(path)
        if folder is not None:
            found.add(folder)
        parent = os.path.dirname(path)
        if parent == path:
            return found
        path = parent


def _system_problems(out: str) -> list[str]:
    problems = []
    if out == os.path.realpath(os.sep) or _identity(out) == _identity(os.sep):
        problems.append("it is the root directory /")
    home = os.environ.get("HOME")
    if home and home != os.sep and _inside(os.path.realpath(home), out):
        problems.append(f"it is or contains the home directory {home}")
    git = git_directory_of(out)
    if git is not None:
        problems.append(
            f"it is inside the git directory {git} (a repository's own refs, objects and hooks: files written there "
            "break it, `git fsck` reporting each as an invalid ref)"
        )
    return problems


def git_directory_of(path: str) -> str | None:
    """The git directory that `path` (a real path, existing or not) is or lies below: a folder named `.git`, or one
    that git itself would take for a repository (a bare one, or a worktree's under .git/worktrees/): a `HEAD` file
    beside `objects/` and `refs/`. Round 54: `--out repo/.git/refs/heads/gen` compiled, exit 0, and every file
    written was a broken branch to git."""
    while True:
        if os.path.basename(path) == ".git" or (
            os.path.isfile(os.path.join(path, "HEAD"))
            and os.path.isdir(os.path.join(path, "objects"))
            and os.path.isdir(os.path.join(path, "refs"))
        ):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _unexpanded_home(given: str) -> list[str]:
    """A path that starts with `~` as typed reached obsc unexpanded: bash and sh expand no `~` after `--out=`, nor
    a quoted one, nor one in a Makefile variable passed on. It names a folder `~` in the working directory, which
    the compile would make, and which the user later removes with `rm -rf ~` (round 44: `--out=~/deploy/out`
    wrote 117 files below ./~/deploy/out)."""
    if not given.startswith("~"):
        return []
    home = given.split(os.sep, 1)[0]
    return [
        f"it starts with {home!r}, which no shell expanded (bash and sh expand no '~' after `--out=` or in quotes): "
        f"it would be a folder named {home!r} in the working directory; write the home directory's path "
        f"($HOME/...), or ./{given} for a folder of that name"
    ]


def refuse_system_dir(out_dir: str, flag: str) -> None:
    """Raise OutputError when `out_dir` (of `obsc import --out`, `obsc init --dir`) is `/` or holds a home, or
    names a home the shell did not expand (`~/...`)."""
    problems = _unexpanded_home(out_dir) + _system_problems(os.path.realpath(out_dir))
    if problems:
        raise OutputError(f"{flag} {out_dir}: refusing this directory: {'; '.join(problems)}; nothing was written")


def make_directory(directory: str) -> None:
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {directory}: {exc.strerror or exc}; nothing was written") from None


def write_new_file(directory: str, name: str, text: str, flag: str) -> str:
    """`directory/name`, written new (`obsc init`): never over a file or a link (even a dangling one), never in
    `/` or a folder holding the home directory. Returns its path."""
    target = os.path.join(directory, name)
    if os.path.lexists(target):
        raise OutputError(f"{target} already exists; not overwriting it")
    refuse_system_dir(directory, flag)
    make_directory(directory)
    write_text_safely(target, text)
    return target


def write_text_safely(path: str, text: str) -> None:
    """Write `path` whole or not at all, never through a link: the text goes to a new temporary file beside it
    (O_EXCL|O_NOFOLLOW: a link planted at that name is refused), which then replaces the name (a link there
    is replaced, not followed)."""
    tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.tmp-{os.getpid()}")
    made = False  # whether `tmp` is ours to remove: a stop (not only an OSError) must remove it too
    try:
        with stops.held():  # the file, and `made` saying so, come together
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            made = True
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        with stops.held():  # renamed, it is no longer ours to remove
            os.replace(tmp, path)
            made = False
    except BaseException as exc:
        with stops.held(), contextlib.suppress(OSError):  # a second Ctrl-C waits for this
            if (made or isinstance(exc, OSError)) and os.path.lexists(tmp) and not os.path.islink(tmp):
                os.unlink(tmp)
        if not isinstance(exc, OSError):
            raise
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; nothing was written there") from None


def refuse_unsafe_out(out_dir: str, inputs: Sequence[str]) -> None:
    """Raise OutputError when `out_dir` is `/`, a home directory or above one, a `~` no shell expanded, or
    overlaps an input: equal to, inside or containing a specs directory (or -J library path), or containing a spec
    file."""
    out = os.path.realpath(out_dir)
    problems = _unexpanded_home(out_dir) + _system_problems(out)
    for given in inputs:
        path = os.path.realpath(given)
        if os.path.isdir(path):
            if _inside(out, path) or _inside(path, out):
                same = out == path or _identity(out) == _identity(path) is not None
                where = "is" if same else "is inside" if _inside(out, path) else "contains"
                here = given.rstrip("/") in (".", "")
                shown = ". (the working directory: name the spec folder)" if here else given
                problems.append(f"it {where} the input directory {shown}")
        elif _inside(path, out):
            problems.append(f"it contains the input file {given}")
    if problems:  # once each: `specs -J specs` named the same folder twice
        raise OutputError(
            f"--out {out_dir}: refusing this output directory: {'; '.join(dict.fromkeys(problems))}. "
            "Choose a directory of its own (e.g. generated/ beside the specs); nothing was written"
        )


def inputs_inside(out_dir: str, inputs: Sequence[str]) -> list[str]:
    """The inputs (files or directories) that are `out_dir` or below it, compared resolved."""
    out = os.path.realpath(out_dir)
    return [given for given in inputs if _inside(os.path.realpath(given), out)]


def refuse_folders_not_ours(out_dir: str, out: str, folders: AbstractSet[str]) -> None:
    """Refuse an output whose own folders (relative to the real path `out`) this user cannot empty (a tree
    written once under `sudo`): the swap would succeed and the old tree's removal fail, leaving a full copy of
    the output beside it, in silence, at every compile. Found by the round 21 CLI hunt."""
    for folder in sorted(folders):
        path = os.path.join(out, folder)
        try:
            st = os.lstat(path)
        except OSError:  # (not there yet: nothing to remove)
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid != os.geteuid() and not os.access(path, os.W_OK | os.X_OK):
            shown = os.path.join(out_dir, folder).rstrip("/") or "."
            raise OutputError(
                f"{shown}: another user's folder this user cannot remove files from, so the old output would be "
                "left beside the new one; make the output yours (chown -R) or compile as its owner; nothing was "
                "written"
            )


def refuse_unfit_out(out_dir: str, adopt: bool) -> None:
    """compile's look at an existing --out before any work: not a mount point, and obsc's (or `adopt`ed)."""
    refuse_mount_point(out_dir)
    claim.refuse_unclaimed(out_dir, adopt)


def refuse_mount_point(out_dir: str) -> None:
    """Raise OutputError when `out_dir` is a mount point (a Docker volume, `-v $PWD/generated:/out`): compile
    builds the new tree beside it and swaps the two, which the kernel refuses there (EBUSY). Said before any
    work: it used to fail after the whole compile and validation, with "Device or resource busy". Also when a
    mount point lies below it."""
    out = os.path.realpath(out_dir)
    if not os.path.isdir(out):
        return
    mounts = mount_points()
    if os.path.ismount(out) or out in mounts:
        raise OutputError(f"--out {out_dir} is a mount point; {MOUNT_POINT_HINT}; nothing was written")
    # One below it (a share mounted at runbooks/) would go with the old tree: its files deleted through the mount.
    # Compared as strings: a stat of every mount point could hang on a dead network share.
    below = sorted(os.path.relpath(m, out) for m in mounts if m != out and _below(m, out))
    if below:
        raise OutputError(
            f"--out {out_dir}: {below[0]} is a mount point inside it; obsc replaces the output whole and deletes "
            "the old tree, which would delete that file system's files there: unmount it, or mount it outside "
            "--out; nothing was written"
        )


def mount_points() -> set[str]:
    """Every mount point, bind mounts of a folder of the same file system included (os.path.ismount does not
    see those: same device as the parent). Linux only; elsewhere the swap's own error says it."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            # field 5 is the mount point, with space, tab, newline and backslash written as octal escapes
            return {re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4]) for line in fh}
    except (OSError, IndexError):
        return set()


MOUNT_POINT_HINT = (
    "obsc replaces the output directory whole (it builds the new tree beside it and swaps the two), which the "
    "kernel refuses for a mount point: compile into a folder inside it (e.g. --out /out/generated)"
)
