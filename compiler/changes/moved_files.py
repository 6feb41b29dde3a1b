"""Files a rename moves: a service's or team's dashboard, and under the prometheus-operator layout a team's
AlertmanagerConfig object (`alertmanager/operator/<team>.yaml`), removed and added under the new name.

Said on the rename's row rather than as two rows each: round 44 left a team renamed under the operator layout
with its AlertmanagerConfig file removed and another added beside the rename's row, with no word that the
operator deletes one object and creates the other (the routes inside them are on the row already).
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler.changes.summary import Change

# The operator layout's AlertmanagerConfig objects, one file per team
OPERATOR_ROUTING = "alertmanager/operator/"


def pairs(
    label: str, old: str, new: str, team: tuple[str, str] | None, rows: Iterable[Change], kind: str
) -> list[tuple[str, str]]:
    """(removed path, added path) of the rows of `kind` whose paths differ by the renamed value (a file or a
    folder name; the team's too, for a service renamed and moved at once)."""
    rows = list(rows)
    mine = [r for r in rows if r.kind == kind and (kind != "file" or r.name.startswith(OPERATOR_ROUTING))]
    if kind == "file" and label != "team":
        return []  # a service's routes live in its team's object, which only changed (said as the file's row)
    added = {r.name for r in mine if r.action == "added"}
    names = {old: new, old + ".json": new + ".json", old + ".yaml": new + ".yaml"}
    if team:
        names.update({team[0]: team[1], team[0] + ".yaml": team[1] + ".yaml"})
    out = []
    for row in mine:
        if row.action == "removed":
            parts = row.name.split("/")
            if label == "service" and not {old, old + ".json", old + ".yaml"} & set(parts):
                continue  # another service's file of the team a renamed service moved from
            moved = "/".join(names.get(part, part) for part in parts)
            if moved != row.name and moved in added:
                out.append((row.name, moved))
    return out


def notes(boards: list[tuple[str, str]], objects: list[tuple[str, str]]) -> list[str]:
    return [f"dashboard moves: {a} → {b}" for a, b in boards] + [
        f"AlertmanagerConfig moves: {a} → {b} (another object: delete the old one where the deploy does not prune)"
        for a, b in objects
    ]
