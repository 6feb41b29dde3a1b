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

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
        _git(["checkout-index", "--all", f"--prefix={os.path.join(copy, '')}"], top)
        inside = os.path.join(copy, os.path.relpath(here, top))
        os.makedirs(inside, exist_ok=True)  # a folder with no tracked file
        os.chdir(inside)
        try:
            yield lambda path: counterpart(path, here, top)
        finally:
            os.chdir(here)


def counterpart(path: str, here: str, top: str) -> str:
    """`path` (as given in `here`) as seen from `here`'s counterpart in the copy: a path inside the repository
    stays (or becomes) relative, so it names the copied file; one outside it becomes absolute (the commit does
    not hold it; it is read where it is)."""
    absolute = os.path.normpath(os.path.join(here, path))
    if os.path.commonpath([absolute, top]) != top:
        return absolute
    return path if not os.path.isabs(path) else os.path.relpath(absolute, here)


def _git(args: list[str], cwd: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ToolError("--staged reads the git index, and git is not on PATH", ExitCode.MISSING_TOOL)
    try:
        done = subprocess.run(
            [git, *args], cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise SettingError(f"--staged: `git {args[0]}` took over {_TIMEOUT_SECONDS:.0f} s") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise SettingError(f"--staged needs a git repository with an index: `git {args[0]}`: {why}")
    return done.stdout
