"""Whose folder a Jsonnet spec imports from when the platform file sets no `secrets.team_spec_dir`.

Without it folders had no owner, so any spec could `importstr` any file the `-J` paths reach: alpha's spec read
bravo's spec, bravo's notes or bravo's libraries (round 47 left it open). A folder is now read as the team whose
specs it holds: the nearest folder around an imported file that holds specs of this compile (in it or below it)
belongs to a team when every one of them says that team. A spec may import from its own team's folders and from
folders no one team holds (a library folder beside several teams', or one outside the spec tree); a file of a
folder that only another team's specs live in is a located error. Judged on the paths the loader recorded: the
model asks nothing of the file system.

A compile of some spec files only (`obsc compile specs/alpha`) reads the same folders (round 49): the specs of the
spec tree it did not name are found and read where an import needs them (`Tree`, spec/tree_specs.py), nearest folder
first, until the folder's owner is known. A folder holding specs of two teams is shared. With team_spec_dir the
folders are the platform's word instead (team_claims.py), and this reading is not made.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Protocol

from compiler.errors import Diagnostic, Location

# A Jsonnet spec file, its `team:` and its imports: (real path, line, col of the import in the spec).
Importer = tuple[str, str, tuple[tuple[str, int, int], ...]]


class Tree(Protocol):
    """The spec files of the spec tree below `top` that the compile did not name."""

    top: str

    def below(self, folder: str) -> tuple[str, ...]:
        """Their real paths in `folder` or below it, in the order to read them."""
        ...

    def teams(self, real: str) -> frozenset[str] | None:
        """The teams one names (empty: unreadable, as the full compile reads it; None: not evaluated in time)."""
        ...


def folder_teams(spec_teams: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Every folder above a spec (by real path) -> the teams of the specs in it or below it."""
    found: dict[str, set[str]] = {}
    for real, team in spec_teams.items():
        _add(real, (team,), found)
    return {folder: frozenset(teams) for folder, teams in found.items()}


def owner(real: str, teams: Mapping[str, AbstractSet[str]]) -> tuple[str, str] | None:
    """(team, folder) when the nearest folder around `real` that holds specs holds only that team's, else None."""
    folder = os.path.dirname(real)
    while folder not in teams:
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    (team, *others) = sorted(teams[folder])
    return None if others else (team, folder)


def problems(
    importers: Iterable[Importer], spec_teams: Mapping[str, str], tree: Tree | None = None
) -> list[Diagnostic]:
    """An import of a file whose folder holds only another team's specs, at the import (a library's, at the
    spec's first line, as the loader recorded it). `tree`: the specs the compile did not name, read as needed."""
    teams = {folder: set(held) for folder, held in folder_teams(spec_teams).items()}
    read: dict[str, frozenset[str]] = {}
    found = []
    for file, team, imports in importers:
        for real, line, col in imports:
            unread = _read_around(real, team, teams, tree, read) if tree is not None else None
            if unread is not None:
                found.append(Diagnostic(Location(file, line, col), (), _undecided(real, unread)))
                continue
            held = owner(real, teams)
            if held is None or held[0] == team:
                continue
            other, folder = held
            whose = read.get(real, frozenset({spec_teams[real]}) if real in spec_teams else frozenset())
            what = f"team {other}'s spec" if whose == {other} else "a file"
            message = (
                f"imports {os.path.relpath(real)}, {what} in {os.path.relpath(folder)}, where only team {other}'s "
                f"specs live: without secrets.team_spec_dir a folder belongs to the team whose specs it holds, and a "
                f"spec of team {team} reads only its own team's folders and folders no one team holds; move what the "
                "teams share to a -J library folder outside the team folders"
            )
            found.append(Diagnostic(Location(file, line, col), (), message))
    return found


def _read_around(
    real: str, team: str, teams: dict[str, set[str]], tree: Tree, read: dict[str, frozenset[str]]
) -> str | None:
    """Read the tree's unnamed specs in the folders around `real`, nearest first, until its owner is known: a
    folder holding a spec of `team` or of two teams, or one team's whole folder. Their teams are added to `teams`
    (every folder above each). Returns a spec that had to be read and was not evaluated in time, else None."""
    folder = os.path.dirname(real)
    while folder == tree.top or folder.startswith(tree.top.rstrip(os.sep) + os.sep):
        if team in teams.get(folder, ()):
            return None  # its own folder or a shared one, whatever else it holds
        for path in tree.below(folder):
            if len(teams.get(folder, ())) >= 2:
                break
            if path in read:
                continue
            said = tree.teams(path)
            if said is None:
                return path
            read[path] = said
            if said:
                _add(path, said, teams)
        if teams.get(folder):
            return None
        folder = os.path.dirname(folder)
    return None


def _add(real: str, said: Iterable[str], teams: dict[str, set[str]]) -> None:
    folder = os.path.dirname(real)
    while True:
        teams.setdefault(folder, set()).update(said)
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _undecided(real: str, unread: str) -> str:
    return (
        f"imports {os.path.relpath(real)}, in a folder whose owner this compile cannot tell: the Jsonnet spec "
        f"{os.path.relpath(unread)} of that folder was not evaluated (the allowance for reading the specs this "
        "compile did not name, OBSC_JSONNET_TOTAL, ran out), and without secrets.team_spec_dir a folder belongs to "
        "the team whose specs it holds; make the Jsonnet specs cheaper, or move what the teams share to a -J "
        "library folder outside the team folders"
    )
