"""A cold compile's files, written into the staging tree by the worker processes that generate them.

Why: when `--out` does not exist or is empty there is nothing to compare, keep or hard-link, so every
file is new. Writing 30,000 files is kernel CPU (inode allocation, about 2-4 s for the 1,000-service
fleet); done by the parent after generation it ran on one core while the other sat idle, and the parent
first had to unpickle, header and encode 280 MB of text. Each worker now finishes (header, stub marker)
and writes its own part as soon as it is generated, so the writing overlaps generation on every CPU.
Everything else stays the writer's (output/writer.py): the lock is taken and the staging tree made before
the workers start, the parent writes the manifest, validation runs on the staged tree, one atomic swap.

Into an output that exists (round 54), the workers read instead: each finished file is compared with the live
output's (finish_against), and one holding those bytes already travels back as its path and identity only.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence

from compiler.errors import OutputError
from compiler.output import tree
from compiler.output.bundle import Artifact, Ownership, check_path, header, same_bytes, stub_marker
from compiler.output.swap import STAGING

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC  # what open(path, "wb") asks for


def write_file(path: str, content: str) -> None:
    """Raw binary write: no buffer, no newline translation (the bytes `obsc check` compares)."""
    write_bytes(path, content.encode("utf-8", errors="surrogateescape"))


def write_bytes(path: str, data: bytes) -> None:
    """`data` as the whole file at `path`, through the descriptor: a file object per file (its buffer
    settings, an fstat) cost more CPU than the write itself for a fleet's 30,000 small files."""
    fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:  # a full disk (ENOSPC), a file size limit (EFBIG): name the file, as open's error does
        exc.filename = exc.filename or path
        raise
    finally:
        os.close(fd)


def output_of(staging: str) -> str:
    """The output directory a staging tree (swap.staging_name: `.<out>.obsc-staging-<hex>` beside it) is for."""
    parent, name = os.path.split(staging.rstrip(os.sep))
    return os.path.join(parent, name[1 : name.rfind(STAGING)])


def finished_bytes(artifact: Artifact, command: str) -> bytes:
    """The bytes of `bundle.finish(artifact, command)` (same checks), encoded once: a runbook's body was
    encoded for its checksum, joined to its marker as text, and the whole encoded again to be written."""
    path = check_path(artifact.path)
    if artifact.ownership is Ownership.GENERATED:
        head = header(path, command).encode()
        made = artifact.encoded(head)  # a renamed file: header and text in one pass
        return made if made is not None else head + artifact.content.encode("utf-8", errors="surrogateescape")
    made = artifact.encoded(b"")
    body = made if made is not None else artifact.content.encode()  # strict, as stub_text's checksum: text it
    return stub_marker(hashlib.sha256(body).hexdigest()).encode() + body  # cannot encode fails alike


def finish_and_write(artifacts: Sequence[Artifact], command: str, staging: str) -> list[Artifact]:
    """`artifacts` finished as the bundle holds them, each written under `staging` (folders made as needed;
    two workers may make the same folder) and returned as staged there (its text read back only if asked).
    An unsafe path raises before anything of it is written."""
    finished = [(a, finished_bytes(a, command)) for a in artifacts]
    root = os.path.join(staging, "")
    made: set[str] = set()
    staged: list[Artifact] = []
    for artifact, data in finished:
        path = root + artifact.path
        folder = os.path.dirname(path)
        try:
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            write_bytes(path, data)
        except OSError as exc:  # a full disk is the user's to fix, not a bug: a clear error, nothing lands
            out = output_of(staging)  # (the staging tree's own name means nothing to the user)
            why = f"writing failed at {artifact.path}: {exc.strerror or exc}"
            raise OutputError(f"{out}: {why}; nothing was written") from None
        staged.append(Artifact.staged(artifact.path, artifact.ownership, path))
    return staged


def finish_against(artifacts: Sequence[Artifact], command: str, live: str | None) -> list[Artifact]:
    """`artifacts` finished as bytes (finished_bytes); with `live` (the output, locked), each file whose bytes
    it holds already as `Artifact.kept` (the writer links it into the new tree if it is still as found)."""
    root = os.path.join(live, "") if live is not None else None
    folders: dict[str, bool] = {}
    return [_finished_or_kept(a, command, root, folders) for a in artifacts]


def _finished_or_kept(artifact: Artifact, command: str, root: str | None, folders: dict[str, bool]) -> Artifact:
    data = finished_bytes(artifact, command)
    if root is not None and _real_folder(root, artifact.path.rpartition("/")[0], folders):
        file = root + artifact.path
        try:
            old, _, seen = tree.read_bytes(file)
        except OutputError:  # unreadable: the writer's plan reads it again and says why
            old, seen = None, None
        if old is not None and seen is not None and same_bytes(old, data):
            return Artifact.kept(artifact.path, artifact.ownership, file, seen)
    return Artifact.as_bytes(artifact.path, artifact.ownership, data)


def _real_folder(root: str, folder: str, known: dict[str, bool]) -> bool:
    """`folder` (relative to `root`) and each folder above it are real directories, none a symlink: a worker
    reads the output only where the writer's plan would (tree.scan never follows a link). `known`: folders
    looked at already."""
    if not folder:
        return True
    if folder not in known:
        try:
            real = stat.S_ISDIR(os.lstat(root + folder).st_mode)
        except OSError:
            real = False
        known[folder] = real and _real_folder(root, folder.rpartition("/")[0], known)
    return known[folder]
