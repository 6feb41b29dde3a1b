"""Where a spec's own receivers may send, beyond its secrets: the destinations the platform gives a team.

A secret file belongs to the team whose root holds it (secrets.py) and a Slack channel posted through the
platform's URL to the team that lists it (slack_channels.py). A webhook URL or an e-mail address carries no
credential, and the platform-wide allow-lists (`receiver_url_prefixes`, `receiver_email_domains`) admit every
team's alike: a spec of payments could write search's ticket hook, or search's on-call list, and file its
alerts as search's. Where the platform file sends a team's alerts (an integration written in
`teams.<team>.routing`, or a receiver under `receivers:` that it names there and defaults.routing does not)
says whose that destination is, so a spec of another team may not write it (nor, as a PagerDuty or Opsgenie
API URL, post there), nor name such a receiver (model/teams.py). Compared
as the server reads it: a URL without query and fragment, its host without case or default port, its path
without case (a server whose routes ignore it), empty, '.' and '..' segments, `;` parameters or percent-escapes,
and the paths below it; an address
without case, without a `+tag` (delivered to the same mailbox), and with `site!user@` or `user%site@` read as
user@site (a mail server's relay forms, on by default in Postfix). A host (or a mail domain) is read as the
client connects to it (host_key): an IP address in any of its spellings, a Unicode or percent-escaped name as its
punycode (round 41: `[2001:0db8:0:0:0:0:0:1]`, `[::ffff:10.1.2.3]` and `bücher.example` passed as other hooks).
Another name obsc cannot know (an alias of the list, a second hostname or a DNS alias of the hook, another port
of the same relay) is not caught: `receiver_url_prefixes` narrows those.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from compiler.model.slack_channels import channel_key, inherited_url_problems
from compiler.model.types import Platform, Receiver, Tier
from compiler.spec.document import Path

_DEFAULT_PORTS = {"http": 80, "https": 443}
# (integration, setting) whose value names where a receiver sends, without a credential to say whose.
OWNED_SETTINGS = (("webhook", "url"), ("email", "to"))
# ... and where a spec's receiver may send to such a URL: a PagerDuty or Opsgenie API URL posts there too.
WRITTEN_SETTINGS = (*OWNED_SETTINGS, ("pagerduty", "url"), ("opsgenie", "api_url"))
# A named receiver's Slack channel is a destination too, when it posts with a URL of its own (a platform app):
# through the platform's global URL, teams.<team>.slack_channels says who may post there (slack_channels.py).
_NAMED = (*OWNED_SETTINGS, ("slack", "channel"))
Given = tuple[str, tuple[str, ...], str, str]  # (integration, destination key, team, where the platform gives it)


def spec_receiver_problems(routing: Mapping[str, Any], team: str, platform: Platform) -> Iterator[tuple[Path, str]]:
    """(path in the spec, message) for the spec's inline receivers that send where the platform sends another
    team's alerts, or post through the platform's Slack URL to a channel not listed for `team`."""
    yield from inherited_url_problems(routing, team, platform)
    given = _given(platform)
    for tier in Tier:
        body = routing.get(tier.value)
        for kind, key in WRITTEN_SETTINGS:
            settings = body.get(kind) if isinstance(body, Mapping) else None
            value = settings.get(key) if isinstance(settings, Mapping) else None
            compared = "email" if kind == "email" else "webhook"
            written = destination_key(compared, value) if isinstance(value, str) else None
            owners = [g for g in given if written is not None and g[0] == compared and reaches(compared, written, g[1])]
            if owners and team not in {owner for _, _, owner, _ in owners}:
                _, dest, other, where = owners[0]
                what = "the address" if kind == "email" else "the URL" if dest == written else "below the URL"
                yield ("routing", tier.value, kind, key), _message(f"{value!r} is {what}", team, other, where)


def foreign_destination(receiver: Receiver, team: str, platform: Platform) -> tuple[str, str] | None:
    """(destination, team) when the platform's named `receiver` sends where the platform file sends other teams'
    alerts and never `team`'s: naming it from a spec of `team` files that spec's alerts as theirs."""
    if receiver.name in _shared(platform):
        return None
    given = _given(platform)
    for integration in receiver.integrations:
        for kind, key in _NAMED:
            value = integration.get(key) if integration.kind == kind else None
            if kind == "slack" and not integration.get("api_url_file"):
                continue
            written = destination_key(kind, value) if isinstance(value, str) else None
            owners = {g[2] for g in given if written is not None and g[0] == kind and reaches(kind, written, g[1])}
            if owners and team not in owners:
                return str(value), sorted(owners)[0]
    return None


def _shared(platform: Platform) -> set[str]:
    """The named receivers every team's alerts may reach: the default receiver and those of defaults.routing."""
    return {
        platform.alertmanager.default_receiver,
        *(r.receiver for t in platform.teams if not t.name for r in t.routes),
    }


# The platform _given last read and its answer: every spec of a compile asks of the same platform, and reading a
# 15,000-team platform's URLs again per spec that names a receiver took 50 CPU-s for 200 specs (round 34).
_LAST_GIVEN: list[tuple[Platform, list[Given]]] = []


def _given(platform: Platform) -> list[Given]:
    """(integration, destination key, team, where) for each destination the platform file's teams.<team>.routing
    writes inline or names (a receiver under receivers: that no platform-wide route names)."""
    for known, given in _LAST_GIVEN:
        if known is platform:  # held here, so its id is not another's
            return given
    _LAST_GIVEN[:] = [(platform, _read_given(platform))]
    return _LAST_GIVEN[0][1]


def _read_given(platform: Platform) -> list[Given]:
    named = {r.name: r for r in platform.named_receivers}
    shared = _shared(platform)
    found = []
    for team in platform.teams:
        own = {r.name for r in team.inline_receivers}
        sent = [(r, _where(r)) for r in team.inline_receivers]
        for route in team.routes:
            receiver = named.get(route.receiver)
            if team.name and receiver is not None and route.receiver not in own | shared:
                sent.append((receiver, f"{_where(receiver)}, which {'.'.join(map(str, route.path))} names"))
        for receiver, where in sent:
            for integration in receiver.integrations:
                for kind, key in _NAMED:
                    value = integration.get(key) if integration.kind == kind else None
                    written = destination_key(kind, value) if isinstance(value, str) else None
                    if written is not None:
                        found.append((kind, written, team.name, where))
    return found


def _where(receiver: Receiver) -> str:
    return f"{'.'.join(map(str, receiver.path))} at {receiver.location}"


@functools.lru_cache(maxsize=1 << 16)  # the platform's check and every spec's read one platform's URLs again
def destination_key(kind: str, value: str) -> tuple[str, ...] | None:
    """`value` (a webhook URL, an e-mail address, a Slack channel) as the server reads it, or None if unread."""
    if kind == "slack":
        return (channel_key(value),)
    return _url_key(value) if kind == "webhook" else _address_key(value)


def _url_key(url: str) -> tuple[str, ...] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None  # refused by the URL checks already
    host = host_key(parts.hostname or "")
    host = f"[{host}]" if ":" in host else host  # an IPv6 address's last group is no port
    origin = host if port in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"
    # `;params` of a segment: servlet containers route `/hooks/payments;x` to `/hooks/payments`
    plain = "/".join(segment.split(";")[0] for segment in unquote(unquote(parts.path)).replace("\\", "/").split("/"))
    path = re.sub("/+", "/", plain)
    path = posixpath.normpath(path) if path.strip("/") else "/"
    # without case: Express, ASP.NET and IIS route `/hooks/Payments` to `/hooks/payments` (round 54)
    return (origin, path.rstrip("/").lower() or "/")


def _address_key(to: str) -> tuple[str, ...] | None:
    local, at, domain = to.strip().rstrip(",").rpartition("@")
    if not at:
        return None
    # Postfix's defaults route `site!user@here` and `user%site@here` on to user@site (swap_bangpath,
    # allow_percent_hack) when `here` is its own domain: the team's address, spelled for a relay.
    while "!" in local:
        domain, _, local = local.partition("!")
    while "%" in local:
        local, _, domain = local.rpartition("%")
    return (local.split("+")[0].lower(), host_key(domain))


def host_key(host: str) -> str:
    """`host` as the one the client connects to: an IP address in its shortest form (an IPv4-mapped IPv6
    address as IPv4: Go dials it over IPv4; a zone dropped), a name without case, trailing dot or escapes, a
    Unicode name as its punycode (Go's HTTP client sends IDNA's ASCII form; IDNA 2003 here, so `ß` reads as
    `ss`: stricter than Go, never looser)."""
    name = unquote(host).strip().lower().removeprefix("[").removeprefix("ipv6:").removesuffix("]")  # ipv6: of mail
    name = name.split("%")[0].rstrip(".")  # an IPv6 zone
    address = _address(name)
    if address is not None:
        return address
    if not name.isascii():
        with contextlib.suppress(UnicodeError):  # not a name IDNA maps (Go refuses it too): compared as written
            name = name.encode("idna").decode("ascii").rstrip(".")
    return name


def _address(name: str) -> str | None:
    """An IPv6 or IPv4 literal's shortest form; IPv4 also in the forms C's inet_aton reads (`10.258`,
    `0x0a.1.2.3`, `167838211`), which a resolver built on it (Go's cgo resolver) connects to."""
    try:
        address = ipaddress.IPv6Address(name)
    except ValueError:
        parts = name.split(".")
        # `0x` without digits is no number to inet_aton (glibc, musl): a name, looked up as one
        if not 1 <= len(parts) <= 4 or not all(
            re.fullmatch(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*", p) for p in parts
        ):
            return None
        values = [
            int(p, 16) if p[:2].lower() == "0x" else int(p, 8) if p.startswith("0") and p != "0" else int(p)
            for p in parts
        ]
        last_bits = 8 * (5 - len(parts))
        if any(v > 255 for v in values[:-1]) or values[-1] >= 1 << last_bits:
            return None
        number = sum(v << (8 * (3 - i)) for i, v in enumerate(values[:-1])) + values[-1]
        return str(ipaddress.IPv4Address(number))
    mapped = address.ipv4_mapped
    return str(mapped) if mapped is not None else str(address)


def reaches(kind: str, written: tuple[str, ...], given: tuple[str, ...]) -> bool:
    """Whether `written` (a spec's destination) is `given` (a team's), or below it for a URL's path."""
    if written == given:
        return True
    return kind == "webhook" and written[0] == given[0] and given[1] != "/" and written[1].startswith(given[1] + "/")


def _message(what: str, team: str, other: str, where: str) -> str:
    return (
        f"{what} the platform file gives team {other!r} ({where}): a spec of team {team!r} writing it would file its "
        f"alerts as that team's; send to your team's own, or ask the platform team to route team {team} there "
        f"(teams.{team}.routing)"
    )
