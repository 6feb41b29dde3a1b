"""What a plan (output/writer.py) says of each file: its status, the bytes on disk, what obsc writes there."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from enum import StrEnum

from compiler.output import tree
from compiler.output.bundle import Artifact


class Status(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    UNCHANGED = "unchanged"
    PRESERVED = "preserved"  # a human-edited runbook we leave alone
    ORPHANED = "orphaned"  # a human-edited runbook whose alert no longer exists (kept, reported)


@dataclass(frozen=True)
class FileChange:
    path: str
    status: Status
    raw: bytes | None = None  # the file on disk, as read (None: not there, or not read)
    # what obsc writes there (added, changed; unchanged: the file a worker found holding it, Artifact.kept); its
    # text is read when asked
    produced: Artifact | None = None
    old_kind: str | None = None  # what is on disk when it was not read: "symlink", "FIFO"...

    @functools.cached_property
    def old(self) -> str | None:
        """The file's text on disk, decoded when asked: a one-service change re-plans 33,000 files, and only
        those that differ are ever shown."""
        if self.raw is None and self.status is Status.UNCHANGED and self.produced is not None:
            return self.produced.content  # not read by the plan: the file holds what obsc writes
        return tree.decoded(self.raw) if self.raw is not None else None

    @property
    def new(self) -> str | None:
        """The file's text after the write; None when it goes."""
        if self.produced is not None:
            return self.produced.content
        return None if self.status is Status.REMOVED else self.old  # kept as it is

    def diff(self) -> str:
        old = (self.old or "").splitlines(keepends=True)
        new = (self.new or "").splitlines(keepends=True)
        a = f"a/{self.path}" if self.old is not None or self.old_kind else "/dev/null"
        b = f"b/{self.path}" if self.new is not None else "/dev/null"
        if self.old_kind:
            a += f" (a {self.old_kind} on disk, not read)"
            old = []
        return "".join(difflib.unified_diff(old, new, a, b)) or f"--- {a}\n+++ {b}\n"


@dataclass(frozen=True)
class Plan:
    out_dir: str
    changes: tuple[FileChange, ...]
    owned: frozenset[str] = frozenset()  # the previous manifest's paths
    folders: frozenset[str] = frozenset()  # folders of the new tree (relative; "" is the root)
    into: frozenset[str] = frozenset()  # folders of the old tree obsc looks into: its own, and its manifest's
    seen: dict[str, tree.Identity | None] = field(default_factory=dict)  # runbooks as planned, re-checked at the swap
    warnings: tuple[str, ...] = ()  # entries at owned paths that were not read (symlinks, FIFOs, devices)
    # Files obsc did not write where Prometheus or Grafana load obsc's whole, or that alertmanager.yml loads as
    # templates: kept, said, and drift to `check` (a hand-added rule file is deployed with no spec to review).
    strangers: tuple[str, ...] = ()
    left_behind: tuple[str, ...] = ()  # trees beside the output that could not be deleted (session.py)
    killed: tuple[str, ...] = ()  # a killed compile's trees beside the output, seen by check/diff (which repair none)

    @property
    def drift(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.status in (Status.ADDED, Status.CHANGED, Status.REMOVED))

    def count(self, status: Status) -> int:
        return sum(1 for c in self.changes if c.status is status)
