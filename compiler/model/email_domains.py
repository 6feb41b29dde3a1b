"""The platform's allow-list of e-mail domains (`alertmanager.receiver_email_domains`).

`receiver_url_prefixes` bounds where HTTP receivers send, but an `email` receiver's `to:` is an address:
without this list a spec (whose `team:` is only a claim) could mail its alerts, and every alert routed to
its receiver, to any mailbox. Domains are compared whole and without case: `acme.example` admits
`oncall@ACME.example`, not `oncall@mail.acme.example` (list that too) nor `oncall@acme.example.evil.net`. A local
part with `%` or `!` (`x%evil.example@acme.example`) is a relay form a mail server at the allowed domain sends on
to the domain it names: refused while the list is set.
"""

from __future__ import annotations

import re

# A DNS name of two labels or more: letters, digits and hyphens (IDNs in their xn-- form), no empty label.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")


def entry_problem(entry: str) -> str | None:
    """Why a receiver_email_domains entry cannot be compared with a recipient's domain, or None."""
    if entry.startswith("*.") or entry.startswith("."):
        return f"{entry!r}: list each domain whole (subdomains are not admitted by their parent), e.g. acme.example"
    if "@" in entry or "://" in entry:
        return f"{entry!r} is not a domain: write the part after '@' alone, e.g. acme.example"
    if not _DOMAIN.fullmatch(entry.lower()):
        return (
            f"{entry!r} is not a domain name (letters, digits and hyphens in dot-separated labels, no trailing dot; "
            "an international domain in its xn-- form), e.g. acme.example"
        )
    return None


def recipient_domain_problem(to: str, domains: tuple[str, ...], platform_file: str) -> str | None:
    """Why an email receiver may not send to `to` under the allow-list `domains` (empty: any domain), or None."""
    if not domains:
        return None
    # net/mail skips a trailing comma; anything else after the domain makes it another domain here.
    local, _, domain = to.rstrip(", ").rpartition("@")
    if "%" in local or "!" in local:
        return (
            f"{to!r} names another mail domain in its local part ('%' or '!'): a mail server at {domain} relays "
            "such an address on to it (Postfix does by default), past alertmanager.receiver_email_domains; write "
            "the address at its own domain"
        )
    if domain.lower() in {d.lower() for d in domains}:
        return None
    return (
        f"{to!r} is not at an allowed e-mail domain ({', '.join(domains)}); the platform team adds domains to "
        f"alertmanager.receiver_email_domains in {platform_file}"
    )
