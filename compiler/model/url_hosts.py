"""A host must read in review as the host that is called: no letters that look like other letters.

Round 47, a hostile contributor: `https://hooks.exаmple/bravo` (a Cyrillic 'а') under bravo's routing reads as
bravo's hook in a pull request, compiled (exit 0), and Alertmanager's Go client calls the IDNA form of that name,
`hooks.xn--exmple-4nf`, another domain, which anyone may register, with bravo's pages. So a host label (of a
receiver URL, a link, an e-mail domain) is refused when it mixes letters of two scripts (`exаmple`), or when its
letters are all of another script and each looks like a Latin one (`рау`, Cyrillic). A real international name
(`bücher.example`, `пример.example`) is kept (round 41 compares it in its IDNA form), and so is its xn-- form.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote


def host_problem(url: str) -> str | None:
    """Why the host of `url` (scheme://[userinfo@]host[:port]/...) may not be written, or None. A percent-escape
    in a host stands only for a non-ASCII byte in Go's url.Parse, so it is read unescaped first."""
    scheme_end = url.find("://")
    if scheme_end < 0:
        return None
    authority = url[scheme_end + 3 :].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return name_problem(authority.rpartition("@")[2])


def address_problem(to: str) -> str | None:
    """The same for the domains of an email receiver's `to:` (one address or several, comma-separated)."""
    for address in to.split(","):
        if message := name_problem(address.strip().rstrip(">").rpartition("@")[2]):
            return message
    return None


# Lower-case letters of other scripts that read as a Latin letter (hosts are compared lower-cased)
_LOOK_ALIKES = frozenset("аеһіјӏорԛѕԁԝхусьԍɡαονικρυχεтвкмн")


def name_problem(written: str) -> str | None:
    """Why a host or mail domain, as written (percent-escapes read), may not be written, or None."""
    host = unicodedata.normalize("NFKC", unquote(written, errors="replace")).lower()  # as IDNA reads it
    if host.isascii():
        return None
    for label in host.replace("\u3002", ".").split("."):
        scripts = {_script(c) for c in label if c.isalpha()}
        if len(scripts) > 1:
            why = f"it mixes {' and '.join(sorted(scripts))} letters"
        elif scripts and scripts != {"LATIN"} and all(c in _LOOK_ALIKES for c in label if c.isalpha()):
            why = f"its {scripts.pop()} letters each read as a Latin one"
        else:
            continue
        odd = next(c for c in label if c.isalpha() and _script(c) != "LATIN")
        try:
            fix = f"write it as {host.encode('idna').decode('ascii')!r} if that name is meant"
        except UnicodeError:
            fix = "write its ASCII (xn--) form if that name is meant"
        return (
            f"host {written!r} reads as another name in review: {why} ({odd!r} is {unicodedata.name(odd, '?')}), "
            f"and the name called is its IDNA form, another domain; {fix}"
        )
    return None


def _script(c: str) -> str:
    """The script of a letter, as the first word of its Unicode name (LATIN, CYRILLIC, GREEK...)."""
    return unicodedata.name(c, "UNKNOWN").split(" ")[0]
