"""`--staged`: read what the next commit holds (the git index) instead of the working tree.

Why: a pre-commit hook runs on the working tree, and pre-commit hides only the unstaged changes of tracked
files. A file on disk that the commit lacks (never added, `git rm --cached`, ignored) still reads as there:
`obsc check` passed a commit without a generated rule file, or without the spec that a committed rule file
came from, and CI's fresh clone then failed. So the index is copied (`git checkout-index`: the commit's bytes,
symlinks as symlinks) into a temporary tree laid out as the repository, and the command runs from the working
directory's counterpart there with the same relative paths: its messages name files as the user sees them.
Under `git commit -a` or `git commit FILE` git hands its hook the index of that commit (GIT_INDEX_FILE),
which git reads here too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from compiler.errors import ExitCode, SettingError, ToolError

_TIMEOUT_SECONDS = 300.0  # a checkout-index of a large monorepo's index, on a slow disk


@contextmanager
def staged_tree() -> Iterator[Callable[[str], str]]:
    """For the body: the working directory is its counterpart in a copy of the index, and the function given
    maps a path argument to the path that names the same file there. Afterwards the working directory is
    restored and the copy removed."""
    here = os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], here).rstrip("\n")
    with tempfile.TemporaryDirectory(prefix="obsc-staged-") as copy:
        _copy_index(top, copy)
        inside = os.path.join(copy, os.path.relpath(here, top))
        os.makedirs(inside, exist_ok=True)  # a folder with no tracked file
        os.chdir(inside)
        try:
            yield lambda path: counterpart(path, here, top)
        finally:
            os.chdir(here)


def _copy_index(top: str, copy: str) -> None:
    """Lay the index out under `copy`. A working-tree file whose bytes are the index's (its blob id computed here:
    git's stat cache and its assume-unchanged and skip-worktree marks say nothing of the bytes) is hard-linked
    from there, with a symlink made again: writing a 300-service fleet's 6,000 files anew took 4.5 s of a loaded
    machine's disk on every commit, hashing them 0.3 s. A link only bumps the file's ctime, which makes the
    next `git status` hash it again, once. The other files (changed, deleted, or out of a link's reach on another
    file system) are written from the index by git."""
    from_index: list[str] = []
    skipping = False  # a skip-worktree entry (a sparse checkout) needs a flag that git before 2.35 does not know
    listed = _git(["ls-files", "--stage", "-v", "-z"], top)
    not_added = _intent_to_add(top) if f" {_EMPTY_BLOB} " in listed else set()
    for line in listed.split("\0"):
        if not line:
            continue
        fields, path = line.split("\t", 1)
        tag, mode, blob, stage = fields.split(" ")
        if stage != "0" or mode == "160000" or path in not_added:
            continue  # an unmerged path (nothing can be committed then) or a submodule: checkout-index skips both
        target = os.path.join(copy, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not _link_if_same(os.path.join(top, path), target, mode, blob):
            from_index.append(path)
            skipping = skipping or tag in "Ss"
    if from_index:
        flags = ["--ignore-skip-worktree-bits"] if skipping else []
        _git(
            ["checkout-index", *flags, "-z", "--stdin", f"--prefix={os.path.join(copy, '')}"],
            top,
            "\0".join(from_index),
        )


_EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


def _intent_to_add(top: str) -> set[str]:
    """Paths marked `git add -N`: in the index as empty files, which the commit does not hold. Written out, a spec
    so marked was an empty spec ("the file holds no spec", exit 2) in a plain git hook (pre-commit clears the
    marks itself). Only such an entry reads as added in the working tree's diff against the index."""
    listed = _git(["diff", "--name-only", "--no-renames", "--no-ext-diff", "--diff-filter=A", "-z"], top)
    return {path for path in listed.split("\0") if path}


def _link_if_same(source: str, target: str, mode: str, blob: str) -> bool:
    """Put at `target` the working-tree entry `source` if it is what the index holds (`mode`, `blob`)."""
    try:
        st = os.lstat(source)
        if mode == "120000":
            if not stat.S_ISLNK(st.st_mode) or _blob_id(os.fsencode(os.readlink(source)), blob) != blob:
                return False
            os.symlink(os.readlink(source), target)
            return True
        if not stat.S_ISREG(st.st_mode) or bool(st.st_mode & stat.S_IXUSR) != (mode == "100755"):
            return False
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as fh:  # a file swapped for a FIFO since the lstat is not waited on
            opened = os.fstat(fd)
            if (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino) or _file_blob_id(fh, st.st_size, blob) != blob:
                return False
        os.link(source, target, follow_symlinks=False)
    except OSError:
        return False
    return True


def _blob_id(data: bytes, like: str) -> str:
    """git's object id of a blob holding `data`, in the hash `like` is in (SHA-1, or SHA-256 repositories)."""
    digest = _blob_digest(len(data), like)
    digest.update(data)
    return digest.hexdigest()


def _file_blob_id(fh: BinaryIO, size: int, like: str) -> str:
    """_blob_id of a file of `size` bytes, read a MiB at a time (a large file in the repository stays bounded)."""
    digest = _blob_digest(size, like)
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _blob_digest(size: int, like: str) -> hashlib._Hash:
    digest = hashlib.sha256() if len(like) == 64 else hashlib.sha1()  # git's object names, not a security use
    digest.update(b"blob %d\0" % size)
    return digest


def counterpart(path: str, here: str, top: str) -> str:
    """`path` (as given in `here`) as seen from `here`'s counterpart in the copy: a path inside the repository
    stays (or becomes) relative, so it names the copied file; one outside it becomes absolute (the commit does
    not hold it; it is read where it is)."""
    absolute = os.path.normpath(os.path.join(here, path))
    if os.path.commonpath([absolute, top]) != top:
        return absolute
    return path if not os.path.isabs(path) else os.path.relpath(absolute, here)


def committed_out(mapped: str, staged: bool) -> str:
    """`--out` as mapped by `counterpart`, refused when it is outside the repository (mapped to an absolute path):
    the commit does not hold it, and the headers compiled for the comparison name the specs' temporary copy
    (`obsc compile tmp/obsc-staged-x1y2/specs --out ...`), so every file read as drift, differently each run."""
    if staged and os.path.isabs(mapped):
        raise SettingError(
            f"--staged compares the specs with the output the next commit holds, and --out {mapped} is outside "
            "the repository; check it without --staged"
        )
    return mapped


def _git(args: list[str], cwd: str, given: str | None = None) -> str:
    git = shutil.which("git")
    if git is None:
        raise ToolError("--staged reads the git index, and git is not on PATH", ExitCode.MISSING_TOOL)
    try:
        done = subprocess.run(
            [git, *args],
            cwd=cwd,
            input=given,
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",  # a path git stores is bytes; this keeps any of them
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SettingError(f"--staged: `git {args[0]}` took over {_TIMEOUT_SECONDS:.0f} s") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise SettingError(f"--staged needs a git repository with an index: `git {args[0]}`: {why}")
    return done.stdout
