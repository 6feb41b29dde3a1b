"""The spec files of the spec tree that a compile did not name, read only when the model asks (round 49).

Without `secrets.team_spec_dir` a folder belongs to the team whose specs it holds (model/import_owners.py). Judged
on the compile's own specs alone, `obsc compile specs/alpha` knew no folder of bravo's and passed an import of
bravo's file that the compile of the whole tree refused: a team's CI compiling its own folder was blind. The tree
is the one a compile of the platform file's folder reads (the specs' repository top when the platform file lies
elsewhere); its other specs are found and read here, a folder at a time, and only their `team:` is kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from compiler.errors import InputError
from compiler.spec import discovery, loader

_SPEC_API = "obsc/v1"


def tree_top(inputs: Sequence[str], platform_file: str | None) -> str | None:
    """The real folder whose specs a folder reading covers: the platform file's, when every input lies below it,
    else the repository's top above them (the folder holding .git), else None (the compile's specs only)."""
    reals = [os.path.realpath(path) for path in inputs]
    if not reals:
        return None
    if platform_file:
        folder = os.path.realpath(os.path.dirname(platform_file) or ".")
        if all(_below(real, folder) for real in reals):
            return folder
    folder = os.path.commonpath(reals) if len(reals) > 1 else reals[0]
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder if all(_below(real, folder) for real in reals) else None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


class TreeSpecs:
    """The spec files below `top` the compile did not name (`named`: real paths, platform files and standard
    dashboards among them), found per folder and read once each."""

    def __init__(self, top: str, named: Iterable[str], jsonnet: loader.JsonnetOptions) -> None:
        self.top = top
        self._named = frozenset(named)
        self._jsonnet = jsonnet
        self._below: dict[str, tuple[str, ...]] = {}
        self._teams: dict[str, frozenset[str] | None] = {}

    def below(self, folder: str) -> tuple[str, ...]:
        """Real paths of the unnamed spec files in `folder` or below it (YAML before Jsonnet: cheaper to read)."""
        if folder not in self._below:
            found: set[str] = set()
            if _below(folder, self.top) and os.path.isdir(folder):
                specs, _, _ = discovery.discover([folder])  # another folder's problems are not this compile's
                found = {real for real in map(os.path.realpath, specs) if real not in self._named}
            self._below[folder] = tuple(sorted(found, key=lambda real: (discovery.is_jsonnet(real), real)))
        return self._below[folder]

    def teams(self, real: str) -> frozenset[str] | None:
        """The teams the file's service documents name (empty when it cannot be read: the full compile builds no
        service of it either), or None when the compile's Jsonnet allowance ran out before it was evaluated."""
        if real not in self._teams:
            spec_time = self._jsonnet.spec_time
            try:
                docs = loader.load_file(real, self._jsonnet)
            except InputError:
                ran_out = spec_time is not None and bool(spec_time.ran_out_at)
                self._teams[real] = None if ran_out and discovery.is_jsonnet(real) else frozenset()
            else:
                self._teams[real] = frozenset(
                    doc.data["team"]
                    for doc in docs
                    if isinstance(doc.data, dict)
                    and doc.data.get("apiVersion") == _SPEC_API
                    and doc.data.get("kind", "Service") == "Service"
                    and isinstance(doc.data.get("team"), str)
                )
        return self._teams[real]


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
