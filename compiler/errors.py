"""Diagnostics: located, human messages for everything a user can get wrong.

Every layer reports problems as `Diagnostic`s and keeps going where it can, so that one run shows
every error in every file. `InputError` carries a batch of them up to the CLI, which is the only
place that prints them and picks the exit code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; documented in `obsc --help`."""

    OK = 0
    DRIFT = 1  # check mode found drift, or promtool/amtool rejected the output
    BAD_INPUT = 2  # a spec, flag or output directory the user must fix
    MISSING_TOOL = 3  # promtool/amtool not installed
    BUSY = 4  # --no-wait, and another obsc run holds the output directory's lock
    UNREACHABLE = 5  # obsc verify: the Prometheus server did not answer (after bounded retries)
    INTERNAL = 70  # a bug in obsc (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int = 0  # 1-based; 0 when unknown
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


def json_path(path: Sequence[str | int]) -> str:
    """Render a path into a document as `$.slos[1].objective`; a key a dot would misread (a space, dot,
    bracket or quote in it, or none at all) in brackets, quoted: `$.slos[0].sli["name "]` (see `_quoted`)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif len(part) > _LONG_KEY:  # (shortened as the message shortens it)
            out += f'[{_quoted(part[: _LONG_KEY - 8])[:-1]}..."]'
        elif _PLAIN_KEY.fullmatch(part):
            out += f".{part}"
        else:
            out += f"[{_quoted(part)}]"
    return out


def _quoted(key: str) -> str:
    """`key` as a JSON string, each character a terminal would not show as itself escaped (`\\u202e`, `\\u200b`,
    `\\u00a0`): a key refused for a direction override was printed with it raw, reordering the refusing line."""
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in json.dumps(key, ensure_ascii=False))


_LONG_KEY = 64


_PLAIN_KEY = re.compile(r"[\w:/@+-]+")  # names as specs write them: `orders-consumer`, `app/tier`, `é`


@dataclass(frozen=True, order=True)
class Diagnostic:
    location: Location
    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.location} {json_path(self.path)}: {self.message}"


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    """File, line, column, then path and message: the order a reader fixes them in. (Paths mix str and int
    parts, which do not compare with each other: compare their text.)"""
    where = diagnostic.location
    return (where.file, where.line, where.col, json_path(diagnostic.path), diagnostic.message)


class InputError(Exception):
    """One or more problems with the user's input; nothing has been written."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(set(diagnostics), key=sort_key))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class OutputError(Exception):
    """The output directory cannot be written (read-only, full, not a directory)."""


class SettingError(Exception):
    """An environment setting (OBSC_JSONNET_TIMEOUT...) holds a value obsc cannot use; exit 2, named."""


class ToolError(Exception):
    """An external validator (promtool, amtool) rejected the output or could not run."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.DRIFT) -> None:
        self.exit_code = exit_code
        super().__init__(message)


NOWHERE = Location("")  # default for model objects built without a source (built-in defaults)
