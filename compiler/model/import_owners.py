"""Whose folder a Jsonnet spec imports from when the platform file sets no `secrets.team_spec_dir`.

Without it folders had no owner, so any spec could `importstr` any file the `-J` paths reach: alpha's spec read
bravo's spec, bravo's notes or bravo's libraries (round 47 left it open). A folder is now read as the team whose
specs it holds: the nearest folder around an imported file that holds specs of this compile (in it or below it)
belongs to a team when every one of them says that team. A spec may import from its own team's folders and from
folders no one team holds (a library folder beside several teams', or one outside the spec tree); a file of a
folder that only another team's specs live in is a located error. Judged on the paths the loader recorded: the
model asks nothing of the file system.

What this cannot tell: a folder holding specs of two teams is shared, and a compile of some spec files only (`obsc
compile specs/alpha`) knows no other team's folder. With team_spec_dir the folders are the platform's word instead
(team_claims.py), and this reading is not made.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from compiler.errors import Diagnostic, Location

# A Jsonnet spec file, its `team:` and its imports: (real path, line, col of the import in the spec).
Importer = tuple[str, str, tuple[tuple[str, int, int], ...]]


def folder_teams(spec_teams: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Every folder above a spec (by real path) -> the teams of the specs in it or below it."""
    found: dict[str, set[str]] = {}
    for real, team in spec_teams.items():
        folder = os.path.dirname(real)
        while True:
            found.setdefault(folder, set()).add(team)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return {folder: frozenset(teams) for folder, teams in found.items()}


def owner(real: str, teams: Mapping[str, frozenset[str]]) -> tuple[str, str] | None:
    """(team, folder) when the nearest folder around `real` that holds specs holds only that team's, else None."""
    folder = os.path.dirname(real)
    while folder not in teams:
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    (team, *others) = sorted(teams[folder])
    return None if others else (team, folder)


def problems(importers: Iterable[Importer], spec_teams: Mapping[str, str]) -> list[Diagnostic]:
    """An import of a file whose folder holds only another team's specs, at the import (a library's, at the
    spec's first line, as the loader recorded it)."""
    teams = folder_teams(spec_teams)
    found = []
    for file, team, imports in importers:
        for real, line, col in imports:
            held = owner(real, teams)
            if held is None or held[0] == team:
                continue
            other, folder = held
            what = f"team {other}'s spec" if spec_teams.get(real) == other else "a file"
            message = (
                f"imports {os.path.relpath(real)}, {what} in {os.path.relpath(folder)}, where only team {other}'s "
                f"specs live: without secrets.team_spec_dir a folder belongs to the team whose specs it holds, and a "
                f"spec of team {team} reads only its own team's folders and folders no one team holds; move what the "
                "teams share to a -J library folder outside the team folders"
            )
            found.append(Diagnostic(Location(file, line, col), (), message))
    return found
