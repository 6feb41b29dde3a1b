"""Write several files into one folder together: every one of them, or none (`obsc import`'s specs).

Each text is staged first in a hidden file beside its name; then, with stops held, the names are replaced one
after the other, each replaced file kept aside until all are in. A stop or an error before that step removes
what was staged (and the folders this call made); an error in it puts every replaced file back and removes
the new names. A stopped import used to keep the specs it had written: one service imported and two not, or
with --force one spec new and two old, which a re-run then refused without --force.
SIGKILL cannot be held: in the step it can leave a `.NAME.old-PID` beside the files.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

from compiler import stops
from compiler.errors import OutputError
from compiler.output.guard import make_directory


def write_files_together(directory: str, files: Mapping[str, str]) -> None:
    """Write `directory/name` for each name, never through a link (a link at a name is replaced, not
    followed), and make `directory` if needed. Raise OutputError, with nothing changed, when one cannot be."""
    for name in files:
        target = os.path.join(directory, name)
        if os.path.isdir(target) and not os.path.islink(target):
            raise OutputError(f"cannot write {target}: it is a directory; nothing was written")
    made = _missing_folders(directory)
    staged: dict[str, str] = {}  # name → its staged file, ours to remove until it is renamed
    try:
        make_directory(directory)
        for name, text in sorted(files.items()):
            _stage(directory, name, text, staged)
        with stops.held():  # every name replaced, or none: a stop waits for the step
            _replace_all(directory, staged)
            staged.clear()
    except BaseException as exc:
        with stops.held():  # a second Ctrl-C waits for this
            for path in staged.values():
                with contextlib.suppress(OSError):
                    os.unlink(path)
            for folder in made:  # deepest first; one that is not empty stops the rest
                try:
                    os.rmdir(folder)
                except OSError:
                    break
        if not isinstance(exc, OSError):
            raise
        raise OutputError(f"cannot write in {directory}: {exc.strerror or exc}; nothing was written") from None


def _missing_folders(directory: str) -> list[str]:
    """The folders of `directory`'s path that do not exist yet, deepest first."""
    missing: list[str] = []
    folder = os.path.abspath(directory)
    while not os.path.lexists(folder) and folder != os.path.dirname(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    return missing


def _stage(directory: str, name: str, text: str, staged: dict[str, str]) -> None:
    tmp = os.path.join(directory, f".{name}.tmp-{os.getpid()}")
    with stops.held():  # the file, and `staged` naming it, come together
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        staged[name] = tmp
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _replace_all(directory: str, staged: Mapping[str, str]) -> None:
    """Rename each staged file to its name. The file a name held is first hard-linked aside (so the name is
    never missing), or moved aside where links are refused; removed once all are in, put back on an error."""
    done: list[tuple[str, str | None]] = []  # (name's path, the file it held, kept aside)
    try:
        for name, tmp in sorted(staged.items()):
            target = os.path.join(directory, name)
            aside = None
            if os.path.lexists(target):
                aside = os.path.join(directory, f".{name}.old-{os.getpid()}")
                try:
                    os.link(target, aside, follow_symlinks=False)
                except OSError:
                    os.rename(target, aside)
            done.append((target, aside))
            os.replace(tmp, target)
    except OSError:
        for target, aside in reversed(done):
            with contextlib.suppress(OSError):
                if aside is None:
                    os.unlink(target)
                    continue
                os.replace(aside, target)
                if os.path.lexists(aside):  # a rename between two links of one file does nothing
                    os.unlink(aside)
        raise
    for _, aside in done:
        if aside is not None:
            with contextlib.suppress(OSError):
                os.unlink(aside)
