"""Messages for the mistakes people actually make, in place of JSON Schema's wording.

"0.25 is not of type string" is true and useless: the reader needs to hear that a duration has a
unit, and which one they probably meant. Each function here recognises one family of mistakes from
a schema error (the subschema it failed, the key it sits under, the value written) and returns an
actionable message, or None to leave the generic one. Suggestions are only made when the intended
value is clear; otherwise the message says the form and gives an example.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from compiler import conventions
from compiler.spec import hint_values, label_hints, setting_hints, shape_hints, word_hints
from compiler.spec.hint_values import decimal_point
from compiler.spec.hint_values import guess_unit as _guess_unit
from compiler.spec.hint_values import label_name as _label_name
from compiler.spec.hint_values import number as _number
from compiler.spec.hint_values import number_as_text as _number_as_text
from compiler.spec.hint_values import objective_problem as objective_problem
from compiler.spec.hint_values import read_as_text as _read_as_text
from compiler.spec.hint_values import short as _short
from compiler.spec.hint_values import text as _text
from compiler.spec.hint_values import whole_duration as _whole
from compiler.spec.metric_hints import metric_source

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError

Path = tuple[str | int, ...]
Defs = dict[str, Any]

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
TIERS = (
    "obsc sets the severity itself from the tier: critical (pages, at any hour), warning (a ticket or chat "
    "message) and info (a digest). Pick the tier by where the threshold goes (alerts.<alert>.critical/"
    "warning/info, or an SLO's alerts:) and who hears it under routing.<tier>"
)
RENAMED = "here it is called"
_SLO_ONLY = ("period", "objective", "sli", "by", "min_bad_events")  # an SLO's keys, not the service's
# Unknown keys that are another key's usual name elsewhere (Prometheus, Sloth, Pyrra, Alertmanager).
SYNONYMS = {
    "timezone": "location",
    "time_zone": "location",
    "tz": "location",
    "days": "weekdays",
    "hours": "times",
    "name": "service",
    "owner": "team",
    "slo": "slos",
    "objectives": "slos",
    "target": "objective",
    "goal": "objective",
    "window": "period",
    "time_window": "period",
    "indicator": "sli",
    "p99": "latency_p99",  # an alert of `alerts:` (round 43)
    "p99_latency": "latency_p99",
    "query": "expr",
    "expression": "expr",
    "matchers": "selector",
    "labelSelector": "selector",
    "receiver": "routing",
    "receivers": "routing",
    "route": "routing",
    "alerting": "alerts",
    "version": "apiVersion",
    "api_version": "apiVersion",
    "apiversion": "apiVersion",
}
_UNIT_WORDS = {
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms", "msec": "ms", "msecs": "ms", "millis": "ms",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "week": "w", "weeks": "w",
    "y": "y", "year": "y", "years": "y",
}  # fmt: skip


def unknown_key(key: str, allowed: Sequence[str], path: Path) -> str | None:
    """A better message for an unknown key than "did you mean" by spelling, or None."""
    if key == "severity" and "tier" in allowed:  # a threshold alert: its own `tier:` says it
        return "'severity' is not a key here: write tier: critical (pages, at any hour), warning (a ticket) or info"
    if key == "severity":
        return f"'severity' is not a key here: {TIERS}"
    elsewhere = setting_hints.misplaced_platform_key(key, allowed, path) or setting_hints.alert_key(key, allowed)
    if meant := word_hints.misplaced_key(key, allowed) or elsewhere:
        return meant
    if key == "labels" and "labels" not in allowed:
        return (
            "'labels' is not accepted here: extra alert labels go at the top level of a service spec "
            "(labels: {tier: web}) and are put on every alert of the service; a metric's own labels go in its "
            'selector, e.g. http_requests_total{code=~"5.."}'
        )
    if key == "threshold" and "above" in allowed:
        return "unknown key 'threshold': say which side fires, above: 1000, below: 10 or within: 14d (a timestamp)"
    if key in _SLO_ONLY and "slos" in allowed:  # `period: 28d` beside `slos:` was told "did you mean 'apiVersion'?"
        fleet = {"period": "defaults.period", "min_bad_events": "defaults.slo_alerts.min_bad_events"}.get(key)
        also = f", or for every service in the platform file ({fleet})" if fleet else ""
        return f"unknown key '{key}': it is set per SLO, in each item of slos: ({key}: ...){also}"
    target = SYNONYMS.get(key) or SYNONYMS.get(key.lower())
    if target == "location" and "location" not in allowed:
        return (
            f"unknown key '{key}': time zones belong to a team's business hours, "
            "teams.<team>.business_hours.location in the platform file (e.g. location: Europe/Berlin)"
        )
    if target and target in allowed and target != key:
        return f"unknown key '{key}': {RENAMED} '{target}'"
    return None


def explain(error: ValidationError, defs: Defs, path: Path) -> str | None:
    """A message for a schema error on a value, or None for the generic one."""
    for rule in _RULES:
        message = rule(error, defs, path)
        if message:
            return message
    return None


def _is(error: ValidationError, defs: Defs, name: str) -> bool:
    return isinstance(error.schema, dict) and error.schema == defs.get(name)


def _last_key(path: Path) -> str:
    keys = [p for p in path if isinstance(p, str)]
    return keys[-1] if keys else ""


# ---------------------------------------------------------------- durations


def _duration(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not _is(error, defs, "duration"):
        return None
    value, key = error.instance, _last_key(path)
    form = "a duration is a number with a unit: ms, s, m, h, d, w or y, e.g. 250ms, 5m, 1h30m, 30d"
    number = _number(value)
    if number is not None:
        written = _text(number)
        guess = _guess_unit(number, key)
        if guess:
            return f"{written} has no unit; {form}. Did you mean {guess}?"
        return f"{written} has no unit; {form}"
    if isinstance(value, str) and len(value) > word_hints.LONGEST_READ_DURATION:
        return f"{_short(value)} is not a duration; {form}"  # no arithmetic on it: 4,301 digits cannot be printed
    if isinstance(value, str) and re.fullmatch(r"(?:[0-9]+(?:ms|s|m|h|d|w|y))+", value):
        return _unit_order(value)
    if isinstance(value, str) and (point := decimal_point(value)):  # `0,5s`: a decimal comma
        return f"{value!r} is not a duration; write it as {point}"
    if isinstance(value, str):
        words = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*", value)
        unit = _UNIT_WORDS.get(words.group(2).lower()) if words else None
        whole = _whole(Decimal(words.group(1)), unit) if words and unit else ""
        if whole:
            return f"{value!r} is not a duration; write it as {whole}"
        if words and words.group(2).lower() in ("mo", "mon", "month", "months"):  # no fixed length: no guess
            return f"{value!r} is not a duration: durations have no months; write days, e.g. 30d or 28d (4 weeks)"
        if words and unit:  # (it read "write it as " and nothing: below a millisecond there is no whole form)
            return f"{value!r} is not a duration: Prometheus durations are whole numbers, 1ms at the least"
        if said := word_hints.finer_than_ms(value, words) or word_hints.last_unit_left_out(value):
            return said
    return f"{_short(value)} is not a duration; {form}"


_UNIT_ORDER = ("y", "w", "d", "h", "m", "s", "ms")


def _unit_order(value: str) -> str:
    """A duration whose units repeat or come out of order: obsc added them up (`30d30d` was a 60d period) where
    Prometheus refuses the text; the same sum in Prometheus's order is what to write."""
    parts = re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", value)
    totals = {unit: sum(int(n) for n, u in parts if u == unit) for unit in _UNIT_ORDER}
    fixed = "".join(f"{totals[unit]}{unit}" for unit in _UNIT_ORDER if any(u == unit for _, u in parts))
    rule = "Prometheus durations give each unit once, largest first (y, w, d, h, m, s, ms)"
    repeated = sorted({u for _, u in parts if sum(1 for _, v in parts if v == u) > 1}, key=_UNIT_ORDER.index)
    if repeated:
        return f"{value!r} gives {', '.join(repeated)} more than once; {rule}: write {fixed} if the sum is meant"
    return f"{value!r}: {rule}: write {fixed}"


# ---------------------------------------------------------------- percentages and objectives


def _percent(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not _is(error, defs, "percent"):
        return None
    number = _number(str(error.instance).replace("%", "").replace("percent", ""))
    if number is None:
        return f"{_short(error.instance)} is not a percentage; write a number with a % sign, e.g. 2% or 0.5%"
    if number < 0:  # (it has its sign: "written with their sign" was no help)
        return f"{_short(error.instance)}: a percentage here is 0% or more, e.g. 2% or 0.5%"
    if isinstance(error.instance, int | float) and 0 < number < 1:
        return (
            f"{_text(number)} needs its % sign; if it is a fraction, the percentage is {_text(number * 100)}%"
            f" (write {_text(number * 100)}%, or {_text(number)}% if you meant that)"
        )
    return f"{_short(error.instance)}: percentages are written with their sign: {_text(number)}%"


def _objective(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if _last_key(path) != "objective" or error.validator != "type":
        return None
    written = str(error.instance).strip()
    if isinstance(error.instance, str) and re.fullmatch(r"[+-]?\d+,\d+%?", written):  # a decimal comma
        return f"{written!r}: write the decimals after a point: {written.replace(',', '.').rstrip('%')}"
    number = _number(re.sub(r"\s*(%|per ?cent|pct)$", "", written, flags=re.IGNORECASE))  # `99.9 percent`
    if number is None:
        return f"{_short(error.instance)} is not a number; an objective is the percentage of good events, e.g. 99.9"
    if isinstance(error.instance, str) and _number(written) is None:
        word = re.search(r"[A-Za-z ]+$", written)
        sign = f"the word {word.group().strip()!r}" if word and "%" not in written else "the % sign"
        return f"objectives are plain numbers in percent: write {_text(number)} (without {sign})"
    as_text = _read_as_text(written, number)
    if as_text:
        return as_text
    if 0 < number < 1:  # "0.999" unquoted is refused as a fraction: the advice must go the whole way
        return f"objectives are plain numbers in percent, not text or a fraction: write {_text(number * 100)}"
    if not 0 < number < 100:
        return f"{written!r} is text, and no objective: write a number in percent below 100 without quotes, e.g. 99.9"
    return f"objectives are plain numbers, not text: write {_text(number)} without quotes"


# ---------------------------------------------------------------- names, selectors


def _name(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not _is(error, defs, "name") or error.validator != "pattern" or not isinstance(error.instance, str):
        return None
    if re.fullmatch(conventions.WINDOWS_RESERVED, error.instance):
        return (
            f"{error.instance!r} is a device name Windows reserves (con, prn, aux, nul, com1-9, lpt1-9): the files "
            "named after it could not be checked out there; pick another name"
        )
    fixed = re.sub(r"[_ ]+", "-", error.instance.strip().lower())  # suggest only case and separator fixes
    hint = f": write {fixed!r}" if re.fullmatch(conventions.NAME, fixed) else ""
    return (
        f"{_short(error.instance)} is not a valid name; names are lowercase letters, digits and '-', starting "
        f"with a letter and not ending with '-' (they become file names, URLs and label values){hint}"
    )


# ---------------------------------------------------------------- business hours


def _weekday(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if path[-1:] == ("weekdays",) and isinstance(error.instance, str):
        days = _days(error.instance)
        example = ":".join(days) if days and all(days) and len(days) <= 2 else "monday:friday"
        return f"weekdays is a list of days and ranges: write weekdays: [{example!r}]"
    if len(path) < 2 or path[-2] != "weekdays" or not isinstance(error.instance, str):
        return None
    parts = _days(error.instance)
    written = error.instance
    if len(parts) == 2 and all(parts):
        return f"{written!r}: write the range as '{parts[0]}:{parts[1]}' (full day names, ':' between)"
    if len(parts) == 1 and parts[0]:
        return f"{written!r}: write the day as '{parts[0]}' (full lowercase day names)"
    return f"{written!r} is not a weekday or a range; write e.g. 'monday' or 'monday:friday'"


def _days(text: str) -> list[str]:
    """The day named by each part of `mon-fri`, `Mon .. Fri`, `monday to friday` ("" for a part naming none).
    The separators' spaces are stripped after the split: `\\s*` around them made the regex quadratic in a run of
    whitespace (hours for a 4 MB string)."""
    parts = (part.strip() for part in re.split(r"-|:|\.\.|to", text))
    return [_day(part) for part in parts if part]


def _day(text: str) -> str:
    low = text.lower()
    found = [d for d in WEEKDAYS if len(low) >= 2 and d.startswith(low)]
    return found[0] if len(found) == 1 else ""


def weekday_hint(text: str) -> str:
    """The full name of an abbreviated weekday ("mon" → "monday"), or ""."""
    return _day(text)


def _time(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not path or path[-1] not in ("start", "end") or "times" not in path:
        return None
    value = error.instance  # (an unquoted 9:00 is the text written, not YAML 1.1's base-60 540: yaml_numbers)
    match = re.fullmatch(r"\s*([0-9]{1,2})(?:[:.h]([0-9]{2}))?\s*", str(value))
    if match and int(match.group(1)) <= 24:
        hhmm = f"{int(match.group(1)):02d}:{match.group(2) or '00'}"
        return f'{_short(value)}: write times as "HH:MM" on a 24-hour clock, here "{hhmm}"'
    return f'{_short(value)}: write times as "HH:MM" on a 24-hour clock, e.g. "09:00"'


def _time_range(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not path or path[-2:-1] != ("times",) or error.validator != "type" or not isinstance(error.instance, str):
        return None
    match = re.fullmatch(r"\s*([0-9]{1,2})(?::([0-9]{2}))?\s*-\s*([0-9]{1,2})(?::([0-9]{2}))?\s*", error.instance)
    example = '{start: "09:00", end: "17:00"}'
    if match:
        start = f"{int(match.group(1)):02d}:{match.group(2) or '00'}"
        end = f"{int(match.group(3)):02d}:{match.group(4) or '00'}"
        example = f'{{start: "{start}", end: "{end}"}}'
    return f"{error.instance!r}: write a time range as {example}"


def _url(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not _is(error, defs, "url") or error.validator != "pattern" or not isinstance(error.instance, str):
        return None
    scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", value := error.instance)
    if scheme and not value[scheme.end() :].startswith("//"):  # javascript:, data:, mailto:...: not a web page
        return f"{_short(value)} is not an http(s) URL: links open a web page (https://...)"
    if scheme:  # `HTTPS://` (the pattern is lowercase), `ftp://`: "e.g. 'https://ftp://x'" was no advice
        if (lower := value[: scheme.end()].lower().strip() + value[scheme.end() :]).startswith(("http:", "https:")):
            return f"{_short(value)}: write the scheme in lowercase, {_short(lower)}"
        return f"{_short(value)} is not an http(s) URL: write one that starts with https:// (or http://)"
    if any(c.isspace() for c in value):
        return f"{_short(value)} is not a URL: it holds white space or a line break"
    return f"{_short(value)} is not a URL; write it with its scheme, e.g. {_short('https://' + value.lstrip('/'))}"


# ---------------------------------------------------------------- shapes: lists, tiers, receivers, enums


def _document_list(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if path or error.validator != "type" or not isinstance(error.instance, list):
        return None
    if not all(isinstance(item, dict) for item in error.instance):
        return None
    return (
        f"a spec is one service, not a list of {len(error.instance)}: in YAML, write each as its own document "
        "(not a list item) after a `---` line; a Jsonnet file evaluates to one service (one file per service)"
    )


def _slos_mapping(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if path not in (("slos",), ("threshold_alerts",)) or not isinstance(error.instance, dict):
        return None
    first, item = next(iter(error.instance), "availability"), "SLO" if path == ("slos",) else "alert"
    if isinstance(named := error.instance.get("name"), str):  # one item without its `- `: was "- name: name"
        return f"{path[0]} is a list, one item per {item}: write this one as an item, `- name: {named}`, its keys below"
    return (
        f"{path[0]} is a list, one item per {item} with its name inside: write `- name: {first}` and its keys below it"
    )


def _selector_value(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if len(path) != 2 or path[0] != "selector" or not isinstance(error.instance, list):
        return None
    return (
        f"selector.{path[1]} is one exact value, not a list: a spec describes one service; "
        "for a label that differs between its series, leave it out of the selector"
    )


def _metric_value(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if len(path) != 2 or path[0] != "metrics" or isinstance(error.instance, str | dict):
        return None
    return (
        f'{_short(error.instance)} is not a metric: write a series selector (`http_requests_total{{code=~"5.."}}`) '
        "or a mapping with `selector:` or `expr:`"
    )


def _tiers(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not _is(error, defs, "alertTiers") or isinstance(error.instance, dict):
        return None
    if switch := word_hints.switch_word(error.instance, str(path[-1])):  # `traffic_anomaly: disabled`
        return switch
    return (
        f"{_short(error.instance)}: thresholds go under a tier, e.g. {path[-1]}: {{warning: {_plain(error.instance)}}} "
        "(critical pages, warning tickets, info reports); true or false switches the alert on or off"
    )


# The one setting each integration cannot do without, for `slack: "#pay"`-style shorthands.
_MAIN_SETTING = {
    "slack": "channel",
    "email": "to",
    "webhook": "url",
    "pagerduty": "routing_key_file",
    "opsgenie": "api_key_file",
}


def _receiver_ref(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if not _is(error, defs, "receiverRef"):
        return None
    value = error.instance
    if isinstance(value, str) and value.startswith("#"):
        return f"a Slack channel is set in an inline receiver: write {{slack: {{channel: {value!r}}}}}"
    if isinstance(value, dict) and len(value) == 1:
        kind, setting = next(iter(value.items()))
        if kind in _MAIN_SETTING and not isinstance(setting, dict):
            main = _MAIN_SETTING[kind]
            return f"{kind} takes its settings as a mapping: write {{{kind}: {{{main}: {_short(setting)}}}}}"
    return None


def _enum_case(error: ValidationError, defs: Defs, path: Path) -> str | None:
    if error.validator != "enum" or not isinstance(error.instance, str):
        return None
    options = error.validator_value if isinstance(error.validator_value, list) else []
    same = [v for v in options if isinstance(v, str) and v.lower() == error.instance.lower()]
    return f"{error.instance!r}: write {same[0]!r} (the case matters)" if same else None


def _plain(value: Any) -> str:
    return str(value) if not isinstance(value, bool) else str(value).lower()


_Rule = Callable[["ValidationError", Defs, Path], "str | None"]
_RULES: tuple[_Rule, ...] = (
    word_hints.iso_duration, word_hints.tier_word, word_hints.alert_name, _duration, _percent, _objective,
    _number_as_text, _label_name, _name, label_hints.selector_text, label_hints.targets_text, _weekday, _time_range,
    _time, _url, _slos_mapping, _document_list, _selector_value, _metric_value, metric_source, _tiers, _receiver_ref,
    setting_hints.mail_recipients,
    _enum_case, word_hints.enum_word, shape_hints.list_for_mapping, shape_hints.scalar_for_list,
    shape_hints.sli_or_links_not_mapping, label_hints.empty_label_value, hint_values.whole_number,
    hint_values.objective_range, setting_hints.secret_file, setting_hints.runbook_url,
)  # fmt: skip
