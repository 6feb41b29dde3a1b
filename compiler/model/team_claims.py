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

import os

from compiler.model.secrets import team_root
from compiler.model.types import SecretPolicy


def claim_problem(spec_file: str, team: str, policy_: SecretPolicy) -> str | None:
    """Why the spec in `spec_file` may not say `team: <team>`, or None (no team_spec_dir: any spec may)."""
    if not policy_.team_spec_dir:
        return None
    relative = team_root(policy_.team_spec_dir, team)
    folder = os.path.join(os.path.dirname(policy_.platform_file), relative)
    real_folder = os.path.join(os.path.realpath(os.path.dirname(policy_.platform_file) or "."), relative)
    real = os.path.realpath(spec_file)
    if real.startswith(os.path.abspath(real_folder) + os.sep):
        return None
    why = ""
    if os.path.abspath(spec_file).startswith(os.path.abspath(folder) + os.sep):
        why = f" (its path goes through a symlink: the file is {os.path.relpath(real)})"
    return (
        f"only specs below {folder} may belong to team {team!r} (secrets.team_spec_dir in {policy_.platform_file}){why}"
        ": that folder's owners are who may speak for the team and use its secrets; move the spec there"
    )
