"""A source document being imported: what was read, and every field that could not be carried over.

Each importer reads fields through `Source.take`/`enter`; `Source.leftovers` then reports every field it
never read, located at its key, so nothing in a source file is dropped without a message.
"""

from __future__ import annotations

import difflib
import json
import linecache
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import Diagnostic, Location, json_path
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
    misshapen: dict[Path, str] = field(default_factory=dict)  # a list or text where a mapping is read, and so on
    made: list[Diagnostic] = field(default_factory=list)  # this document's errors

    def get(self, path: Path) -> Any:
        value: Any = self.doc.data
        for n, part in enumerate(path):
            if (isinstance(part, int) and not isinstance(value, list)) or (
                isinstance(part, str) and not isinstance(value, dict)
            ):
                if value is not None and n:
                    self.misshapen.setdefault(path[:n], "a list" if isinstance(part, int) else "a mapping")
                return None
            if isinstance(part, int) and part >= len(value):
                return None
            value = value[part] if isinstance(part, int) else value.get(part)
        return value

    def shape_errors(self) -> None:
        """One error where a field has the wrong shape (`spec: [1, 2]`), in place of those of the fields read
        below it: each of those said it was missing ("an SLO needs a name", "no SLI named None")."""
        for path, wanted in sorted(self.misshapen.items(), key=lambda item: len(item[0])):
            if any(d.path == path[: len(d.path)] and (len(d.path) < len(path) or _of_shape(d)) for d in self.made):
                continue  # said already: above it, or its shape at the field
            below = [d for d in self.made if d.path[: len(path)] == path]  # "missing" as read through it
            self.findings.errors[:] = [d for d in self.findings.errors if not any(d is b for b in below)]
            self.made[:] = [d for d in self.made if not any(d is b for b in below)]
            named = [n for n, part in enumerate(path) if isinstance(part, str)]
            field_name = json_path(path[named[-1] :] if named else path).removeprefix("$").lstrip(".") or "it"
            self.error(path, f"{field_name} is {wanted} here, not {shown(self.get(path))}")

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
        self.error(path, f"expected a list, got {shown(value)}")
        return []

    def _mark(self, path: Path) -> None:
        for n in range(len(path) + 1):
            self.entered.add(path[:n])

    def take_text(self, path: Path) -> str:
        """`take` a free-text field (a description) as written; "" when absent."""
        return "" if self.take(path) is None else self.text_of(path).strip()

    def text_of(self, path: Path) -> str:
        """A scalar as the source writes it: YAML 1.1 reads `yes`, `off`, `0.50` as true, false, 0.5, which a
        peer's Go decoder keeps as the text written when the field is a string (a label value)."""
        value = self.get(path)
        if isinstance(value, str):
            return value
        mark = self.doc.value_marks.get(path)
        if mark is not None and not self.doc.file.endswith(".jsonnet"):
            line = linecache.getline(self.doc.file, mark[0])
            # a bool, number or null is a plain scalar: it ends at a flow separator, a comment or the line's end
            written = re.match(r"[^,\]\}#\n]*", line[mark[1] - 1 :])
            if written and written.group().strip():
                return written.group().strip()
        return json.dumps(value, default=str)

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
        self.made.append(Diagnostic(self.doc.locate(path, key=True), path, message))
        self.findings.errors.append(self.made[-1])

    def leftovers(self, why: str = "obsc has no equivalent of this field") -> None:
        """Report every field of the document that no importer step read. One spelled near a field the importer
        looked for there and did not find (`errorQuery` in a file that spells it `error_query`, `slo` for
        `slos`) names the field meant: an error where that field's absence is one (the error alone pointed at
        the parent), else dropped as the source's tool drops it (Sloth ignores `pageAlert` in a
        `prometheus/v1` file, and its own test files have it)."""
        for path in self._unread((), self.doc.data):
            meant = self._meant(path)
            if meant is None:
                self.drop(path, why)
            elif self._refused((*path[:-1], meant)):
                self.take(path)
                self.error(path, f"unknown field {path[-1]!r}; did you mean {meant!r}?")
            else:
                self.drop(path, f"unknown field, ignored as written; did you mean {meant!r}?")

    def _refused(self, path: Path) -> bool:
        """Whether an error of this document is at `path` or below it."""
        return any(d.location.file == self.doc.file and d.path[: len(path)] == path for d in self.findings.errors)

    def _meant(self, path: Path) -> str | None:
        """The field the importer looked for beside `path` and did not find, if `path`'s key is a near miss."""
        key, parent = path[-1], path[:-1]
        here = self.get(parent)
        if not isinstance(key, str) or not isinstance(here, dict):
            return None
        missing = sorted(
            str(p[-1])
            for p in self.entered | self.whole
            if len(p) == len(path) and p[:-1] == parent and isinstance(p[-1], str) and p[-1] not in here
        )
        spelled = {_letters(name): name for name in missing}
        if _letters(key) in spelled:
            return spelled[_letters(key)]
        close = difflib.get_close_matches(key, missing, n=1, cutoff=0.8)
        return close[0] if close else None

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


def _of_shape(found: Diagnostic) -> bool:
    """An error that says a field's shape already (`enter_list`'s, Sloth's `page_alert is a mapping ...`)."""
    return any(words in found.message for words in ("is a mapping", "is a list", "expected a list"))


def shown(value: Any) -> str:
    """A source value as YAML writes it (`true`, `null`, `{"a": 1}`), not as Python does (`True`, `None`)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    text = repr(value) if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _letters(key: str) -> str:
    """`pageAlert`, `page_alert` and `page-alert` are one spelling apart."""
    return key.lower().replace("_", "").replace("-", "")
