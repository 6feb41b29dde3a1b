"""Hints for values written in another tool's words: an ISO 8601 duration (`P30D`, what OpenSLO's and many APIs'
examples show) and Sloth's or PagerDuty's tier names (`page`, `ticket`). hints.py holds the others."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError

_ISO = re.compile(r"P(?:(\d+)Y)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.IGNORECASE)
_TIER_WORDS = {"page": "critical", "pager": "critical", "ticket": "warning", "notify": "info", "digest": "info"}


def iso_duration(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`period: P30D` → 30d, `for: PT5M` → 5m."""
    value = error.instance
    if not isinstance(error.schema, dict) or error.schema != defs.get("duration") or not isinstance(value, str):
        return None
    found = _ISO.fullmatch(value.strip())
    if not found or not any(found.groups()) or (value.strip().upper().endswith("T")):
        return None
    written = "".join(f"{int(n)}{u}" for n, u in zip(found.groups(), ("y", "w", "d", "h", "m", "s"), strict=True) if n)
    return f"{value!r} is an ISO 8601 duration; obsc writes Prometheus's: {written}"


def tier_word(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`tier: page` (or a freshness SLI's `stale_alert: page`): obsc's tiers are critical (pages), warning (tickets)
    and info."""
    key = str(path[-1]) if path else ""
    if error.validator != "enum" or not isinstance(error.instance, str) or key not in ("tier", "stale_alert"):
        return None
    meant = _TIER_WORDS.get(error.instance.strip().lower())
    if meant is None:
        return None
    options = (
        [o for o in error.validator_value if isinstance(o, str)] if isinstance(error.validator_value, list) else []
    )
    if meant not in options:  # a burn window's tier is critical or warning: `info` would be refused next
        return f"{error.instance!r}: write {key}: {' or '.join(options)} (obsc's words for the tiers taken here)"
    return (
        f"{error.instance!r}: write {key}: {meant} (critical pages at any hour, warning tickets, info goes to a digest)"
    )
