"""E-mail addresses as Alertmanager 0.25 reads them: Go's net/mail, at notification time.

Alertmanager loads any `to:` and `smtp_from:` text (amtool check-config passes), then parses them for every
notification and drops the notification when they do not parse: `to: ops@corp..example` or
`smtp_from: alerts` lost every e-mail of the receiver, or of every receiver, with one line in Alertmanager's
log. So each address is checked here, in the forms net/mail reads: `local@domain` (the schema takes one
address), whose parts are dot-atoms (no leading, trailing or doubled dot; obsc takes no quoted local part and
no `[1.2.3.4]` domain, which Alertmanager 0.25 refused), and for `smtp_from` also `Name <local@domain>`.
"""

from __future__ import annotations

import re

# An atom's characters (RFC 5322 atext as net/mail reads it): printable ASCII but the specials, or any
# non-ASCII character; control characters and white space are refused before this is asked.
_ATEXT = r"""[^\s()<>\[\]:;@\\,".]"""
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
ADDR_SPEC = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
# A display name: words (net/mail also takes dots in them), quoted strings and spaces, starting with a word or
# a quoted string; `<address>` alone, after spaces or none, is fine too. Read one character or quoted string at
# a time, each told apart by its first character: words as runs (`[...]+` between optional spaces) could split
# "aaaa" every way there is, and a 30-character smtp_from without `<` took minutes to refuse.
_PIECE = r"""(?:"(?:[^"\\]|\\.)*"|[^\s()<>\[\]:;@\\,"])"""
_NAMED = re.compile(rf"(?:{_PIECE}(?:{_PIECE}| )*| *)<({ADDR_SPEC.pattern})>")


def recipient_problem(text: str) -> str | None:
    """Why an email receiver's `to:` (one address: the schema takes one `@`) would not parse."""
    return None if ADDR_SPEC.fullmatch(text.rstrip(", ")) else _why(text)  # net/mail skips a trailing comma


def sender_problem(text: str) -> str | None:
    """Why `smtp_from` would not parse: one address, or `Name <address>`."""
    if ADDR_SPEC.fullmatch(text) or _NAMED.fullmatch(text):
        return None
    return _why(text, named=True)


def _why(text: str, named: bool = False) -> str:
    form = f"local@domain{' or Name <local@domain>' if named else ''}, e.g. oncall@example.com"
    if "@" not in text:
        return f"{text!r} has no @: {_LOST}; write {form}"
    if ".." in text or text.startswith(".") or text.endswith((".", ".>")) or ".@" in text or "@." in text:
        return f"{text!r} has a leading, trailing or doubled dot in a part: {_LOST}; write {form}"
    return (
        f"{text!r} is not a plain address, and Alertmanager fails every e-mail on an address it cannot parse (it "
        f"loads any text and parses addresses only when notifying); write {form} (obsc takes no comments, lists or "
        "special characters outside quotes)"
    )


_LOST = "Alertmanager would load it and then fail every e-mail it sends (it parses addresses only when notifying)"
