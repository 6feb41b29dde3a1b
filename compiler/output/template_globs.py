"""The files of the output tree that the generated alertmanager.yml loads as templates, beside obsc's own.

The platform's `alertmanager.templates` entries are copied into alertmanager.yml after `templates/obsc.tmpl`, and
Alertmanager resolves a relative entry against the config file's folder: `templates/*.tmpl` loads every file a
pull request adds to `alertmanager/templates/`. A template defined again in a later file replaces obsc's (Go's
text/template keeps the last definition), so such a file rewrites every team's notifications (its summary, its
runbook link) with no spec behind it. Matching is Go's filepath.Match on Unix: `*` and `?` never cross a `/`,
`[...]` (`[^...]` negated) is a class, a backslash escapes; the entry is joined and cleaned as Alertmanager's
filepath.Join does. Absolute entries name the server's disk, not this tree: left out.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator

import yaml

from compiler import conventions
from compiler.output import tree

_MAX_LISTED = 10_000  # entries listed per pattern: a folder of a million files costs a bounded listing


def loaded_templates(root: str, config_text: str | None) -> list[str]:
    """Relative paths of the files under `root` that `config_text` (alertmanager.yml) lists as templates, and of
    the symlinks a pattern reaches (Alertmanager follows them; obsc does not)."""
    found: set[str] = set()
    for pattern in _patterns(config_text or ""):
        found.update(_matches(root, [re.compile(_regex(part)) for part in pattern.split("/")]))
    return sorted(found)


def _patterns(config_text: str) -> Iterator[str]:
    """Each relative `templates:` entry, as a path below the output root (entries that leave it skipped)."""
    try:
        entries = (yaml.safe_load(_templates_block(config_text)) or {}).get("templates") or []
    except yaml.YAMLError:
        return  # not obsc's spelling; amtool's validation says what is wrong with it
    folder = posixpath.dirname(conventions.ALERTMANAGER_CONFIG)
    for entry in entries:
        if isinstance(entry, str) and entry and not entry.startswith("/"):
            path = posixpath.normpath(posixpath.join(folder, entry))
            if path != ".." and not path.startswith("../"):
                yield path


def _templates_block(config_text: str) -> str:
    """The top-level `templates:` key of the config and its continuation lines (the rest is not read: the file
    holds every route and receiver of the fleet, megabytes for 1,000 services)."""
    text = "\n" + config_text
    start = text.find("\ntemplates:")
    if start < 0:
        return ""
    end = text.find("\n", start + 1)
    while end >= 0 and text.startswith((" ", "- "), end + 1):
        end = text.find("\n", end + 1)
    return text[start + 1 : end if end >= 0 else len(text)]


def _regex(pattern: str) -> str:
    """Go's filepath.Match `pattern` as a Python regex over a relative posix path."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and (end := _class_end(pattern, i)) > 0:
            body = pattern[i + 1 : end]
            negated = body.startswith("^")
            out.append(f"(?!/)[{'^' if negated else ''}{_class_items(body[1:] if negated else body)}]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _class_items(body: str) -> str:
    """A Go class body (characters and `lo-hi` ranges, a backslash escaping) as a Python class body."""
    chars, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            chars.append(re.escape(body[i + 1]))
            i += 2
        elif body[i] == "-" and chars and i + 1 < len(body):
            chars.append("-")
            i += 1
        else:
            chars.append(re.escape(body[i]))
            i += 1
    return "".join(chars)


def _class_end(pattern: str, start: int) -> int:
    """The index of the `]` closing the class opened at `start`, or -1 (the glob check refuses such patterns)."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    first = i
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]" and i > first:
            return i
        i += 1
    return -1


def _matches(root: str, parts: list[re.Pattern[str]]) -> Iterator[str]:
    """Walk from `root` one pattern component per level, never through a symlink, up to _MAX_LISTED entries: the
    files at the last level that match, and any symlink on the way that matches its component."""
    pending, listed = [("", 0)], 0
    while pending and listed < _MAX_LISTED:
        folder, level = pending.pop()
        try:
            with os.scandir(os.path.join(root, folder) if folder else root) as listing:
                for entry in listing:
                    listed += 1
                    if listed > _MAX_LISTED:
                        break
                    if not parts[level].fullmatch(entry.name):
                        continue
                    path = f"{folder}/{entry.name}" if folder else entry.name
                    kind = tree.kind_of(entry.stat(follow_symlinks=False).st_mode)
                    if kind == tree.SYMLINK or (kind == tree.FILE and level == len(parts) - 1):
                        yield path
                    elif kind == tree.DIR and level < len(parts) - 1:
                        pending.append((path, level + 1))
        except OSError:
            continue  # gone, or not ours to read
