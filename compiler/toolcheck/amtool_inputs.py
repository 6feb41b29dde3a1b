"""The files `amtool check-config` reads besides obsc's own: the platform's `templates:` entries.

alertmanager.yml lists obsc's template and, after it, whatever the platform file adds (`custom/*.tmpl`, an
absolute path on the Alertmanager host). amtool parses every file those match, so the validation record's
key of the Alertmanager check must cover them: a broken team template in `--out/alertmanager/custom/` was
skipped because only obsc's generated files were hashed (round 28).

Alertmanager resolves an entry against the config file's folder (Go's filepath.Join, a lexical clean) and
expands it with Go's filepath.Glob: a pattern without `*?[\\` is one file (or nothing when it is missing);
otherwise, when only the last part has those characters, the names in its folder are matched. The key
covers more than Go reads, never less: every name in that folder (a folder entry by name only: Go never
reads into it) and the bytes of every other entry. A pattern with a wildcard in a folder part cannot be
pinned down this way: the check then has no key and always runs.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from dataclasses import dataclass
from typing import Any

import yaml

from compiler.toolcheck import yaml_outline

_META = "*?[\\"  # Go's hasMeta on Unix
_SHAPE = {"templates": yaml_outline.SCALARS}
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEMPLATES_LINE = re.compile(r"^templates: *\[[^\n#]*\] *$", re.M)
_ANY_TEMPLATES_KEY = re.compile(r"^[\"']?templates[\"']?\s*:", re.M)  # one key, no second spelling


@dataclass(frozen=True)
class TemplateInputs:
    """What the templates read: `files` (relative to the tree, or absolute) whose bytes count, and `listing`:
    what else decides the match (folder listings, literal paths that are missing), hashed into the key."""

    files: tuple[str, ...]
    listing: str


def template_inputs(tree_dir: str, config: str) -> TemplateInputs | None:
    """The inputs of the `templates:` of `config` (a path relative to `tree_dir`); None when they cannot be
    pinned down (an unreadable config, a wildcard in a folder part, a symlink, FIFO or device where a template
    may be: never opened here, a FIFO would block): the check then always runs."""
    entries = _entries(os.path.join(tree_dir, config))
    if entries is None:
        return None
    files: list[str] = []
    listing: list[str] = []
    for entry in entries:
        path = _resolved(tree_dir, config, entry)
        if not any(c in path for c in _META):
            kind = _kind(os.path.join(tree_dir, path))
            if kind == "other":
                return None
            (files if kind == "file" else listing).append(path if kind == "file" else f"{kind} {path}")
            continue
        folder, _ = posixpath.split(path)
        if any(c in folder for c in _META):
            return None
        names = _names(os.path.join(tree_dir, folder or "."))
        if names is None:
            listing.append(f"no folder {folder}")
            continue
        if any(kind == "other" for _, kind in names):
            return None
        listing.append(f"folder {folder}: " + "\0".join(f"{n}/" if kind == "folder" else n for n, kind in names))
        files.extend(posixpath.join(folder, n) for n, kind in names if kind == "file")
    return TemplateInputs(tuple(files), "\n".join(listing))


def _resolved(tree_dir: str, config: str, entry: str) -> str:
    """`entry` as Alertmanager resolves it (lexically, against the config's folder): relative to the tree, or
    absolute when it is written so or leads out of the tree (then keyed by this machine's path: more work on
    another machine, never a wrong match)."""
    if posixpath.isabs(entry):
        return entry
    path = posixpath.normpath(posixpath.join(posixpath.dirname(config), entry))
    if path == ".." or path.startswith("../"):
        return os.path.normpath(os.path.join(os.path.abspath(tree_dir), path))
    return path


def _entries(path: str) -> list[str] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return None
    data = _one_line(text)
    if data is None:
        data = yaml_outline.read(text, _SHAPE)
    if data is None:
        try:
            data = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:
            return None
    templates = data.get("templates") if isinstance(data, dict) else None
    if templates is None:
        return []
    if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
        return None
    return list(templates)


def _one_line(text: str) -> dict[str, Any] | None:
    """`templates:` as obsc writes it, one flow line at the top level, read alone: reading the events of a
    fleet's alertmanager.yml (6 MB) took 2.6 s of every validated compile. None when the file says it otherwise."""
    if len(_ANY_TEMPLATES_KEY.findall(text)) != 1 or (found := _TEMPLATES_LINE.search(text)) is None:
        return None
    try:
        data = yaml.load(found.group(0), Loader=_LOADER)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _kind(path: str) -> str:
    """ "file" (regular), "folder", "missing" or "other" (a symlink, FIFO, socket or device), not followed."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "other"
    return "file" if stat.S_ISREG(mode) else "folder" if stat.S_ISDIR(mode) else "other"


def _names(folder: str) -> list[tuple[str, str]] | None:
    """Every entry of `folder`, sorted, with its kind (`_kind`); None when it cannot be listed."""
    try:
        with os.scandir(folder) as found:
            names = sorted(e.name for e in found)
    except OSError:
        return None
    return [(name, _kind(os.path.join(folder, name))) for name in names]
