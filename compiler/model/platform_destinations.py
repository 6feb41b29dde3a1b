"""The platform file's routes never deliver one team's alerts to another team's destination by another name.

Round 33 refused a route naming a receiver written inline for another team. Two spellings of the same mistake
were left: the same webhook URL, e-mail address or Slack channel written again in another receiver (a copied
block in `teams.bravo.routing`, a named receiver, defaults.routing, the default receiver), and a receiver under
`receivers:` whose secret file lies in one team's root (that team's PagerDuty service, Opsgenie key or Slack
app) named from another team's routing or platform-wide. Either way Alertmanager delivers the first team's
alerts to the second team's on-call, amtool agrees, and nothing after obsc could say so.

The rules, both read off the platform file itself:
- a destination written inline in `teams.<team>.routing` is that team's alone: another receiver that carries
  other teams' alerts may not send there (compared as destinations.py compares a spec's: a webhook URL, or a
  path below it, without case in the host; an address without case or `+tag`; a Slack channel through the
  same Slack URL); two webhook URLs whose queries both say something and differ are two destinations (a
  relay's room, a chat's stream: Zulip reads `?stream=`), as the platform file wrote both;
- a secret file below team S's root is team S's integration: only team S's routes may name a receiver holding
  one. Teams share an integration through a receiver whose files lie below `secrets.shared_root`.
Two receivers under `receivers:` with one destination are not compared: the platform named both to be shared.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from compiler.model.destinations import destination_key
from compiler.model.secrets import owning_team
from compiler.model.slack_channels import GLOBAL_URL
from compiler.model.types import Platform, Receiver
from compiler.spec.document import Path

DEFAULT_RECEIVER: Path = ("alertmanager", "default_receiver")
EVERY_TEAM = ""  # a carrier that is every team: defaults.routing, the default receiver


@dataclass(frozen=True)
class _Use:
    """A route of the platform file naming a receiver: whose alerts it carries, and where it is written."""

    team: str  # EVERY_TEAM for defaults.routing and the default receiver
    path: Path
    what: str  # "the critical alerts of team 'b'", for messages


@dataclass(frozen=True)
class _Owned:
    team: str
    receiver: Receiver
    value: str
    query: tuple[tuple[str, str], ...]  # a webhook URL's (_query)


def platform_destination_problems(platform: Platform, receivers: Sequence[Receiver]) -> Iterator[tuple[Path, str]]:
    """(path in the platform file, message) for each receiver the platform routes other teams to that sends
    to a team's inline destination, and each route naming a receiver that holds another team's secret file."""
    by_name: dict[str, Receiver] = {}
    for receiver in receivers:
        by_name.setdefault(receiver.name, receiver)
    uses = _uses(platform)
    inline = {r.name: team.name for team in platform.teams if team.name for r in team.inline_receivers}
    shared = set(platform.receiver_names)
    yield from _secret_file_problems(platform, by_name, uses, {n for n in inline if n not in shared})
    yield from _destination_problems(platform, by_name, uses, inline, shared)


def _uses(platform: Platform) -> dict[str, list[_Use]]:
    found: dict[str, list[_Use]] = {}
    for team in platform.teams:
        for route in team.routes:
            tier = route.tier.value
            what = (
                f"the {tier} alerts of team {team.name!r}"
                if team.name
                else f"the {tier} alerts of every team without its own routing.{tier}"
            )
            found.setdefault(route.receiver, []).append(_Use(team.name, route.path, what))
    default = platform.alertmanager.default_receiver
    if default:
        what = "every alert no team's routing takes (a cluster alert, a team without routing.<tier>)"
        found.setdefault(default, []).append(_Use(EVERY_TEAM, DEFAULT_RECEIVER, what))
    return found


def _secret_file_problems(
    platform: Platform, by_name: dict[str, Receiver], uses: dict[str, list[_Use]], team_inline: set[str]
) -> Iterator[tuple[Path, str]]:
    pattern = platform.secrets.team_root
    if not pattern or platform.secrets.roots_unknown:
        return
    for name, named_by in sorted(uses.items()):
        receiver = by_name.get(name)
        if receiver is None or name in team_inline:  # a team's inline receiver keeps to its root (secrets.py)
            continue
        files = [
            (str(v), owner)
            for integration in receiver.integrations
            for k, v in integration.settings
            if k.endswith("_file") and isinstance(v, str) and (owner := owning_team(v, pattern)) is not None
        ]
        for use in named_by:
            foreign = next(((f, owner) for f, owner in files if owner != use.team), None)
            if foreign is not None:
                yield use.path, _secret_message(name, receiver, *foreign, use)
    for key, value in platform.alertmanager.global_settings:
        owner = owning_team(value, pattern) if key.endswith("_file") and isinstance(value, str) else None
        if owner is not None:
            what = "every team's integrations that take it from alertmanager.global"
            yield (
                ("alertmanager", "global", key),
                (
                    f"secret file {value!r} lies in the secret root of team {owner!r}: {what} would use team "
                    f"{owner}'s credential; keep alertmanager.global's files below secrets.shared_root"
                ),
            )


def _secret_message(name: str, receiver: Receiver, file: str, owner: str, use: _Use) -> str:
    return (
        f"receiver {name!r} ({receiver.location}) uses secret file {file!r}, in the secret root of team "
        f"{owner!r}: naming it here sends {use.what} to team {owner}'s integration; route only team {owner} "
        f"to it, or keep the file of a receiver teams share below secrets.shared_root"
    )


def _destination_problems(
    platform: Platform,
    by_name: dict[str, Receiver],
    uses: dict[str, list[_Use]],
    inline: dict[str, str],
    shared: set[str],
) -> Iterator[tuple[Path, str]]:
    owned: dict[tuple[str, ...], list[_Owned]] = {}
    read: dict[str, list[tuple[str, str, tuple[str, ...], str]]] = {}  # each receiver's URLs parsed once
    for team in platform.teams:
        for written in team.inline_receivers if team.name else ():
            if written.name in shared:
                continue
            read[written.name] = list(_destinations(written))
            for _, _, key, value in read[written.name]:
                owned.setdefault(key, []).append(_Owned(team.name, written, value, _query(value)))
    for name, named_by in sorted(uses.items()):
        receiver = by_name.get(name)
        if receiver is None:
            continue
        teams = {use.team for use in named_by}
        if name not in read:
            read[name] = list(_destinations(receiver))
        for kind, setting, key, value in read[name]:
            query = _query(value) if kind == "webhook" else ()
            for found, exact in _owners(key, owned):
                if found.receiver.name == name or teams <= {found.team} or _apart(query, found.query):
                    continue
                if exact and name in inline and _before(receiver, found.receiver):
                    continue  # the same destination in two teams' routing: said once, at the later one
                others = [use for use in named_by if use.team != found.team]
                yield (*receiver.path, kind, setting), _destination_message(kind, value, found, others)
                break


def _query(url: str) -> tuple[tuple[str, str], ...]:
    """A URL's query as its pairs in order (`?b=2&a=1` is `?a=1&b=2`); () for none, or one that does not parse."""
    try:
        return tuple(sorted(parse_qsl(urlsplit(url).query, keep_blank_values=True)))
    except ValueError:
        return ()


def _apart(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> bool:
    """Two queries that each say something, and not the same: another destination behind one handler. With none
    on one side the handler may not read it: the same (the destinations.py rule for a spec's URL)."""
    return bool(a and b and a != b)


def _before(a: Receiver, b: Receiver) -> bool:
    return (a.location.line, a.location.col) < (b.location.line, b.location.col)


def _destinations(receiver: Receiver) -> Iterator[tuple[str, str, tuple[str, ...], str]]:
    """(integration, setting, comparable key, value) of each destination of `receiver` a credential does not
    name: a webhook URL, an e-mail address, a Slack channel (keyed with the Slack URL it posts through)."""
    for integration in receiver.integrations:
        for kind, setting in (("webhook", "url"), ("email", "to"), ("slack", "channel")):
            value = integration.get(setting) if integration.kind == kind else None
            if not isinstance(value, str):
                continue
            key = destination_key(kind, value)
            if key is None:
                continue
            if kind == "slack":
                url = integration.get("api_url_file") or integration.get("api_url") or GLOBAL_URL
                key = (str(url), *key)
            yield kind, setting, (kind, *key), value


def _owners(key: tuple[str, ...], owned: dict[tuple[str, ...], list[_Owned]]) -> Iterator[tuple[_Owned, bool]]:
    """The inline destinations `key` is (True), or lies below (False: a webhook URL's path, as a server
    routes `/hooks/alpha/x` to the handler of `/hooks/alpha`)."""
    for found in owned.get(key, ()):
        yield found, True
    if key[0] != "webhook":
        return
    kind, origin, path = key
    while path.count("/") > 1:
        path = path.rsplit("/", 1)[0]
        for found in owned.get((kind, origin, path), ()):
            yield found, False


_WHAT = {"webhook": "URL", "email": "address", "slack": "Slack channel"}


def _destination_message(kind: str, value: str, found: _Owned, others: list[_Use]) -> str:
    named = list(dict.fromkeys(use.what for use in others))
    more = f" and {len(named) - 3:,} more" if len(named) > 3 else ""  # a receiver 15,000 teams name: three
    whose = " and ".join(named[:3]) + more or "another team's alerts"
    return (
        f"{value!r} is the {_WHAT[kind]} written inline for team {found.team!r} at "
        f"{'.'.join(map(str, found.receiver.path))} ({found.receiver.location}): this receiver sends {whose} there, "
        f"to team {found.team}'s tool; a receiver written in teams.{found.team}.routing is that team's alone: to "
        f"share the destination, define it once under receivers: and name it from teams.{found.team}.routing and "
        "here"
    )
