"""Files obsc does not own in folders that Prometheus or Grafana load whole, or that alertmanager.yml's `templates:`
match: kept (they are the user's), but said, since those servers load them beside obsc's files and obsc validates
none of them (a broken hotfix rule file makes Prometheus refuse the whole reload; a datasource added under Grafana's
provisioning root can become the default every obsc dashboard reads; a template file redefines obsc's notification
content for every team: output/template_globs.py).

What each loads: Prometheus's `rule_files` glob, the files of a rule folder; Grafana's dashboard providers, their
folder and every folder below it; Grafana's provisioning root (`GF_PATHS_PROVISIONING=<out>/grafana/provisioning`),
the files of each folder in it (datasources/, alerting/, plugins/...). Folders obsc does not write into are listed
only here, only there, and only up to a bound: a folder of a million files costs a bounded listing, not a hang.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from compiler import conventions
from compiler.output import tree
from compiler.output.template_globs import loaded_templates

_LOADED_FOLDERS = (*conventions.RULE_DIRS, conventions.GRAFANA_DASHBOARDS_DIR, conventions.GRAFANA_PROVISIONING_DIR)
_LOADED_SUFFIXES = (".yaml", ".yml", ".json")
_MAX_LISTED = 10_000  # entries of folders obsc does not write into, listed to find such files


def loaded_strangers(
    root: str,
    entries: Mapping[str, str],
    scanned: AbstractSet[str],
    ours: AbstractSet[str],
    alertmanager_config: str | None = None,
) -> list[str]:
    """Each file not in `ours` that a server loads with obsc's files (relative paths, sorted). `entries` is the scan of
    `root` that entered the folders in `scanned` (tree.scan); the user's own folders where a server reads below
    obsc's are listed here. `alertmanager_config`: the alertmanager.yml being written, whose templates are loaded."""
    found = dict(entries)
    unlisted = [p for p, kind in entries.items() if kind == tree.DIR and p not in scanned and _read_below(p)]
    found.update(_below(root, unlisted))
    loaded = {
        path
        for path, kind in found.items()
        if kind in (tree.FILE, tree.SYMLINK) and path.endswith(_LOADED_SUFFIXES) and _loads(path)
    }
    loaded.update(loaded_templates(root, alertmanager_config))
    return sorted(loaded - ours)


def warning(path: str) -> str:
    """What every compile, check and diff says of a loaded stranger (check also fails on it)."""
    return (
        f"{path}: not obsc's, in a folder the generated configs load whole; obsc neither writes nor validates it "
        "(move it out, or validate it yourself)"
    )


def _loads(path: str) -> bool:
    """Whether a server loads a file at `path` (relative, posix)."""
    folder = os.path.dirname(path)
    if any(folder == f or folder.startswith(f + "/") for f in conventions.RULE_DIRS):
        return True
    dashboards, provisioning = conventions.GRAFANA_DASHBOARDS_DIR, conventions.GRAFANA_PROVISIONING_DIR
    return folder == dashboards or folder.startswith(dashboards + "/") or os.path.dirname(folder) == provisioning


def _read_below(folder: str) -> bool:
    """Whether a server reads files below `folder` (a folder the scan did not enter)."""
    dashboards, provisioning = conventions.GRAFANA_DASHBOARDS_DIR, conventions.GRAFANA_PROVISIONING_DIR
    return folder.startswith(dashboards + "/") or os.path.dirname(folder) == provisioning


def _below(root: str, folders: list[str]) -> dict[str, str]:
    """relative path → kind of what lies below `folders` (never through a symlink), up to _MAX_LISTED entries."""
    listed: dict[str, str] = {}
    pending = sorted(folders, reverse=True)
    while pending and len(listed) < _MAX_LISTED:
        folder = pending.pop()
        try:
            with os.scandir(os.path.join(root, folder)) as listing:
                for entry in listing:
                    path = f"{folder}/{entry.name}"
                    kind = tree.kind_of(entry.stat(follow_symlinks=False).st_mode)
                    listed[path] = kind
                    if kind == tree.DIR and path.startswith(conventions.GRAFANA_DASHBOARDS_DIR + "/"):
                        pending.append(path)  # a dashboard provider walks its folder's subfolders too
                    if len(listed) >= _MAX_LISTED:
                        break
        except OSError:
            continue  # gone, or not ours to read: nothing to say about it
    return listed
