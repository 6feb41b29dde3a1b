"""A source document being imported: what was read, and every field that could not be carried over.

Each importer reads fields through `Source.take`/`enter`; `Source.leftovers` then reports every field it
never read, located at its key, so nothing in a source file is dropped without a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import Diagnostic, Location
from compiler.spec.document import Document, Path

NOT_CARRIED = "not carried over: "


@dataclass
class Findings:
    """What an import found: `errors` stop it (bad source, exit 2); `dropped` and `notes` are reported."""

    errors: list[Diagnostic] = field(default_factory=list)
    dropped: list[Diagnostic] = field(default_factory=list)  # source fields obsc cannot express
    notes: list[Diagnostic] = field(default_factory=list)  # choices the importer made that the user should check


@dataclass
class Source:
    doc: Document
    findings: Findings
    whole: set[Path] = field(default_factory=set)  # read with everything below it
    entered: set[Path] = field(default_factory=set)  # read key by key

    def get(self, path: Path) -> Any:
        value: Any = self.doc.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return None
            elif not isinstance(value, dict):
                return None
            value = value[part] if isinstance(part, int) else value.get(part)
        return value

    def take(self, path: Path) -> Any:
        """Read a value and everything below it."""
        self._mark(path)
        self.whole.add(path)
        return self.get(path)

    def enter(self, path: Path) -> Any:
        """Read a mapping or list whose members are read (or reported) one by one."""
        self._mark(path)
        return self.get(path)

    def enter_list(self, path: Path) -> list[Any]:
        """`enter` a list read item by item; anything else there (`slos: 42`) is reported and read as none."""
        value = self.enter(path)
        if value is None or isinstance(value, list):
            return value or []
        self.whole.add(path)  # reported here: not again as a field left over
        self.error(path, f"expected a list, got {type(value).__name__} {str(value)[:40]!r}")
        return []

    def _mark(self, path: Path) -> None:
        for n in range(len(path) + 1):
            self.entered.add(path[:n])

    def drop(self, path: Path, why: str) -> None:
        """A field that exists in the source and cannot be carried over: say where and why."""
        value = self.take(path)
        if value is None or value == {} or value == []:
            return  # an empty field carries no meaning to lose
        self.findings.dropped.append(Diagnostic(self.doc.locate(path, key=True), path, NOT_CARRIED + why))

    def note(self, path: Path, message: str) -> None:
        self.findings.notes.append(Diagnostic(self.doc.locate(path, key=True), path, message))

    def at(self, path: Path) -> Location:
        return self.doc.locate(path, key=True)

    def origins(self, **keys: Path) -> dict[str, tuple[Location, Path]]:
        """Spec key → (location, path) of the source field it was made from, for the fields the source has."""
        return {key: (self.at(path), path) for key, path in keys.items() if self.get(path) is not None}

    def error(self, path: Path, message: str) -> None:
        self.findings.errors.append(Diagnostic(self.doc.locate(path, key=True), path, message))

    def leftovers(self, why: str = "obsc has no equivalent of this field") -> None:
        """Report every field of the document that no importer step read."""
        for path in self._unread((), self.doc.data):
            self.drop(path, why)

    def _unread(self, path: Path, value: Any) -> Iterator[Path]:
        if path in self.whole:
            return
        if path and path not in self.entered:
            yield path
            return
        if isinstance(value, dict):
            for key, child in value.items():
                yield from self._unread((*path, key), child)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                yield from self._unread((*path, i), child)
