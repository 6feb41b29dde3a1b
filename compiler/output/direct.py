"""A cold compile's files, written into the staging tree by the worker processes that generate them.

Why: when `--out` does not exist or is empty there is nothing to compare, keep or hard-link, so every
file is new. Writing 30,000 files is kernel CPU (inode allocation, about 2-4 s for the 1,000-service
fleet); done by the parent after generation it ran on one core while the other sat idle, and the parent
first had to unpickle, header and encode 280 MB of text. Each worker now finishes (header, stub marker)
and writes its own part as soon as it is generated, so the writing overlaps generation on every CPU.
Everything else stays the writer's (output/writer.py): the lock is taken and the staging tree made before
the workers start, the parent writes the manifest, validation runs on the staged tree, one atomic swap.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from compiler.errors import OutputError
from compiler.output.bundle import Artifact, finish


def write_file(path: str, content: str) -> None:
    """Raw binary write: no buffer, no newline translation (the bytes `obsc check` compares)."""
    data = memoryview(content.encode("utf-8", errors="surrogateescape"))
    with open(path, "wb", buffering=0) as fh:
        while data:
            data = data[fh.write(data) :]


def finish_and_write(artifacts: Sequence[Artifact], command: str, staging: str) -> list[Artifact]:
    """`artifacts` finished as the bundle holds them, each written under `staging` (folders made as needed;
    two workers may make the same folder) and returned as staged there (its text read back only if asked).
    An unsafe path raises before anything of it is written."""
    finished = [finish(a, command) for a in artifacts]
    made: set[str] = set()
    staged: list[Artifact] = []
    for artifact in finished:
        path = os.path.join(staging, artifact.path)
        folder = os.path.dirname(path)
        try:
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            write_file(path, artifact.content)
        except OSError as exc:  # a full disk is the user's to fix, not a bug: a clear error, nothing lands
            raise OutputError(f"{path}: writing failed: {exc.strerror or exc}; nothing was written") from None
        staged.append(Artifact.staged(artifact.path, artifact.ownership, path))
    return staged
