"""Diagnostics rendered for a reader: text lines, JSON objects, or GitHub workflow annotations.

Pure functions from `Diagnostic`s to strings; printing happens in `ui.emit`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler import conventions as names
from compiler.errors import Diagnostic, json_path

# A fleet-wide mistake (a broken platform file) can yield thousands of lines: show this many, then a count.
ERROR_CAP = 50


def cap(diagnostics: Sequence[Diagnostic], limit: int = ERROR_CAP) -> tuple[Sequence[Diagnostic], int]:
    """(the first `limit` diagnostics, how many were left out). InputError already sorts (errors.sort_key) and
    de-duplicates."""
    if len(diagnostics) <= limit:
        return diagnostics, 0
    return diagnostics[:limit], len(diagnostics) - limit


def record(diagnostic: Diagnostic, severity: str = "error", code: str = "spec") -> dict[str, Any]:
    """One diagnostic as a JSON-ready object: where, what, and how bad."""
    loc = diagnostic.location
    return {
        "level": severity,
        "severity": severity,
        "code": getattr(diagnostic, "code", None) or code,  # a per-check code, once diagnostics carry one
        "file": loc.file,
        "line": loc.line or None,
        "column": loc.col or None,
        "path": json_path(diagnostic.path),
        "message": diagnostic.message,
        "msg": str(diagnostic),
    }


def to_json(entry: Mapping[str, Any]) -> str:
    return json_inert(json.dumps(entry, sort_keys=True, default=str, ensure_ascii=False))


# CI runners take commands from any line of a job's log: GitHub Actions a line that starts (after spaces) with
# `::` and `##[` anywhere in a line, Azure Pipelines `##vso[` and TeamCity `##teamcity[` anywhere. Spec text (a
# description, a label value) reaches obsc's lines, so one team's spec could forge an annotation on another
# team's file, or stop the runner reading commands (`::stop-commands::`) and hide obsc's own annotations. Such
# text is shown with an escape (`:\x3a`, `\x23#[`); in JSON `#` is written `\u0023`, the same string read back.
_CI_COMMAND = re.compile(rf"(?:^|(?<=\r))([^\S\r\n]*:):|{names.CI_COMMAND_HASH}", re.MULTILINE | re.IGNORECASE)
_JSON_CI_COMMAND = re.compile(names.CI_COMMAND_HASH, re.IGNORECASE)


def ci_inert(text: str) -> str:
    """`text` with what a CI runner would read as a workflow command escaped (`::error` → `:\\x3aerror`)."""
    return _CI_COMMAND.sub(lambda m: f"{m.group(1)}\\x3a" if m.group(1) is not None else "\\x23", text)


def json_inert(text: str) -> str:
    """JSON text with `##[` and `##vso[` written `\\u0023#[`: the same value, no command for a CI runner (a JSON
    line never starts with `::`)."""
    return _JSON_CI_COMMAND.sub(r"\\u0023", text)


# GitHub's workflow-command escaping: data escapes %, CR and LF; property values also ':' and ','.
# Control characters a terminal acts on (ESC sequences retitle or recolour it, CR rewrites the line, BEL rings):
# a spec's or a Jsonnet error's text must not reach it raw. Line breaks and tabs stay (multi-line tool output).
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F] if chr(c) not in "\n\t"}
_CONTROLS.update({c: f"\\u{c:04x}" for c in range(0x80, 0xA0)})


def terminal_text(text: str) -> str:
    """`text` with control characters written as escapes (`\\x1b`), as a person's terminal shows it, and no
    line a CI runner reads as a command."""
    return ci_inert(text.translate(_CONTROLS))


# A file name is one line: a newline in it would start a line of its own (`::error ...` read as a workflow command).
_PATH_CONTROLS = {**_CONTROLS, ord("\n"): "\\n", ord("\t"): "\\t"}


def terminal_path(path: str) -> str:
    """A file name for the text format: every control character escaped, line breaks and tabs too."""
    return path.translate(_PATH_CONTROLS)


def terminal_line(text: str) -> str:
    """A diagnostic for the text format: one line (a line break in a quoted value shown as `\\n`), no command."""
    return ci_inert(text.translate(_PATH_CONTROLS))


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (`file=`, `title=`); `##vso[` shows as `%23#vso[`: Azure reads it anywhere in a line."""
    return _JSON_CI_COMMAND.sub("%23", escape_data(text).replace(":", "%3A").replace(",", "%2C"))


def github_path(file: str, env: Mapping[str, str] | None = None) -> str:
    """A path as GitHub wants it in an annotation: relative to the repository root ($GITHUB_WORKSPACE, else
    the working directory), with '/' separators. A path outside that root is left as it was given."""
    env = os.environ if env is None else env
    root = os.path.realpath(env.get("GITHUB_WORKSPACE") or os.getcwd())
    full = os.path.realpath(os.path.abspath(file))
    if full != root and not full.startswith(root + os.sep):
        return file
    return os.path.relpath(full, root).replace(os.sep, "/")


def annotation(kind: str, message: str, *, file: str = "", line: int = 0, col: int = 0, title: str = "obsc") -> str:
    """`::error file=F,line=L,col=C,title=T::message` (kind: error, warning or notice)."""
    props = []
    if file:
        props.append(f"file={escape_property(github_path(file))}")
        if line > 0:
            props.append(f"line={line}")
            if col > 0:
                props.append(f"col={col}")
    props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(ci_inert(message))}"  # `##vso[` is Azure's anywhere


def github(diagnostic: Diagnostic, kind: str = "error") -> str:
    loc = diagnostic.location
    where = json_path(diagnostic.path)
    title = f"obsc: {where}" if diagnostic.path else "obsc"
    return annotation(kind, diagnostic.message, file=loc.file, line=loc.line, col=loc.col, title=title)
