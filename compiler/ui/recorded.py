"""What a report would say, kept to be said later: work done in a worker process (which has no console) is
said by the parent, in the same order and with the same arguments, as if it had been said there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from compiler.errors import Diagnostic


class Out(Protocol):
    """The part of ui.console.Console that warnings are said through."""

    def problem(self, text: str, *, code: str, file: str = "", level: str = "error", **fields: Any) -> None: ...

    def diagnostics(
        self, diagnostics: Sequence[Diagnostic], *, severity: str = "error", code: str = "spec", stdout: bool = False
    ) -> None: ...


class Recorded:
    """An Out that keeps every call (picklable: texts, diagnostics and keywords) for `replay`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    def problem(self, text: str, *, code: str, file: str = "", level: str = "error", **fields: Any) -> None:
        self.calls.append(("problem", text, {"code": code, "file": file, "level": level, **fields}))

    def diagnostics(
        self, diagnostics: Sequence[Diagnostic], *, severity: str = "error", code: str = "spec", stdout: bool = False
    ) -> None:
        self.calls.append(("diagnostics", list(diagnostics), {"severity": severity, "code": code, "stdout": stdout}))

    def replay(self, out: Out) -> None:
        for method, first, keywords in self.calls:
            getattr(out, method)(first, **keywords)
