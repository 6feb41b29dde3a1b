"""Secret files as the Prometheus Operator reads them: each file is a key of a Kubernetes Secret.

The operator mounts `Alertmanager.spec.secrets` at /etc/alertmanager/secrets/<secret>/<key>, so with
--format prometheus-operator a secret file path becomes (Secret name, key). Below a declared root the Secret
is the folder that stands for the file's owner (secrets.holding_folder), elsewhere the file's own folder; the
key is the rest of the path in the characters a Secret key may hold. That folding is not one-to-one
(`pd/key`, `pd key` and `pd-key` are all key `pd-key`), so two files that fold together are refused: one key
would feed both settings, e.g. a PagerDuty routing key sent as a webhook's Bearer token.
Checked in every format, like the Secret-name clash: the same specs may be compiled for the operator later.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.secrets import (
    NO_PLATFORM,
    SUGGESTED_SHARED_ROOT,
    SUGGESTED_TEAM_ROOT,
    holding_folder,
    team_root,
)
from compiler.model.types import Platform, Receiver, SecretPolicy

# A Secret's name is its owner folder's, lowercased, in DNS characters; a key keeps [-._a-zA-Z0-9].
_NOT_DNS = re.compile(r"[^a-z0-9.-]+")
_NOT_KEY = re.compile(r"[^-._a-zA-Z0-9]+")


def operator_secret_name(folder: str) -> str:
    """The Kubernetes Secret an owner's `folder` stands for (see holding_folder)."""
    return _NOT_DNS.sub("-", folder.lower()).strip("-.") or "alertmanager-secrets"


def operator_secret_key(path: str, policy: SecretPolicy | None = None) -> tuple[str, str]:
    """(Secret name, key) of a secret file path (see the module docstring).

    Below a declared root, the Secret is the owner's folder and the key the rest of the path: a team's file in
    a subfolder it names like another team's folder (team-t1/team-payments/key) must not name that team's
    Secret, and with {team} above the last folder (/srv/{team}/am/) every team would share one Secret."""
    held = holding_folder(path, policy) if policy is not None else None
    if held is not None:
        folder, key = held
    else:
        parent, key = posixpath.split(path.rstrip("/"))
        folder = posixpath.basename(parent)
    return operator_secret_name(folder), _NOT_KEY.sub("-", key) or "secret"


def operator_secret_clash(team: str, policy_: SecretPolicy) -> str | None:
    """Why team `team`'s secret files would be read from the platform's own Secret with --format
    prometheus-operator (its folder and the shared root's last folder give one Secret name), or None."""
    if not (policy_.team_root and policy_.shared_root):
        return None
    own = holding_folder(team_root(policy_.team_root, team) + "x", policy_)
    shared_folder = [s for s in policy_.shared_root.split("/") if s][-1]
    shared = operator_secret_name(shared_folder)
    if own is None or operator_secret_name(own[0]) != shared:
        return None
    where = policy_.platform_file or NO_PLATFORM
    return (
        f"team {team!r}: with --format prometheus-operator its secret files (below "
        f"{team_root(policy_.team_root, team)}) and the platform's (below {policy_.shared_root}) would be keys of "
        f"one Secret, {shared!r}, so its "
        f"receivers could read the platform's secrets; in {where} use roots whose folders no team name can make "
        f"equal, e.g. team_root: {SUGGESTED_TEAM_ROOT} and shared_root: {SUGGESTED_SHARED_ROOT}"
    )


def secret_key_clashes(receivers: Sequence[Receiver], platform: Platform) -> list[Diagnostic]:
    """One error per secret file whose (Secret, key) an earlier, different file already has."""
    seen: dict[tuple[str, str], tuple[str, Location]] = {}
    found: list[Diagnostic] = []
    for path, where, location in _secret_files(receivers, platform):
        ref = operator_secret_key(path, platform.secrets)
        first = seen.setdefault(ref, (path, location))
        if first[0] != path:
            found.append(
                Diagnostic(
                    location,
                    where,
                    f"secret files {first[0]!r} (at {first[1]}) and {path!r} are one key with --format "
                    f"prometheus-operator (key {ref[1]!r} of Secret {ref[0]!r}), so one secret would be used for "
                    "both; rename one of the files (a Secret key keeps only letters, digits, '-', '.' and '_')",
                )
            )
    return found


def _secret_files(
    receivers: Sequence[Receiver], platform: Platform
) -> Iterator[tuple[str, tuple[str | int, ...], Location]]:
    """(path, path in its document, location) of every secret file alertmanager.yml reads."""
    for name, setting in platform.alertmanager.global_settings:
        if name.endswith("_file"):
            yield str(setting), ("alertmanager", "global", name), platform.location
    for receiver in receivers:
        for integration in receiver.integrations:
            for key, value in integration.settings:
                if key.endswith("_file"):
                    yield str(value), (*receiver.path, integration.kind, key), receiver.location
