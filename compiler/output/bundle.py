"""Artifacts from all targets → one sorted bundle with unique paths and DO-NOT-EDIT headers."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from compiler import conventions
from compiler.output.tree import Identity, is_safe_relative


class Ownership(StrEnum):
    GENERATED = "generated"  # obsc owns the file: rewritten every run, pruned when no spec produces it
    STUB = "stub"  # a starting point for humans (runbooks): created when missing, never overwritten once edited


class Rendered(Protocol):
    """A text made on demand (Artifact.rendered)."""

    def text(self) -> str: ...

    def encoded(self, prefix: bytes) -> bytes | None:
        """`prefix` + the text as strict UTF-8, or None when the text does not encode strictly."""
        ...


class Artifact:
    """One output file: its relative posix path, its text, and who owns it.

    A `staged` artifact is one a worker process already wrote into a cold compile's staging tree
    (output/direct.py): it travels back to the parent as its path alone, and its text is read from that
    file only if something asks for it. Sending the text back instead cost the workers ~0.4 CPU-s to
    pickle and the parent as much to receive, for 276 MB of a 1,000-service fleet that no step of a cold
    compile reads again (the manifest needs paths; validation reads the staged files)."""

    __slots__ = ("_content", "_data", "_file", "_rendered", "ownership", "path", "seen")

    def __init__(self, path: str, content: str, ownership: Ownership = Ownership.GENERATED) -> None:
        self.path, self.ownership = path, ownership
        self._content: str | None = content
        self._data: bytes | None = None
        self._file: str | None = None
        self._rendered: Rendered | None = None
        self.seen: Identity | None = None  # `kept`: the output's file as the worker found it

    @classmethod
    def kept(cls, path: str, ownership: Ownership, file: str, seen: Identity) -> Artifact:
        """An artifact a worker found already in the output (`file`, at identity `seen`) with these exact bytes
        (same_bytes): it travels back as its path and that identity, and the writer links the file into the new
        tree if it still has that identity (else see writer.plan). Its text is read from `file` only if something
        asks for it. Sending every file's bytes back instead (833 MB pickled for the 1,000-service rich fleet) cost
        a pickle in the workers, an unpickle in the parent and a second read and comparison of 33,000 files
        there, for a compile that changed one service's handful."""
        artifact = cls.staged(path, ownership, file)
        artifact.seen = seen
        return artifact

    @classmethod
    def staged(cls, path: str, ownership: Ownership, file: str) -> Artifact:
        artifact = cls(path, "", ownership)
        artifact._content, artifact._file = None, file
        return artifact

    @classmethod
    def as_bytes(cls, path: str, ownership: Ownership, data: bytes) -> Artifact:
        """An artifact held as the bytes written to disk (a warm compile's finished files, direct.finished_bytes):
        the writer compares them with the file on disk as bytes, and the text is decoded only if something asks
        for it. As text, each of a fleet's 33,000 files was decoded when it came back from its worker, and the
        file on disk decoded too, to find that ~32,990 of them had not changed."""
        artifact = cls(path, "", ownership)
        artifact._content, artifact._data = None, data
        return artifact

    @classmethod
    def rendered(cls, path: str, ownership: Ownership, rendered: Rendered) -> Artifact:
        """An artifact whose text is made when asked, or straight as the bytes a cold compile writes
        (`encoded`): a renamed service's files (targets/shapes.py) were joined as text, then encoded, then
        joined to their header, three passes over each of a fleet's ~300 MB where one does."""
        artifact = cls(path, "", ownership)
        artifact._content, artifact._rendered = None, rendered
        return artifact

    @property
    def content(self) -> str:
        if self._content is None:
            if self._data is not None:
                self._content = self._data.decode("utf-8", errors="surrogateescape")
            elif self._rendered is not None:
                self._content = self._rendered.text()
            else:
                assert self._file is not None
                with open(self._file, "rb") as fh:  # the bytes direct.write_file wrote
                    self._content = fh.read().decode("utf-8", errors="surrogateescape")
        return self._content

    def encoded(self, prefix: bytes) -> bytes | None:
        """`prefix` and the text as UTF-8, made in one pass; None when the text is not made that way (then
        encode `content`)."""
        if self._content is None and self._rendered is not None:
            return self._rendered.encoded(prefix)
        return None

    def data(self) -> bytes:
        """The bytes written for this artifact (its text as UTF-8, surrogateescape as direct.write_file writes
        it); a UnicodeEncodeError when the text holds a surrogate that no byte stands for."""
        if self._data is not None:
            return self._data
        if self._content is None and self._file is not None:
            with open(self._file, "rb") as fh:
                return fh.read()
        return self.content.encode("utf-8", errors="surrogateescape")

    def __reduce__(self) -> tuple[object, ...]:
        # (sent between processes as its path, ownership and text, bytes or staged file, never as a renderer)
        if self._content is None and self._data is not None:
            return (Artifact.as_bytes, (self.path, self.ownership, self._data))
        if self._content is None and self._file is not None and self.seen is not None:
            return (Artifact.kept, (self.path, self.ownership, self._file, self.seen))
        if self._content is None and self._file is not None:
            return (Artifact.staged, (self.path, self.ownership, self._file))
        return (Artifact, (self.path, self.content, self.ownership))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Artifact):
            return NotImplemented
        return (self.path, self.ownership, self.content) == (other.path, other.ownership, other.content)

    def __hash__(self) -> int:
        return hash((self.path, self.ownership))

    def __repr__(self) -> str:
        text = repr(self._content) if self._content is not None else f"<staged at {self._file}>"
        text = repr(self._data) if self._content is None and self._data is not None else text
        return f"Artifact({self.path!r}, {text}, {self.ownership})"


@dataclass(frozen=True)
class Bundle:
    artifacts: tuple[Artifact, ...]

    def get(self, path: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.path == path), None)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(a.path for a in self.artifacts)


_STUB_MARKER = re.compile(r"^<!-- obsc:stub sha256=([0-9a-f]{64}) .*-->\n")


def header(path: str, command: str) -> str:
    """The DO-NOT-EDIT banner for a file type that allows comments; '' for JSON."""
    return _header(path.endswith((".yaml", ".yml")) or posixpath.basename(path) == conventions.MANIFEST, command)


@functools.lru_cache(maxsize=16)
def _header(commented: bool, command: str) -> str:  # (the same few banners for 30,000 files)
    if not commented:
        return ""
    text = f"Code generated by obsc. DO NOT EDIT.\nRegenerate with: {command}\n"
    return "".join(f"# {line}\n" for line in text.splitlines())


def stub_marker(digest: str) -> str:
    """The first line of a stub whose body's SHA-256 is `digest` (hex)."""
    return (
        f"<!-- obsc:stub sha256={digest} generated by obsc; edit freely: "
        "once this page is edited obsc never overwrites it -->\n"
    )


def stub_text(body: str) -> str:
    """Prefix a stub with a marker holding its checksum, so later runs can tell if a human edited it."""
    return stub_marker(hashlib.sha256(body.encode()).hexdigest()) + body


def same_text(on_disk: str, generated: str) -> bool:
    """`on_disk` holds `generated`: byte for byte, or with every line ending turned into CRLF, as a checkout
    with git's `core.autocrlf=true` (Git for Windows' default) writes it. Every generated format reads CRLF as
    LF, so only the bytes differ; a file's text changed by a human differs either way."""
    return on_disk == generated or ("\r\n" in on_disk and _lf(on_disk) == generated)


def same_bytes(on_disk: bytes, generated: bytes) -> bool:
    """same_text on the files' bytes (no decoding): CR and LF are one byte each in UTF-8 and in the
    surrogateescape decoding the writer reads with, so a CRLF checkout compares the same way."""
    return on_disk == generated or (b"\r\n" in on_disk and on_disk.replace(b"\r\n", b"\n") == generated)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _page_text(text: str) -> str:
    """A page as a stub is compared: LF line endings, and no byte-order mark (Windows Notepad and some IDEs save
    one, which hid the marker: the page lost its "stub changed since" notice)."""
    return _lf(text).removeprefix("\ufeff")


def stub_origin(text: str) -> str | None:
    """The checksum of the stub a page was written from (its marker line's, the page edited or not); None when
    the page has no marker (a human's own page, or one whose marker the team deleted)."""
    match = _STUB_MARKER.match(_page_text(text))
    return match.group(1) if match else None


def is_unedited_stub(text: str) -> bool:
    """The page is exactly a stub obsc wrote: its body matches the checksum and its marker line is obsc's own
    (a note a human added on the marker line, or a marker reworded to say the page is theirs, is an edit).
    A stub checked out with CRLF line endings, or saved with a byte-order mark, is still the stub."""
    text = _page_text(text)
    match = _STUB_MARKER.match(text)
    if not match:
        return False
    body = text[match.end() :]
    return hashlib.sha256(body.encode()).hexdigest() == match.group(1) and text == stub_text(body)


class BundleError(Exception):
    """Two targets produced the same path, or a path that would escape the output directory."""


def check_path(path: str) -> str:
    """`path`, if it is a plain relative path that stays inside the output directory; else BundleError."""
    if path.startswith("/") or ".." in path.split("/") or posixpath.normpath(path) != path:
        raise BundleError(f"unsafe artifact path {path!r}")
    return path


def finish(artifact: Artifact, command: str) -> Artifact:
    """A target's artifact as it is written: with its DO-NOT-EDIT header, or its stub marker."""
    path = check_path(artifact.path)
    content = artifact.content
    content = header(path, command) + content if artifact.ownership is Ownership.GENERATED else stub_text(content)
    return Artifact(path, content, artifact.ownership)


def assemble(artifacts: Iterable[Artifact], command: str, finished: bool = False) -> Bundle:
    """The bundle of the targets' artifacts (`finished`: already passed through `finish`) and the manifest."""
    by_path: dict[str, Artifact] = {}
    for artifact in artifacts:
        if artifact.path in by_path:
            raise BundleError(f"two artifacts claim {artifact.path!r}")
        by_path[artifact.path] = artifact if finished else finish(artifact, command)
    manifest_body = "".join(f"{p}\n" for p in sorted(by_path))
    by_path[conventions.MANIFEST] = Artifact(
        conventions.MANIFEST, header(conventions.MANIFEST, command) + manifest_body
    )
    return Bundle(tuple(by_path[p] for p in sorted(by_path)))


_REGENERATE = re.compile(r"^# Regenerate with: obsc compile .*?(?: --format (\S+))?$", re.MULTILINE)


def manifest_format(text: str) -> str | None:
    """The --format an output tree was written with, read from its manifest's regenerate command (which names
    --format unless it is the default); None when the manifest has no such line (not written by obsc)."""
    match = _REGENERATE.search(_lf(text))
    if match is None:
        return None
    try:  # the command is quoted as a shell reads it: a path holding ` --format x` is one word
        words = shlex.split(match.group(0).removeprefix("# Regenerate with: "))
    except ValueError:  # (an unbalanced quote: written by hand, or by an obsc before round 28)
        return match.group(1) or "prometheus"
    return words[-1] if len(words) > 2 and words[-2] == "--format" else "prometheus"


def parse_manifest(text: str) -> set[str]:
    """The files a manifest says obsc wrote, trusted only where obsc could have written them: a plain relative
    path below a generated root (a manifest is a file in the repository; its lines are input, not truth)."""
    lines = (line.strip() for line in text.splitlines() if not line.startswith("#"))
    return {p for p in lines if p and is_safe_relative(p) and conventions.may_be_generated(p)}
