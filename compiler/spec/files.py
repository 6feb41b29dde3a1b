"""Reading one input file safely: regular files only, never more than a limit.

Shared by the loader (spec and platform files) and the Jsonnet worker (imports).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

from compiler.errors import Diagnostic, InputError, Location

MAX_FILE_BYTES = 4 * 1024 * 1024  # a service spec is ~30 lines; 4 MiB is generous and still fast

# For the YAML files shipped in the package (schema, window catalogs, defaults): libyaml's safe loader gives
# the same data as yaml.safe_load (a test compares) at a tenth of the CPU, paid by every compile.
SHIPPED_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_regular(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or InputError.

    Opened non-blocking and checked on the open descriptor: a FIFO swapped in after discovery cannot block
    the read, and a file growing after the check is cut at the limit, not read until memory runs out.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError([Diagnostic(Location(path), (), f"cannot read: {exc.strerror}")]) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                [Diagnostic(Location(path), (), f"is not a regular file ({kind(info.st_mode)}); not read")]
            )
        data = b"" if info.st_size > limit else fh.read(limit + 1)
    if info.st_size > limit or len(data) > limit:
        size = f"{info.st_size:,} bytes" if info.st_size > limit else f"over {limit:,} bytes"
        message = (
            f"file is {size}; specs are limited to {limit:,} bytes (split it, or check that this is really a spec)"
        )
        raise InputError([Diagnostic(Location(path), (), message)])
    return data


def link_folders(path: str) -> tuple[str, ...]:
    """The real folder holding each symlink on `path`, in order: `teams/alpha/x.yaml -> ../bravo/.draft.yaml` is a
    link of alpha's folder, whatever the file it reads."""
    found, prefix = [], ""
    for part in Path(path).parts:
        prefix = os.path.join(prefix, part)
        if os.path.islink(prefix):
            found.append(os.path.realpath(os.path.dirname(prefix) or "."))
    return tuple(found)


def is_regular(path: str) -> bool:
    """Whether `path` names a regular file now (following symlinks, as `read_regular` opens it): for a file named
    in the platform that nothing reads yet (a standard dashboard no spec lists)."""
    return os.path.isfile(path)


def kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    for test, name in kinds:
        if test(mode):
            return name
    return "a socket" if stat.S_ISSOCK(mode) else "a directory" if stat.S_ISDIR(mode) else "not a file"
