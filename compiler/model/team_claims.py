"""Which spec may say `team: T`: with `secrets.team_spec_dir` (`teams/{team}/`), only one that lives below T's
folder, whose CODEOWNERS entry names who may speak for T and use its secrets (docs/operations.md).

"Lives below" is read on the spec's real path, below the platform file's real folder: a symlink is a file to git,
so CODEOWNERS' `/specs/teams/bravo/` does not guard one named `specs/teams/bravo`. A contributor of team alpha
could add that symlink, pointing at a folder of alpha's own (`teams/alpha/.b`), while bravo has no folder yet, and
its spec there, read as `teams/bravo/x.yaml`, would claim bravo and use bravo's secret files. A spec file that is
a symlink in bravo's folder to a file elsewhere is judged by where its text lives too: whoever owns that folder
writes what it says.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable

from compiler.errors import Diagnostic, Location
from compiler.model.secrets import owning_team, team_root
from compiler.model.teams import defined_teams
from compiler.model.types import Platform, SecretPolicy, Service


def claim_problem(
    spec_file: str, real_file: str, team: str, policy_: SecretPolicy, link_folders: tuple[str, ...] = ()
) -> str | None:
    """Why the spec in `spec_file` (whose text is at `real_file`, as the loader resolved it, through symlinks held
    in `link_folders`) may not say `team: <team>`, or None (no team_spec_dir: any spec may). Paths are compared as
    strings: the loader recorded the real ones (an unloaded spec or platform, "", is read at its path as given)."""
    if not policy_.team_spec_dir:
        return None
    relative = team_root(policy_.team_spec_dir, team)
    folder = os.path.join(os.path.dirname(policy_.platform_file), relative)
    base = policy_.platform_real_folder or os.path.dirname(policy_.platform_file)
    real = os.path.abspath(real_file or spec_file)
    own = os.path.abspath(os.path.join(base, relative))
    if real.startswith(own + os.sep):
        return _foreign_link(link_folders, os.path.abspath(base), own, folder, team, policy_.platform_file)
    why = ""
    if os.path.abspath(spec_file).startswith(os.path.abspath(folder) + os.sep):
        why = f" (its path goes through a symlink: the file is {os.path.relpath(real)})"
    elif meant := _written_from_elsewhere(policy_.team_spec_dir, relative, base, real):
        return (
            f"only specs below {folder} may belong to team {team!r}: secrets.team_spec_dir in "
            f"{policy_.platform_file} is read from that file's folder, not from the repository's top; write "
            f"team_spec_dir: {meant!r}, below which this spec lies"
        )
    return (
        f"only specs below {folder} may belong to team {team!r} (secrets.team_spec_dir in {policy_.platform_file}){why}"
        ": that folder's owners are who may speak for the team and use its secrets; move the spec there"
    )


def _foreign_link(links: tuple[str, ...], base: str, own: str, folder: str, team: str, platform: str) -> str | None:
    """A symlink outside the team's folder that reads a file inside it (round 52: a link in alpha's folder to
    bravo's `.draft.yaml`, which obsc skips as a dot file, compiled bravo's draft, paging bravo). Links above the
    platform file's folder (the whole tree moved behind one) are no team's."""
    for link in links:
        if (link == base or link.startswith(base + os.sep)) and not (link == own or link.startswith(own + os.sep)):
            shown = os.path.normpath(os.path.join(os.path.dirname(platform), os.path.relpath(link, base)))
            return (
                f"only specs below {folder} may belong to team {team!r} (secrets.team_spec_dir in {platform}): this "
                f"one is read through a symlink in {shown}, outside that folder, and that folder's "
                "owners, not the team's, chose what the link reads; remove the link"
            )
    return None


def import_problems(
    file: str, imports: Iterable[tuple[str, int, int]], team: str, policy_: SecretPolicy
) -> list[Diagnostic]:
    """A Jsonnet spec's imports (real paths, where it imports them) that are not its team's to read: a file below
    a secret root (obsc never reads a secret: its text would be published in the output), and, with
    team_spec_dir, a file below another team's folder (round 46: `-J specs` let alpha's spec `importstr` bravo's
    spec; a library shared by teams belongs in a -J folder no team owns)."""
    base = os.path.abspath(policy_.platform_real_folder or os.path.dirname(policy_.platform_file))
    found = []
    for real, line, col in imports:
        owner = owning_team(real, policy_.team_root) if policy_.team_root else None
        if owner is not None or (policy_.shared_root and real.startswith(policy_.shared_root.rstrip("/") + "/")):
            whose = f"team {owner}'s" if owner is not None else "the platform's"
            message = (
                f"imports {real}, below {whose} secret root (secrets in {policy_.platform_file}): obsc never reads a "
                "secret file, whose text would be written into the output; refer to secrets with *_file settings"
            )
        elif policy_.team_spec_dir and (other := _other_team(real, base, team, policy_.team_spec_dir)):
            shown = os.path.join(os.path.dirname(policy_.platform_file), os.path.relpath(real, base))
            folder = os.path.join(os.path.dirname(policy_.platform_file), team_root(policy_.team_spec_dir, other))
            message = (
                f"imports {shown}, a file of team {other} (below {folder}, secrets.team_spec_dir in "
                f"{policy_.platform_file}): a spec of team {team} reads only its own team's folder and libraries no "
                "team owns; move what the teams share to a -J library folder outside the team folders"
            )
        else:
            continue
        found.append(Diagnostic(Location(file, line, col), (), message))
    return found


def _other_team(real: str, base: str, team: str, pattern: str) -> str | None:
    """The team, not `team`, below whose team_spec_dir folder `real` lies, else None."""
    if not real.startswith(base + os.sep):
        return None
    owner = owning_team(os.path.relpath(real, base).replace(os.sep, "/"), pattern.rstrip("/") + "/")
    return owner if owner != team else None


def _written_from_elsewhere(pattern: str, relative: str, base: str, real: str) -> str | None:
    """team_spec_dir written from another folder than the platform file's (`specs/teams/{team}/` beside
    specs/platform.yaml, round 43): the pattern without its first folders, when the spec lies below the folder the
    shorter pattern names. Judged on paths alone: the model asks nothing of the file system (the loader read it)."""
    parts, written = relative.strip("/").split("/"), pattern.strip("/").split("/")
    for drop in range(1, min(len(parts), len(written))):
        if "{team}" in "/".join(written[:drop]):
            return None
        if real.startswith(os.path.abspath(os.path.join(base, *parts[drop:])) + os.sep):
            return "/".join(written[drop:]) + "/"
    return None


def folder_mismatches(services: Iterable[Service], platform: Platform) -> list[str]:
    """Warnings, one per spec: without team_spec_dir, a spec whose nearest folder named like a defined team
    (between the platform file and the spec) names another team than its `team:`. `data-platforms` in
    `data-platform/` is a letter away from the team its neighbours page: its alerts reach the other team's
    receivers and nothing fails. Not an error: without team_spec_dir the platform file gave folders no meaning."""
    if platform.secrets.team_spec_dir or not platform.secrets.platform_file:
        return []
    teams = set(defined_teams(platform))
    top = os.path.abspath(os.path.dirname(platform.secrets.platform_file))
    found = []
    for service in services:
        file = os.path.abspath(service.location.file)
        if not file.startswith(top + os.sep):
            continue
        folders = [f for f in os.path.relpath(os.path.dirname(file), top).split(os.sep) if f in teams]
        if not folders or folders[-1] == service.team:
            continue
        folder = folders[-1]
        near = " (a letter or two from it)" if difflib.get_close_matches(service.team, [folder], cutoff=0.85) else ""
        found.append(
            f"service {service.name!r} ({service.location}) belongs to team {service.team!r} but lives in folder "
            f"{folder!r}, named like team {folder!r}{near}: its alerts go to the receivers of team {service.team}; fix "
            f'team: or move the spec, and set secrets.team_spec_dir (e.g. "{{team}}/") to make folders binding'
        )
    return found
