"""Look at an output directory without trusting it.

Anyone may have put anything under `--out`: a symlink to a private file or to /dev/zero, a FIFO, a
git checkout. So entries are classified with lstat (scandir's d_type), symlinks are never followed,
only directories obsc writes into are listed (a foreign `.git` is never walked), and only regular
files are opened: O_NOFOLLOW | O_NONBLOCK, then fstat must say "regular file", so an entry swapped
for a FIFO or a link between the listing and the open still reads nothing.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from compiler.errors import OutputError

FILE, DIR, SYMLINK = "file", "directory", "symlink"
MAX_READ = 64 * 1024 * 1024  # an owned file bigger than this is compared as "changed", not read


@dataclass(frozen=True)
class Identity:
    """Enough of a file's lstat to notice that someone edited or replaced it."""

    ino: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_ino, st.st_mtime_ns, st.st_size)


def kind_of(mode: int) -> str:
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISDIR(mode):
        return DIR
    if stat.S_ISLNK(mode):
        return SYMLINK
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def ancestors(paths: Iterable[str]) -> set[str]:
    """Every directory (relative, posix) holding one of `paths` (normalised: no "//", no trailing "/"), the
    root "" included. Each distinct folder is walked up once: a fleet's 30,000 files sit in ~1,000 folders."""
    dirs = {""}
    for parent in {path.rpartition("/")[0] for path in paths}:
        while parent not in dirs:
            dirs.add(parent)
            parent = parent.rpartition("/")[0]
    return dirs


def is_safe_relative(path: str) -> bool:
    """A manifest line read from disk is only trusted as a plain relative path inside the tree."""
    return bool(path) and not path.startswith("/") and ".." not in path.split("/") and posixpath.normpath(path) == path


def scan(root: str, into: AbstractSet[str], inodes: dict[str, int] | None = None) -> dict[str, str]:
    """relative path → kind for every entry of `root` and of the directories in `into` (relative),
    descending only through real directories (never a symlink). `inodes` gets each entry's inode
    number (free: it comes with the listing)."""
    found: dict[str, str] = {}
    pending = [""]
    while pending:
        rel = pending.pop()
        try:
            listing = os.scandir(os.path.join(root, rel) if rel else root)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise OutputError(f"{os.path.join(root, rel)}: cannot list: {exc.strerror}") from None
        with listing:
            for entry in listing:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_symlink():
                    kind = SYMLINK
                elif entry.is_dir(follow_symlinks=False):
                    kind = DIR
                elif entry.is_file(follow_symlinks=False):
                    kind = FILE
                else:
                    kind = kind_of(entry.stat(follow_symlinks=False).st_mode)
                found[path] = kind
                if inodes is not None:
                    inodes[path] = entry.inode()
                if kind == DIR and path in into:
                    pending.append(path)
    return found


def read_regular(path: str) -> tuple[str | None, str, Identity | None]:
    """(text or None, kind, identity): the text of a regular file up to MAX_READ bytes; anything else
    (symlink, FIFO, device, gone, too big) is not read and its kind says why."""
    data, kind, found = read_bytes(path)
    return (decoded(data) if data is not None else None), kind, found


def decoded(data: bytes) -> str:
    """A file's bytes as text: every byte that is not UTF-8 kept (surrogateescape), so writing it back is exact."""
    return data.decode("utf-8", errors="surrogateescape")


def read_bytes(path: str) -> tuple[bytes | None, str, Identity | None]:
    """read_regular, undecoded: the writer compares bytes, and decodes only a file that differs."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, "missing", None
    except OSError as exc:
        try:
            return None, kind_of(os.lstat(path).st_mode), None  # ELOOP: a symlink; ENXIO: a socket...
        except OSError:
            raise OutputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, kind_of(st.st_mode), None
        if st.st_size > MAX_READ:
            return None, f"file larger than {MAX_READ >> 20} MiB", Identity.of(st)
        chunks = [os.read(fd, st.st_size + 1)]  # one read: a regular file returns all of it
        while len(chunks[-1]) and sum(map(len, chunks)) > st.st_size:  # it grew while we read
            if sum(map(len, chunks)) > MAX_READ:
                return None, f"file larger than {MAX_READ >> 20} MiB", Identity.of(st)
            chunks.append(os.read(fd, 65536))
    except OSError as exc:
        raise OutputError(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    return b"".join(chunks), FILE, Identity.of(st)


def identity(path: str) -> Identity | None:
    """The identity of a regular file at `path` (not followed), None for anything else or nothing."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return Identity.of(st) if stat.S_ISREG(st.st_mode) else None
