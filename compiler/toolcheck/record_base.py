"""`--record-base REV`: trust only what a git revision validated (a pull request's CI job).

The record in --out is committed by whoever changes the output, so a contributor can write a line with the
right key for bytes that fail promtool (obsc run with a stand-in tool writes one). A CI job that names the
target branch reads the record committed there instead, and a line counts only for a unit whose every file
has the same bytes as the file committed at that path there: what the pull request changed or added always
runs. What the target branch holds came in through such jobs, so its lines are ones CI wrote over bytes it
checked (a branch pushed to without them is outside this guarantee).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from compiler import conventions as names
from compiler.errors import SettingError

_TREE_ENTRY = re.compile(r"^(\d{6}) blob ([0-9a-f]{40}|[0-9a-f]{64})\t(.*)$", re.S)
_SYMLINK_MODE = "120000"
GIT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Base:
    """What a revision committed in the output folder: its record's text and each file's git blob id by path
    (relative to the output folder)."""

    record: str
    blobs: dict[str, str]


def committed(out_dir: str, rev: str | None) -> Base | None:
    """The record and file ids of `out_dir` at `rev` (None without one); SettingError (exit 2) when they
    cannot be read."""
    if rev is None:
        return None
    if not os.path.isdir(out_dir):
        raise SettingError(f"--record-base {rev}: --out {out_dir} does not exist: it must be a folder of a checkout")
    if rev.startswith("-"):
        raise SettingError(f"--record-base {rev}: a revision, not an option")
    # Only the newline goes: a folder may begin with a space (` ci/out/`), and stripping it named another one.
    prefix = _git(out_dir, rev, "rev-parse", "--show-prefix").removesuffix("\n")
    commit = _git(out_dir, rev, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").strip()
    root = _git(out_dir, rev, "rev-parse", "--show-toplevel").removesuffix("\n")
    _refuse_another_folder(out_dir, rev, root)
    if _git(out_dir, rev, "rev-parse", "--show-superproject-working-tree").strip():
        raise SettingError(
            f"--record-base {rev}: --out {out_dir} is inside a git submodule, whose revisions and record are not "
            "the repository's: compile into a folder of the repository itself"
        )
    listing = _git(root, rev, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    blobs: dict[str, str] = {}
    for entry in filter(None, listing.split("\0")):
        found = _TREE_ENTRY.match(entry)
        if found and found.group(1) != _SYMLINK_MODE and found.group(3).startswith(prefix):
            blobs[found.group(3)[len(prefix) :]] = found.group(2)
    record = blobs.get(names.VALIDATION_RECORD)
    return Base(_git(root, rev, "cat-file", "blob", record) if record else "", blobs)


def _refuse_another_folder(out_dir: str, rev: str, root: str) -> None:
    """A symlink inside the repository on the way to --out (`generated -> other`, or `-> .`, committed by a pull
    request) made git read the revision's `other/`: a folder no job validated, with whatever record it holds.
    Symlinks above the repository (a CI workspace reached through one) are no concern."""
    top = os.path.realpath(root)
    path = os.path.abspath(out_dir)
    while (parent := os.path.dirname(path)) != path:
        inside = os.path.realpath(parent)
        if inside != top and not inside.startswith(top.rstrip(os.sep) + os.sep):
            return
        if os.path.islink(path):
            raise SettingError(
                f"--record-base {rev}: --out {out_dir} leads through the symlink {path}: the revision would be read "
                "at the folder it points to; give --out as the folder itself"
            )
        path = parent


def blob_id(data: bytes, like: str) -> str:
    """Git's id of a blob holding `data`, in the hash of the id `like` (SHA-1, or SHA-256 repositories)."""
    digest = "sha256" if len(like) == 64 else "sha1"
    return hashlib.new(digest, b"blob %d\0" % len(data) + data).hexdigest()


def _git(cwd: str, rev: str, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise SettingError(f"--record-base {rev}: git is not on PATH")
    try:
        done = subprocess.run(
            [git, *args], cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SettingError(f"--record-base {rev}: git could not run ({exc})") from exc
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = said[-1] if said else "no such commit"
        raise SettingError(f"--record-base {rev}: {why} (fetch the base branch, e.g. `git fetch origin main`)")
    return done.stdout.decode("utf-8", "surrogateescape")
