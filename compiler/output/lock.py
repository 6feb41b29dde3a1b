"""One obsc run at a time per output directory: an `fcntl.flock` on a lock file beside it.

Why beside and not inside: the output directory is swapped whole (its inode changes at every
compile), it may be a git checkout whose status must not show our files, and it may not exist yet.
The lock file `.<out>.obsc-lock` lives only while a run holds it: the holder of the exclusive lock
deletes it before releasing, and a waiter that wakes up on a deleted (or replaced) file retries on
the current one, so the file never lingers beside a repository's `generated/` folder. A killed run
leaves the file behind but not the lock (the kernel drops it with the process); the next run reuses it.

`compile` takes the lock exclusively for planning, writing, validating and swapping; `check` takes
it shared (several checks at once, never during a compile). Without `wait`, a busy lock fails fast.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from compiler import stops
from compiler.errors import OutputError

SUFFIX = ".obsc-lock"


class LockBusy(OutputError):
    """Another obsc run holds the output directory and the caller asked not to wait."""


@dataclass(frozen=True, eq=False)
class _Hold:
    """One lock this process holds (its identity tells it from a later lock that got the same descriptor)."""

    fd: int
    path: str  # the lock file
    out: str  # the output directory (real path)
    exclusive: bool


# The locks this process holds, by descriptor. A stop can skip a `finally` (it is raised as the clean-up
# starts); the run's last clean-up (output/stopped.py) then finds here what is still held.
_HELD: dict[int, _Hold] = {}


def held_exclusively() -> list[str]:
    """The output directories (real paths) this process holds the exclusive lock of."""
    return sorted(hold.out for hold in _HELD.values() if hold.exclusive)


def release_all() -> None:
    """Release every lock this process still holds, as the end of its `with` would."""
    for hold in list(_HELD.values()):
        _let_go(hold)


def _let_go(hold: _Hold) -> None:
    """Release `hold` unless it was released already (by the run's last clean-up: its descriptor may be
    another file's by now)."""
    if _HELD.get(hold.fd) is hold:
        del _HELD[hold.fd]
        _release(hold.fd, hold.path, hold.exclusive)


def lock_path(out_dir: str) -> str:
    real = os.path.realpath(out_dir)
    return os.path.join(os.path.dirname(real), f".{os.path.basename(real)}{SUFFIX}")


@contextmanager
def output_lock(
    out_dir: str, *, exclusive: bool, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the lock of `out_dir` for the body. A shared lock is skipped where the lock file cannot be
    created (a read-only checkout): nothing can compile there, and check only reads."""
    path = lock_path(out_dir)
    hold: _Hold | None = None
    try:
        hold = _acquire(path, out_dir, exclusive, wait, on_wait)
        yield
    finally:
        if hold is not None:
            with stops.held():  # a stop while the lock file goes left it beside the output
                _let_go(hold)


def _acquire(
    path: str, out_dir: str, exclusive: bool, wait: bool, on_wait: Callable[[str], None] | None
) -> _Hold | None:
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    told = False
    while True:
        fd: int | None = None
        try:
            with stops.held():  # the file this run may make, and its descriptor in `fd`, come together
                fd = _open(path, out_dir, exclusive)
            if fd is None:
                return None
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                if not wait:
                    raise LockBusy(
                        f"{out_dir}: another obsc run{holder} is using this output directory; not waiting (--no-wait)"
                    ) from None
                if on_wait is not None and not told:
                    on_wait(f"obsc: waiting for another obsc run{holder} to finish with {out_dir} ...")
                    told = True
                fcntl.flock(fd, mode)
            if _same_file(fd, path):
                hold = _HELD[fd] = _Hold(fd, path, os.path.realpath(out_dir), exclusive)
                if exclusive:
                    _write_pid(fd)
                return hold
        except BaseException:
            if fd is not None:
                _HELD.pop(fd, None)
                with stops.held():  # a stop (or --no-wait) right after this run made the file: no one else may
                    _release(fd, path, exclusive=False)  # hold it, and then it goes as a last holder's does
            raise
        os.close(fd)  # the previous holder deleted or replaced the file while we waited: lock the current one


def _open(path: str, out_dir: str, exclusive: bool) -> int | None:
    """The lock file, made if missing; None where a shared lock cannot make it (a read-only checkout)."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if not exclusive and exc.errno in (errno.EACCES, errno.EROFS, errno.ENOENT):
            return None
        raise OutputError(f"{out_dir}: cannot create the lock file {path}: {exc.strerror}") from None


def _write_pid(fd: int) -> None:
    """For a waiter's message only: on a full disk the lock is held without it (raising here left the lock
    file behind and failed the run with a bare "No space left on device")."""
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
    except OSError:
        pass


def _release(fd: int, path: str, exclusive: bool) -> None:
    try:
        if not exclusive:
            try:  # the last shared holder may clean up too, when no one else holds or waits for the lock
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                exclusive = True
            except BlockingIOError:
                pass
        if exclusive and _same_file(fd, path):
            os.unlink(path)
    except OSError:
        pass  # a lock file left behind is harmless: the next run reuses it
    finally:
        os.close(fd)


def _same_file(fd: int, path: str) -> bool:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""
