"""The validation record: which exact bytes already passed which check, kept with the output.

`--out/.obsc-validated` (committed with the output, so a CI job on a fresh clone benefits) holds one line
per validation unit that passed: `<key> <kind> <path>`. The key is a SHA-256 over the tool identity (the
tools' `--version` output, obsc's version and the bytes of obsc's own validator code), the kind of check,
and the path and bytes of *every* file the check reads: a promtool test is keyed by the test file and each
rule file it loads; the Alertmanager check by every file under alertmanager/.

Trust: a unit is skipped only when the key computed now, from the bytes on disk that the tool would read,
is in the record. Editing the record can therefore only add work (a removed or garbled line re-runs that
check), never skip a check of bytes that changed: a line can only ever say "these exact bytes passed".
What the record does trust: a line someone forged with the right key for bad bytes would skip them. A
pull request's job therefore reads the record its target commit holds instead (`--record-base`,
record_base.py), for files with the bytes committed there; `--revalidate-all` (nightly) ignores both.
A test file that passed by its shape's verdict (`shape_verdicts`: promtool judged the shape once) is
recorded as `promtool-test-shape`; the kind is a label only, never read to skip (a skip keeps it).
A check whose inputs cannot be pinned down (a rule_files glob, a missing file) gets no key and always
runs. The record is rewritten on every validated compile with exactly the current units, in
sorted order: deterministic bytes, no timestamps.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler import __version__, workers
from compiler import conventions as names
from compiler.errors import OutputError
from compiler.output import tree
from compiler.toolcheck import _run
from compiler.toolcheck.record_base import Base, blob_id

log = logging.getLogger("obsc")
_LINE = re.compile(r"^([0-9a-f]{64}) (\S+) (\S+)$")
TEST, SHAPE = "promtool-test", "promtool-test-shape"  # a test file's kinds: run, or passed by its shape's verdict
HEADER = (
    "# obsc validation record: each line says that these exact bytes passed this check with these tools.\n"
    "# A check is skipped only when the hash of the bytes being written matches a line; editing this file\n"
    "# can only cause extra work. `obsc compile --revalidate-all` ignores it. Do not edit.\n"
)


@dataclass
class Record:
    """The previous run's keys (`known`) and this run's units (key → (kind, path)). Every unit of this run is
    entered, run or skipped: the record is saved only when the whole validation passed."""

    known: frozenset[str] = frozenset()
    # `--revalidate-all`: promtool runs each test file against its whole rule files, as `promtool test rules`
    # on the committed files would (everyday runs focus each test group on the rules it reads).
    whole_rule_files: bool = False
    passed: dict[str, tuple[str, str]] = field(default_factory=dict)
    # `--record-base`: the base revision's file ids by path; a key whose files differ from them never skips.
    base_blobs: dict[str, str] | None = None
    moved: set[str] = field(default_factory=set)
    # keys a line recorded as passed by their shape (`shape_verdicts`): a skip keeps saying so
    shaped: frozenset[str] = frozenset()
    by_shape: int = 0  # test files of this run that passed by their shape's verdict
    skipped: int = 0
    ran: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def pending(self, kind: str, units: Iterable[tuple[str, str | None]]) -> list[str]:
        """The paths of `units` (path, key) that must run: those with no key or a key not recorded. The
        validators run at the same time and share one record."""
        listed = list(units)  # keys are computed (files read) outside the lock
        todo: list[str] = []
        with self._lock:
            for path, key in listed:
                if key is not None:
                    self.passed[key] = (kind, path)
                if key is not None and key in self.known and key not in self.moved:
                    self.skipped += 1
                    if key in self.shaped and kind == TEST:
                        self.passed[key] = (SHAPE, path)
                else:
                    todo.append(path)
                    self.ran += 1
        return todo

    def judged_by_shape(self, paths: Iterable[str]) -> None:
        """Record the promtool tests of `paths` as passed by their shape's verdict, not a run of their own."""
        wanted = set(paths)
        with self._lock:
            for key, (kind, path) in self.passed.items():
                if kind == TEST and path in wanted:
                    self.passed[key] = (SHAPE, path)
                    self.by_shape += 1

    def hasher(self, root: str, derived: Iterable[str] = ()) -> Hasher:
        """A Hasher of files under `root`, which marks in `moved` every key over a file the base lacks or
        holds other bytes of, or over one of `derived`: files obsc made from the output (the rule groups of
        an Operator, Mimir or vmalert file), whose bytes the base's file at that path says nothing about."""
        base, made = self.base_blobs, set(derived)
        if base is not None and made:
            base = {rel: blob for rel, blob in base.items() if rel not in made}
        return Hasher(root, base, self.moved)

    def text(self) -> str:
        rows = sorted((kind, path, key) for key, (kind, path) in self.passed.items())
        return HEADER + "".join(f"{key} {kind} {path}\n" for kind, path, key in rows)


def load(out_dir: str | None, revalidate_all: bool = False, base: Base | None = None) -> Record:
    """The record in `out_dir` (never followed through a symlink, bounded in size); empty when asked to
    revalidate everything, when there is none, or for any line that is not a well-formed entry. With a
    `base` (`--record-base`), the record committed there instead, for files as committed there."""
    if out_dir is None or revalidate_all:
        return Record(whole_rule_files=revalidate_all)
    if base is not None:
        return Record(known=_keys(base.record), base_blobs=base.blobs, shaped=_keys(base.record, SHAPE))
    try:
        text = tree.read_regular(os.path.join(out_dir, names.VALIDATION_RECORD))[0]
    except OutputError:
        text = None
    if text is None:
        return Record()
    return Record(known=_keys(text), shaped=_keys(text, SHAPE))


def _keys(text: str, kind: str | None = None) -> frozenset[str]:
    """The keys of a record's well-formed lines (any other line is no entry); with `kind`, of its lines only."""
    found = (m for m in map(_LINE.match, text.splitlines()) if m)
    return frozenset(m.group(1) for m in found if kind is None or m.group(2) == kind)


def save(record: Record, tree_dir: str) -> None:
    """Write the record of this run into the validated tree (atomically; a record that cannot be written
    only costs the next run time)."""
    path = os.path.join(tree_dir, names.VALIDATION_RECORD)
    temporary = path + ".tmp"
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        with open(temporary, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(record.text())
        os.replace(temporary, path)
    except OSError as exc:  # a full disk: say so, and leave no half-written temporary file in --out
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        log.warning("the validation record %s could not be written (%s): the next run validates again", path, exc)


@functools.lru_cache(maxsize=16)
def tool_identity(binary: str) -> str:
    """`TOOL --version` (the first lines), obsc's version and a hash of obsc's validator code: a new promtool,
    amtool or validator rule makes every key new."""
    version = "\n".join(_run.version_text(binary).strip().splitlines()[:2])
    return f"{os.path.basename(binary)} {version}\nobsc {__version__} {_code_digest()}"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    for package in ("grafana-foundation-sdk", "PyYAML"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{package}={importlib.metadata.version(package)}\0".encode())
    return digest.hexdigest()[:16]


class Hasher:
    """SHA-256 of files under one tree, each read once (a rule file is read by many units)."""

    def __init__(self, root: str, base: dict[str, str] | None = None, moved: set[str] | None = None) -> None:
        self.root = root
        self._cache: dict[str, str | None] = {}
        self._base, self._moved = base, moved if moved is not None else set()
        self._same: dict[str, bool] = {}  # path → its bytes are the base's (with a base)

    def file(self, rel: str) -> str | None:
        """Hex digest of a regular file's bytes; None when it is missing or not a regular file."""
        if rel not in self._cache:
            self._cache[rel] = self._digest(rel)
        return self._cache[rel]

    def _digest(self, rel: str) -> str | None:
        try:
            with open(os.path.join(self.root, rel), "rb", opener=_no_follow) as fh:
                data = fh.read()
        except OSError:
            return None
        if self._base is not None:
            committed = self._base.get(rel)
            self._same[rel] = committed is not None and blob_id(data, committed) == committed
        return hashlib.sha256(data).hexdigest()

    def prefetch(self, rels: Sequence[str], threads: int) -> None:
        """Digest `rels` on `threads` threads: hashlib and file reads release the GIL, and a fleet's 3,000
        rule and test files (250 MB) are a second of one-core hashing on every validated compile."""
        todo = [rel for rel in dict.fromkeys(rels) if rel not in self._cache]
        for rel, digest in zip(todo, workers.map_threads(self._digest, todo, threads), strict=True):
            self._cache[rel] = digest

    def key(self, identity: str, kind: str, files: Iterable[str], listing: str = "") -> str | None:
        """The unit's key over every file it reads (sorted, path and bytes) and `listing` (what else decides
        which files the tool reads: folder listings); None if one cannot be read."""
        digest = hashlib.sha256(f"{identity}\0{kind}\0".encode())
        if listing:
            digest.update(f"listing\0{len(listing)}\0{listing}\0".encode("utf-8", "surrogateescape"))
        unique = sorted(set(files))
        for rel in unique:
            found = self.file(rel)
            if found is None:
                return None
            digest.update(f"{rel}\0{found}\0".encode())
        key = digest.hexdigest()
        if self._base is not None and not all(self._same.get(rel, False) for rel in unique):
            self._moved.add(key)  # a file the pull request changed or added: its check runs
        return key


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW)
