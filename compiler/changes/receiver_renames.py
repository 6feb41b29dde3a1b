"""A receiver removed and one added with the same settings, as one `renamed` row of `obsc diff`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from compiler.changes.summary import Change


@dataclass(frozen=True)
class Alertmanager:
    """One side's routes (settings by matcher path) and receivers (settings by name), as changes.alertmanager
    reads them."""

    routes: Mapping[str, Mapping[str, str]]
    receivers: Mapping[str, Mapping[str, str]]


def renamed(rows: list[Change], configs: tuple[Alertmanager, Alertmanager]) -> list[Change]:
    """A receiver removed and one added with the same settings (a team renamed in platform.yaml without its
    specs, say): one row, when no other receiver removed or added has those settings."""
    before, after = configs

    def shape(settings: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(settings.items()))

    gone: dict[tuple[tuple[str, str], ...], list[str]] = {}
    came: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for row in rows:
        if row.kind == "receiver" and row.action == "removed" and row.name in before.receivers:
            gone.setdefault(shape(before.receivers[row.name]), []).append(row.name)
        elif row.kind == "receiver" and row.action == "added" and row.name in after.receivers:
            came.setdefault(shape(after.receivers[row.name]), []).append(row.name)
    pairs = {gone[s][0]: names[0] for s, names in came.items() if len(names) == 1 and len(gone.get(s, ())) == 1}
    if not pairs:
        return rows
    users = {name: sorted(p for p, s in after.routes.items() if s.get("receiver") == name) for name in pairs.values()}
    out = []
    for row in rows:
        if row.kind == "receiver" and row.name in pairs:
            new_name = pairs[row.name]
            used = f"; named by {len(users[new_name])} route(s)" if users[new_name] else ""
            out.append(Change("receiver", "renamed", f"{row.name} → {new_name}", (f"settings as they were{used}",)))
        elif not (row.kind == "receiver" and row.name in pairs.values()):
            out.append(row)
    return out
