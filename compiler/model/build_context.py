"""What every part of the model builder shares: where it is reading (for located errors), the layers of
defaults, and the built-in defaults themselves."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from compiler.errors import Diagnostic, Location
from compiler.spec.document import Document, Path
from compiler.spec.files import SHIPPED_LOADER


@functools.cache
def builtin_defaults() -> dict[str, Any]:
    text = resources.files("compiler.model").joinpath("defaults.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=SHIPPED_LOADER)
    return loaded


@dataclass
class Ctx:
    """Where we are: the document being read and the diagnostics found so far."""

    doc: Document | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unapplied: dict[str, str] = field(default_factory=dict)  # platform metrics left out of this service: why
    unbuilt: set[str] = field(default_factory=set)  # metrics written (here or in the platform) but refused there
    # a metric the schema check left out (`type: summary`): written, reported at its own line
    left_out: Callable[[str], bool] = lambda name: False

    def loc(self, path: Path, key: bool = False) -> Location:
        return self.doc.locate(path, key=key) if self.doc else Location("<defaults>")

    def entries_located(self, path: Path) -> tuple[tuple[str, Location], ...]:
        """(key, where its value is) of each entry of the mapping at `path`: for errors found after the build."""
        data = self.doc.data if self.doc else None
        for part in path:
            data = data.get(part) if isinstance(data, Mapping) else None
        return tuple((str(k), self.loc((*path, k))) for k in data) if isinstance(data, Mapping) else ()

    def error(self, path: Path, message: str, key: bool = False) -> None:
        self.diagnostics.append(Diagnostic(self.loc(path, key), path, message))

    def defines_metric(self, name: str) -> bool:
        """Whether this document writes metric `name`. One written but not built (a selector that does not
        parse) was reported at its own line; a reference to it read "not defined under metrics:", false."""
        data = self.doc.data if self.doc else None
        return isinstance(data, Mapping) and isinstance(data.get("metrics"), Mapping) and name in data["metrics"]

    def undefined_metric(self, path: Path, name: str, known: list[str]) -> None:
        """A reference to metric `name`, which the service does not have; said once, where the spec writes it
        (unless the spec defines it and it was reported at its own line)."""
        if self.defines_metric(name) or name in self.unbuilt or self.left_out(name):
            return
        if name in self.unapplied:
            why = self.unapplied[name]
            self.error(path, f"metric {name!r} is a platform default not applied to this service: {why}")
        else:
            self.error(path, f"metric {name!r} is not defined under metrics:" + did_you_mean(name, known))


@dataclass(frozen=True)
class Layer:
    """One source of defaults and where its values live (for error locations)."""

    data: Mapping[str, Any]
    ctx: Ctx
    base: Path


def did_you_mean(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (defined: {', '.join(sorted(options))})" if options else " (none are defined)"
