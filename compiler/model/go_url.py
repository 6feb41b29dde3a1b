"""Receiver URLs as Alertmanager 0.25 reads them: Go's `net/url.Parse`, then http(s) with a host.

Python's urlsplit accepts what Go refuses (`%zz`, a lone `%`, `%41` or `{` in a host), and a URL Go refuses
makes Alertmanager refuse the whole alertmanager.yml, every team's routing with it. So every URL obsc writes
into it is read here the way Go does, and refused at its line. Where mirroring Go exactly would take more
than a few lines (the inside of an IPv6 literal, a zone), this is stricter than Go, never looser.
"""

from __future__ import annotations

import ipaddress
import re

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HEX = frozenset("0123456789abcdefABCDEF")
# ASCII that Go's url.Parse takes unescaped in a host (shouldEscape(c, encodeHost) is false).
_HOST_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&'()*+,;=:[]<>\"")
_WRITE_PERCENT = "write a literal '%' as %25"


def go_url_problem(url: str) -> str | None:
    """Why Alertmanager 0.25 would refuse `url` as a receiver URL (Go's url.Parse, then http(s) and a
    host), or None. The query is not checked: Go keeps it as written."""
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        return _refused(url, "a control character")
    before_fragment, _, fragment = url.partition("#")
    scheme = _SCHEME.match(before_fragment)
    if scheme is None or scheme.group().lower() not in ("http:", "https:"):
        return _refused(url, "not an http or https URL")
    rest = before_fragment[scheme.end() :].partition("?")[0]
    if not rest.startswith("//"):
        return _refused(url, "no host: write scheme://host/...")
    authority, slash, path = rest[2:].partition("/")
    host = authority.rpartition("@")[2]  # userinfo is credential_problem's to refuse
    message = _host_problem(host) if host else "no host: write scheme://host/..."
    if message is None:
        message = _escape_problem(slash + path, "path") or _escape_problem(fragment, "fragment")
    return _refused(url, message) if message else None


def _refused(url: str, why: str) -> str:
    return f"{url!r} is not a URL Alertmanager 0.25 accepts ({why}); it would refuse the whole alertmanager.yml"


def _host_problem(host: str) -> str | None:
    """Go's parseHost: an optional [IPv6] literal, an optional :port of digits, escapes only for non-ASCII."""
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            return "missing ']' in host"
        try:
            ipaddress.IPv6Address(host[1:end])
        except ValueError:
            return f"{host[: end + 1]!r} is not an IPv6 address"
        if not re.fullmatch(r"(:[0-9]*)?", host[end + 1 :]):
            return f"invalid port {host[end + 1 :]!r} after host"
        return None
    name, colon, port = host.rpartition(":")
    if colon and not re.fullmatch("[0-9]*", port):
        return f"invalid port {':' + port!r} after host"
    for i, c in enumerate(name if colon else host):
        if c == "%":
            escape = host[i : i + 3]
            if len(escape) < 3 or not set(escape[1:]) <= _HEX:
                return f"invalid URL escape {escape!r} in the host; {_WRITE_PERCENT}"
            if int(escape[1], 16) < 8 and escape != "%25":
                return f"invalid URL escape {escape!r}: a host may escape only non-ASCII bytes; write the character"
        elif c.isascii() and c not in _HOST_ASCII:
            return f"invalid character {c!r} in host name"
    return None


def _escape_problem(text: str, part: str) -> str | None:
    """Go's unescape: every '%' starts an escape of two hex digits."""
    for i, c in enumerate(text):
        if c == "%" and (len(text) < i + 3 or not set(text[i + 1 : i + 3]) <= _HEX):
            return f"invalid URL escape {text[i : i + 3]!r} in the {part}; {_WRITE_PERCENT}"
    return None
