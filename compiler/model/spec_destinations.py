"""A webhook URL or e-mail address written in the specs of two teams, where specs live in their team's folder.

destinations.py keeps a spec off what the platform file gives another team. What a team's own spec writes
inline was nobody's (round 40, hostile hunt): a spec of alpha could write the ticket hook or the on-call
address a spec of bravo sends to (`payments-oncall@…`, a PagerDuty mail integration), unseen by bravo's
reviewers, and ring bravo's queue or pager with alpha's alerts, as bravo's. With `secrets.team_spec_dir` a
spec speaks for the team whose folder holds it (CODEOWNERS), so what it writes is that team's: another team's
spec writing it, or a PagerDuty or Opsgenie API URL posting there, is a located error at both, since obsc cannot
tell which came first. A relay both teams use is the platform's word: a receiver under `receivers:` that each
names (a destination the platform file writes anywhere is not judged here). Without `team_spec_dir` a spec's
`team:` is a claim and owns nothing. A compile of some spec files only reads the other teams' specs of the tree
for this when one of its own writes a destination (tree_destinations.py, round 49).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from compiler.errors import Diagnostic
from compiler.model.destinations import OWNED_SETTINGS, WRITTEN_SETTINGS, destination_key
from compiler.model.teams import spec_receiver_owners
from compiler.model.types import Platform, Receiver, Service

Key = tuple[str, tuple[str, ...]]  # (webhook | email, destination key)


@dataclass(frozen=True)
class _Written:
    key: Key
    team: str
    value: str
    receiver: Receiver
    setting: tuple[str, str]  # (integration, setting)
    owned: bool  # a webhook URL or address (a PagerDuty or Opsgenie API URL only posts there)


def spec_destination_clashes(
    services: Sequence[Service], receivers: Sequence[Receiver], platform: Platform
) -> list[Diagnostic]:
    """One error per spec receiver setting that sends where another team's spec sends."""
    if not platform.secrets.team_spec_dir:
        return []
    owners = spec_receiver_owners(services)
    platform_written: set[Key] = set()
    found: list[_Written] = []
    for receiver in receivers:
        team = owners.get((receiver.location.file, receiver.scope))
        for written in _written(receiver, team or ""):
            if team:
                found.append(written)
            else:
                platform_written.add(written.key)
    owned: dict[Key, list[_Written]] = {}
    for written in found:
        if written.owned and not any(k in platform_written for k in _covering(written.key)):
            owned.setdefault(written.key, []).append(written)
    problems: dict[tuple[str, tuple[str | int, ...]], Diagnostic] = {}
    for written in found:
        if any(k in platform_written for k in _covering(written.key)):
            continue
        for other in (o for k in _covering(written.key) for o in owned.get(k, ()) if o.team != written.team):
            # both ends: the one below (or equal) and the one it is below, each at its own line
            for here, there in ((written, other), (other, written)) if written.owned else ((written, other),):
                diagnostic = _problem(here, there)
                problems.setdefault((str(diagnostic.location), diagnostic.path), diagnostic)
    return list(problems.values())


def writes_destination(receiver: Receiver) -> bool:
    """Whether the receiver writes a setting judged here (a webhook URL or address, or an API URL)."""
    return any(True for _ in _written(receiver, ""))


def _written(receiver: Receiver, team: str) -> Iterator[_Written]:
    for integration in receiver.integrations:
        for kind, setting in WRITTEN_SETTINGS:
            value = integration.get(setting) if integration.kind == kind else None
            compared = "email" if kind == "email" else "webhook"
            key = destination_key(compared, value) if isinstance(value, str) else None
            if key is not None:
                assert isinstance(value, str)
                owned = (kind, setting) in OWNED_SETTINGS
                yield _Written((compared, key), team, value, receiver, (kind, setting), owned)


def _covering(key: Key) -> Iterator[Key]:
    """`key` and, for a URL, each path above it but the root: a hook below another team's is still theirs."""
    yield key
    kind, destination = key
    if kind != "webhook":
        return
    origin, path = destination
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        if path not in ("/", ""):
            yield (kind, (origin, path))


def _problem(written: _Written, other: _Written) -> Diagnostic:
    where = f"{'.'.join(map(str, (*other.receiver.path, *other.setting)))} at {other.receiver.location}"
    message = (
        f"{written.value!r} is the destination {other.value!r} of a spec of team {other.team!r} ({where}), or on "
        "its path: with secrets.team_spec_dir a spec's destinations are its team's, and one that specs of two teams "
        f"write would file team {written.team}'s alerts as team {other.team}'s; send to your team's own, or, for a "
        "relay both teams share, ask the platform team to define it under receivers: and name that receiver"
    )
    return Diagnostic(written.receiver.location, (*written.receiver.path, *written.setting), message)
