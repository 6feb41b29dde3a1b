"""The spec files of the spec tree that a compile did not name, read only when the model asks (round 49).

Without `secrets.team_spec_dir` a folder belongs to the team whose specs it holds (model/import_owners.py). Judged
on the compile's own specs alone, `obsc compile specs/alpha` knew no folder of bravo's and passed an import of
bravo's file that the compile of the whole tree refused: a team's CI compiling its own folder was blind. The tree
is the one a compile of the platform file's folder reads (the specs' repository top when the platform file lies
elsewhere); its other specs are found and read here, a folder at a time (and, for the destinations of
model/tree_destinations.py, all of them). Their Jsonnet is evaluated within an allowance of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from compiler.errors import InputError
from compiler.spec import discovery, loader
from compiler.spec.document import Document

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

    def __init__(self, top: str, named: Iterable[str], jsonnet: loader.JsonnetOptions, absolute: bool) -> None:
        self.top = top
        self._absolute = absolute  # the compile's paths were given absolute: so are these in its messages
        self._named = frozenset(named)
        self._jsonnet = jsonnet
        self._below: dict[str, tuple[str, ...]] = {}
        self._documents: dict[str, list[Document] | None] = {}

    def below(self, folder: str) -> tuple[str, ...]:
        """Real paths of the unnamed spec files in `folder` or below it (YAML before Jsonnet: cheaper to read)."""
        if folder not in self._below:
            found: set[str] = set()
            if _below(folder, self.top) and os.path.isdir(folder):
                specs, _, _ = discovery.discover([folder])  # another folder's problems are not this compile's
                found = {real for real in map(os.path.realpath, specs) if real not in self._named}
            self._below[folder] = tuple(sorted(found, key=lambda real: (discovery.is_jsonnet(real), real)))
        return self._below[folder]

    def documents(self, real: str) -> list[Document] | None:
        """The file's documents (empty when it cannot be read: the full compile builds no service of it either),
        or None when the tree's Jsonnet allowance (`jsonnet.spec_time`: its own, not the compile's, which the
        compile's specs could spend to leave another team's unread) ran out before it was evaluated."""
        if real not in self._documents:
            spec_time = self._jsonnet.spec_time
            try:
                self._documents[real] = loader.load_file(
                    real if self._absolute else os.path.relpath(real), self._jsonnet
                )
            except InputError:
                ran_out = spec_time is not None and bool(spec_time.ran_out_at)
                self._documents[real] = None if ran_out and discovery.is_jsonnet(real) else []
        return self._documents[real]

    def teams(self, real: str) -> frozenset[str] | None:
        """The teams the file's service documents name (None: not evaluated in time)."""
        docs = self.documents(real)
        if docs is None:
            return None
        return frozenset(
            doc.data["team"]
            for doc in docs
            if isinstance(doc.data, dict)
            and doc.data.get("apiVersion") == _SPEC_API
            and doc.data.get("kind", "Service") == "Service"
            and isinstance(doc.data.get("team"), str)
        )

    def of_fleet(self, platform_files: Sequence[str]) -> Iterator[Document]:
        """Every document of `every`, when the tree is the platform file's folder (the fleet a compile of that folder
        reads); nothing when it is a repository's top, which may hold other fleets (examples, test cases)."""
        folder = os.path.realpath(os.path.dirname(platform_files[0]) or ".") if platform_files else None
        if folder == self.top:
            yield from self.every()

    def every(self) -> Iterator[Document]:
        """Every document of every unnamed spec of the tree that could be read."""
        for real in self.below(self.top):
            yield from self.documents(real) or ()


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
