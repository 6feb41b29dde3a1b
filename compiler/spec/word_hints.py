"""Hints for values written in another tool's words: an ISO 8601 duration (`P30D`, what OpenSLO's and many APIs'
examples show) and Sloth's or PagerDuty's tier names (`page`, `ticket`). hints.py holds the others."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError

_ISO = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,3}))?S)?)?", re.IGNORECASE
)
_TIER_WORDS = {
    "page": "critical", "pages": "critical", "pager": "critical", "paging": "critical",
    "ticket": "warning", "tickets": "warning", "notify": "info", "digest": "info",
    # PagerDuty's and Opsgenie's priorities, incident severities: P1/sev1 wakes someone, P2 is next day's work
    "p1": "critical", "p2": "warning", "p3": "info", "p4": "info", "p5": "info", "crit": "critical",
    "sev1": "critical", "sev-1": "critical", "sev2": "warning", "sev-2": "warning", "sev3": "info", "sev-3": "info",
}  # fmt: skip
_TIERS = ("critical", "warning", "info")
# The longest duration text a hint reads for its numbers (`1y52w6d23h59m59s999ms` is 21): the hints add, divide
# and print what they read, and Python refuses to print an integer of more than 4,300 digits (an internal error).
LONGEST_READ_DURATION = 64


def iso_duration(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`period: P30D` → 30d, `for: PT5M` → 5m."""
    value = error.instance
    if not isinstance(error.schema, dict) or error.schema != defs.get("duration") or not isinstance(value, str):
        return None
    found = _ISO.fullmatch(value.strip()) if len(value) <= LONGEST_READ_DURATION else None
    if not found or not any(found.groups()) or (value.strip().upper().endswith("T")):
        return None
    *whole, millis = found.groups()  # PT0.5S: fractional seconds are milliseconds
    parts = (*whole, str(int(millis.ljust(3, "0"))) if millis else None)
    units = ("y", "w", "d", "h", "m", "s", "ms")
    written = "".join(f"{int(n)}{u}" for n, u in zip(parts, units, strict=True) if n and int(n)) or "0s"
    return f"{value!r} is an ISO 8601 duration; obsc writes Prometheus's: {written}"


_FINER = {"us": 1000, "µs": 1000, "μs": 1000, "usec": 1000, "microsecond": 1000, "microseconds": 1000, "ns": 10**6}


def finer_than_ms(value: str, words: re.Match[str] | None) -> str | None:
    """`500us`, `250µs`: Prometheus's finest duration unit is ms (the regex above reads only ASCII letters)."""
    found = words or re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(µs|μs)\s*", value)
    per_ms = _FINER.get(found.group(2).lower()) if found else None
    if found is None or per_ms is None:
        return None
    ms = Decimal(found.group(1)) / per_ms
    if ms == ms.to_integral_value() and ms >= 1:
        return f"{value!r} is not a duration: Prometheus counts in ms at the finest; write it as {int(ms)}ms"
    return f"{value!r} is not a duration: Prometheus counts whole ms at the finest ({value} is {ms.normalize()}ms)"


_NEXT_UNIT = {"w": "d", "d": "h", "h": "m", "m": "s"}  # (2s5 may be 2.5s, 1y2 anything: no guess)


def last_unit_left_out(value: str) -> str | None:
    """`1h30` for an hour and a half: the last number's unit is the one after the unit before it."""
    found = re.fullmatch(r"((?:[0-9]+(?:ms|[smhdwy]))+)([0-9]+)", value.strip())
    if found is None or (unit := _NEXT_UNIT.get(found.group(1)[-1])) is None or found.group(1).endswith("ms"):
        return None
    return (
        f"{value!r} is not a duration: its last number has no unit; write it as {found.group(1)}{found.group(2)}{unit}"
    )


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


def tier_key(key: str, allowed: Sequence[str]) -> str | None:
    """`alerts: {latency_p99: {page: 2s}}`, `routing: {ticket: ...}`: a tier keyed in Sloth's or PagerDuty's words
    was told only the allowed keys, which do not say that critical is what pages."""
    meant = _TIER_WORDS.get(key.strip().lower())
    tiers = [t for t in _TIERS if t in allowed]
    if meant is None or not tiers:
        return None
    if meant not in tiers:
        return f"unknown key '{key}': write {' or '.join(tiers)} (obsc's words for the tiers taken here)"
    return (  # said as hints.RENAMED says it, so the schema checks read 'critical' as the key meant
        f"unknown key '{key}': here it is called '{meant}' (obsc's tiers: critical pages at any hour, warning "
        "makes a ticket, info goes to a digest)"
    )


def alert_name(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`name: pg-connections-high` for a threshold alert was told the pattern's description: say its CamelCase."""
    if error.validator != "pattern" or path[:1] != ("threshold_alerts",) or path[-1:] != ("name",):
        return None
    if not isinstance(error.instance, str):
        return None
    camel = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", error.instance) if part)
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]{0,62}", camel):
        return None
    return f"{error.instance!r}: alert names are CamelCase, as Prometheus alerts are named: write {camel}"


_SLI_KEYS = ("errors", "total", "good", "latency", "threshold", "good_when", "last_success", "max_age", "raw")


def sli_key(key: str, allowed: Sequence[str]) -> str | None:
    """`- {name: availability, errors: errors, total: requests}`: an SLI's keys one level too high were told "unknown
    key 'errors' (allowed: ...)" and "missing required key 'sli'", two messages that do not say to move them."""
    if key not in _SLI_KEYS or "sli" not in allowed:
        return None
    return f"unknown key '{key}': an SLI's keys go under 'sli' one level down (sli: {{{key}: ..., ...}})"


# Sloth's and Pyrra's SLI keys, and OpenSLO's SLO keys, copied into an obsc spec: "unknown key 'events' (allowed:
# errors, good, ...)" did not say which obsc keys hold those queries.
_RAW = "sli: {raw: {errors: <errors query>, total: <total query>}} with $window for the rate window"
_OTHER_TOOL_SLI_KEYS = {
    "events": f"Sloth's events SLI is written {_RAW}, or name the counters under metrics: and write sli: "
    "{errors: ..., total: ...}",
    "error_query": f"Sloth's error_query is {_RAW}",
    "errorQuery": f"Sloth's errorQuery is {_RAW}",
    "total_query": f"Sloth's total_query is {_RAW}",
    "totalQuery": f"Sloth's totalQuery is {_RAW}",
    "ratio": "Pyrra's ratio indicator is written sli: {errors: ..., total: ...} over metrics named under metrics:",
    "plugin": "Sloth's SLI plugins have no counterpart: write the SLI's queries, " + _RAW,
}
_OTHER_TOOL_SLO_KEYS = {
    "timeWindow": "OpenSLO's timeWindow is period here (period: 28d; windows always roll)",
    "budgetingMethod": "obsc counts events (OpenSLO's Occurrences): drop it; a time-slice SLO is sli: {good_when: ...}",
}


def misplaced_key(key: str, allowed: Sequence[str]) -> str | None:
    """A tier as a key, an SLI's key one level too high, or another tool's key: what to write instead."""
    return tier_key(key, allowed) or sli_key(key, allowed) or other_tool_key(key, allowed)


def other_tool_key(key: str, allowed: Sequence[str]) -> str | None:
    """A Sloth, Pyrra or OpenSLO key inside an obsc SLO or its sli."""
    if "errors" in allowed and "total" in allowed and key in _OTHER_TOOL_SLI_KEYS:
        return f"unknown key '{key}': {_OTHER_TOOL_SLI_KEYS[key]}"
    if "objective" in allowed and "sli" in allowed and key in _OTHER_TOOL_SLO_KEYS:
        return f"unknown key '{key}': {_OTHER_TOOL_SLO_KEYS[key]}"
    return None


def switch_word(value: object, key: str) -> str | None:
    """An alert switched off or on in words (`traffic_anomaly: disabled`): it was told to put the word under a
    tier as a threshold, `{warning: disabled}` (round 43)."""
    word = value.strip().lower() if isinstance(value, str) else ""
    if word in _OFF_WORDS:
        return f"{value!r} is text: write {key}: false (unquoted) to switch the alert off"
    if word in ("enabled", "enable", "on", "yes", "true"):
        return f"{value!r} is text: write {key}: true (unquoted) to keep the alert with its inherited thresholds"
    return None


_ENUM_WORDS = {"average": "avg", "mean": "avg", "maximum": "max", "minimum": "min", "total": "sum", "summed": "sum"}
_OFF_WORDS = ("none", "null", "nothing", "disabled", "disable", "off", "no", "false")
# Prometheus metric types obsc has no `type:` for, and how their series are read instead. A summary has no
# buckets, so no latency SLI can count its requests under a threshold; its quantiles are gauges.
_METRIC_TYPES = {
    "summary": (
        "a summary's quantile series are gauges: name one, e.g. "
        "p99: {selector: 'rpc_seconds{quantile=\"0.99\"}', type: gauge, aggregation: max}, "
        "for a threshold alert (above: 500ms) or a time-slice SLO (sli: {good_when: 'p99 < 0.5'}); "
        "its _count is a counter (type: counter); a latency SLO needs a histogram's _bucket series"
    ),
    "untyped": "say what the series does: counter (only grows, resets to 0), gauge (goes up and down)",
    "unknown": "say what the series does: counter (only grows, resets to 0), gauge (goes up and down)",
}


def enum_word(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`aggregation: average` (told "is not one of 'sum', 'max', 'min', 'avg'") and `targets: none` (told the
    field's whole description): the word obsc reads."""
    value = error.instance.strip().lower() if isinstance(error.instance, str) else None
    key = str(path[-1]) if path else ""
    if value is None:
        return None
    options = error.validator_value if error.validator == "enum" and isinstance(error.validator_value, list) else []
    if key == "type" and "metrics" in path and "histogram" in options and (said := _METRIC_TYPES.get(value)):
        return f"{error.instance!r} is not a type obsc reads (counter, gauge, histogram): {said}"
    if (meant := _ENUM_WORDS.get(value)) in options:
        return f"{error.instance!r}: write {key}: {meant}"
    branches = error.validator_value if error.validator in ("oneOf", "anyOf") else None
    branches = branches if isinstance(branches, list) else []
    takes_false = any(isinstance(b, dict) and b.get("const") is False for b in branches)
    if value in _OFF_WORDS and takes_false:
        return f"{error.instance!r} is text: write {key}: false (unquoted) to switch it off"
    return None
