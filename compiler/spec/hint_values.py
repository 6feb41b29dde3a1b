"""How hints read and show the values written: numbers, numbers YAML read as text, a value shortened for a
message; and the two hints that are only about those (hints.py holds the others; this keeps it small)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError


def number(value: Any) -> Decimal | None:
    """The number `value` holds (a YAML number, or text like "99.9"), else None."""
    if isinstance(value, bool):
        return None
    try:
        parsed = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    # Only numbers a person writes: NaN does not compare, and 1e999999999 would print a billion digits.
    return parsed if parsed.is_finite() and -20 < parsed.adjusted() < 20 else None


def text(number: Decimal) -> str:
    return format(number.normalize(), "f")


_SMALLER = {"s": ("ms", 1000), "m": ("s", 60), "h": ("m", 60), "d": ("h", 24), "w": ("d", 7)}


def whole_duration(number: Decimal, unit: str) -> str:
    """`number` `unit` as a Prometheus duration, which takes whole numbers only: 0.25s → 250ms, 1.5h → 90m; ""
    when there is none (below a millisecond)."""
    while number != number.to_integral_value() and unit in _SMALLER:
        unit, factor = _SMALLER[unit]
        number *= factor
    if number != number.to_integral_value():
        return ""
    return f"{text(number)}{unit}"


_SECONDS_IN = (("d", 86400), ("h", 3600), ("m", 60))
_WAIT_KEYS = ("for", "keep_firing_for", "long", "short", "resolve_timeout")


def guess_unit(number: Decimal, key: str) -> str:
    """The duration a bare number most likely meant, by the field it is in and its size; "" if unclear. A number
    too large for the field's usual unit is read as seconds, what APIs and Kubernetes write: `period: 2592000` was
    "Did you mean 2592000d?" (7,000 years), `for: 300` "300m" (5 hours)."""
    if number <= 0:
        return ""
    if key == "threshold":  # a latency line: 0.25 reads as seconds, 250 as ms (250 s is no one's latency line)
        if number != number.to_integral_value():
            return whole_duration(number, "s")
        return f"{text(number)}ms" if number >= 50 else f"{text(number)}s or {text(number)}ms"
    if number != number.to_integral_value():
        return ""
    if key == "period":  # a period is days to a year
        return f"{text(number)}d" if number <= 366 else _from_seconds(number) if number % 3600 == 0 else ""
    if key in _WAIT_KEYS:  # minutes while few; from 60 on, seconds (`for: 300`)
        return f"{text(number)}m" if number < 60 else _from_seconds(number)
    return ""


def _from_seconds(number: Decimal) -> str:
    """Seconds as one Prometheus unit, the largest that holds them whole: 2592000 → 30d, 300 → 5m, 90 → 90s."""
    seconds = int(number)
    unit, size = next(((u, n) for u, n in _SECONDS_IN if seconds % n == 0), ("s", 1))
    return f"{seconds // size}{unit} ({seconds:,} seconds)" if size > 1 else f"{seconds}s"


_DECIMAL_COMMA = re.compile(r"([-+]?[0-9]+),([0-9]+)(%|[A-Za-zµ]*|/[A-Za-z]+)")
_TIME_UNITS = frozenset({"ms", "s", "m", "h", "d", "w", "y"})


def decimal_point(written: str) -> str | None:
    """`0,5s`, `1,5GiB`, `92,5%` (a decimal comma) as obsc reads it: 500ms (a duration takes whole numbers),
    1.5GiB, 92.5%; None for other text, or a duration with no whole form."""
    found = _DECIMAL_COMMA.fullmatch(written.strip())
    if not found:
        return None
    whole, cut, unit = found.group(1).lstrip("+"), found.group(2), found.group(3)
    if unit in _TIME_UNITS:
        return whole_duration(Decimal(f"{whole}.{cut}"), unit) or None
    return f"{whole}.{cut}{unit}"


def decimal_point_advice(written: str) -> str | None:
    """What to write for a decimal comma, and why: `500ms (0.5s in whole units)`, `1.5GiB (decimals after a
    point)`; None as for decimal_point."""
    point = decimal_point(written)
    if point is None:
        return None
    pointed = written.strip().replace(",", ".", 1).lstrip("+")
    return f"{point} ({pointed} in whole units)" if point != pointed else f"{point} (decimals after a point)"


def duration_advice(written: str) -> str:
    """`1500ms` for a duration with decimals (`1.5s`, `1,5s`), which Prometheus does not read; else ""."""
    found = re.fullmatch(r"\s*([0-9]+)[.,]([0-9]+)(ms|s|m|h|d|w)\s*", written)
    whole = whole_duration(Decimal(f"{found.group(1)}.{found.group(2)}"), found.group(3)) if found else ""
    return whole


def short(value: Any) -> str:
    """The value in YAML's words (`true`, `null`, `[99.9]`), not Python's (`True`, `None`)."""
    shown = repr(value) if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def read_as_text(written: str, value: Decimal) -> str | None:
    """Numbers YAML reads as text when written unquoted (so "without quotes" would be wrong advice): a leading
    0 (YAML 1.1's octal, kept as written since round 20) and an exponent without a point or a sign."""
    if 0 < value < 100:
        meant = f"write {text(value)}"
    else:
        meant = f"as a decimal, {text(value)}, which is no objective: it is a percentage below 100, e.g. 99.9"
    if re.fullmatch(r"[+-]?0\d[\d.]*", written):
        octal = (
            f", YAML 1.1 tools as the octal number {int(written, 8)}" if re.fullmatch(r"[+-]?0[0-7]+", written) else ""
        )
        return f"{written!r} starts with a 0: obsc reads it as text{octal}; {meant}"
    if re.search(r"[eE]", written):
        return f"{written!r} is text in YAML, which reads an exponent only with a point and a sign (9.99e+1); {meant}"
    return None


def number_as_text(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """A number read as text where a number goes (buckets, min_bad_events...): `1e-1` and `0.5e-1` are text to
    YAML, which said only "'1e-1' is not of type number"; a quoted number is told to lose its quotes."""
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    if error.validator != "type" or not isinstance(error.instance, str) or not {"number", "integer"} & set(wanted):
        return None
    written = error.instance.strip()
    value = number(written)
    if value is None or ("number" not in wanted and value != value.to_integral_value()):
        return None
    meant = f"write {text(value)}"
    exponent = re.fullmatch(r"([+-]?\d+)(?:\.(\d*))?[eE]([+-]?)(\d+)", written)
    if exponent:
        whole, fraction, sign, power = exponent.groups()
        read = f"{whole}.{fraction or 0}e{sign or '+'}{power}"
        return f"{written!r} is text in YAML, which reads an exponent only with a point and a sign ({read}); {meant}"
    if re.fullmatch(r"[+-]?0\d[\d.]*", written):
        return f"{written!r} starts with a 0: obsc reads it as text; {meant}"
    return f"{written!r} is text, not a number: {meant} without quotes"


def label_name(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """A label name Prometheus refuses (the schema's pattern, once printed as the bare regex), or one past the
    schema's bound (once printed whole, 3,000 characters of it)."""
    if error.schema != defs.get("labelName"):
        return None
    if error.validator == "pattern" and isinstance(error.instance, str) and (said := matcher_as_key(error.instance)):
        return said
    if error.validator == "pattern" and isinstance(error.instance, str):
        fixed = re.sub(r"[^a-zA-Z0-9_]", "_", error.instance.strip())
        fixed = fixed if re.fullmatch(r"[a-zA-Z_]\w*", fixed, re.ASCII) else f"_{fixed}"
        return (
            f"{short(error.instance)} is not a label name Prometheus takes: letters, digits and '_', not starting "
            f"with a digit; write {fixed!r}"
        )
    if error.validator != "maxLength":
        return None
    return (
        f"{short(error.instance)}: a label name of {len(str(error.instance)):,} characters; at most "
        f"{error.validator_value} (it becomes a key in the generated rule and test files, and YAML refuses keys "
        "past 1,024 characters)"
    )


_MATCHER_KEY = re.compile(r"\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|==|=)\s*[\"']?(.*?)[\"']?\s*", re.ASCII)


def matcher_as_key(key: str) -> str | None:
    """`selector: {job=cart}`: YAML reads the PromQL matcher as a key without a value; it was told to write the
    label name 'job_cart' (a label nobody has) and, at the same place, that the value is missing."""
    found = _MATCHER_KEY.fullmatch(key)
    if found is None or not found.group(3):
        return None
    label, op, value = found.groups()
    exact = "" if op in ("=", "==") else " (values here are exact: a pattern goes in a metric's own selector)"
    return f"{key!r} is a PromQL matcher written as a key: here each label maps to its value, {label}: {value}{exact}"


# Maps whose values are label values: a number there is most likely an id or a version meant as text.
_LABEL_MAPS = ("selector", "labels", "targets", "annotations")


def not_text(
    error: ValidationError,
    written: str | None,
    path: tuple[str | int, ...],
    refusal: Callable[[ValidationError, str, tuple[str | int, ...]], str | None],
) -> str | None:
    """A plain scalar YAML read as a boolean, null or number where text goes, said in the words written:
    `team: yes` read "true is not of type string", `version: 1.10` "1.1 is not of type string". `refusal`
    says what the field would make of the text quoted: "quote it" only where that text passes."""
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    value = error.instance
    if error.validator == "enum" and isinstance(value, bool) and all(isinstance(v, str) for v in wanted):
        # `missing: no`: "false is not one of 'alert', 'ignore'" named neither the word written nor why
        said = written or json.dumps(value)
        options = " or ".join(repr(v) for v in wanted)
        return f"{said} is read as {json.dumps(value)}, not text: write {options}"
    if error.validator != "type" or "string" not in wanted or isinstance(value, str | list | dict):
        return None
    shown = json.dumps(value)
    if value is None:
        # `~` is YAML's other spelling of null: quoted, it would be a one-character value nobody meant.
        if isinstance(path[-1], str) and (as_key := matcher_as_key(path[-1])):  # `{job=cart}`: said once at the key
            return as_key
        if not written or written in ("null", "Null", "NULL", "~"):
            kinds = {"string": "text", "number": "a number", "integer": "a whole number", "boolean": "true or false"}
            takes = " or ".join(kinds[w] for w in wanted if w in kinds)
            return f"no value here: write {'the text' if takes == 'text' else takes}"
        return _quote(error, written, f"{written} is read as null, not text", path, refusal)
    if isinstance(value, bool):
        if {"number", "integer"} & set(wanted):  # `above: true`: text would not be right either (a number is)
            return None
        written = written or shown
        words = "" if written.lower() == shown else " (YAML 1.1 reads yes, no, on and off so)"
        return _quote(error, written, f"{written} is read as {shown}, not text{words}", path, refusal)
    label_value = len(path) >= 2 and isinstance(path[-1], str) and path[-2] in _LABEL_MAPS
    if written is None and not label_value:
        return None  # `expr: 5`, `url: 5`: quoting would not make them right
    read = f"is read as the number {shown}" if written else "is a number"
    written = written or shown
    return _quote(error, written, f"{written} {read}, not text", path, refusal)


def _quote(
    error: ValidationError,
    written: str,
    problem: str,
    path: tuple[str | int, ...],
    refusal: Callable[[ValidationError, str, tuple[str | int, ...]], str | None],
) -> str:
    refused = refusal(error, written, path)
    return f"{problem}, and quoting it would not do: {refused}" if refused else f"{problem}: quote it: '{written}'"


def whole_number(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`min_bad_events: 0.5` was told "0.5 is not of type integer", the schema's word for it."""
    value = error.instance
    if error.validator != "type" or error.validator_value != "integer" or not isinstance(value, float):
        return None
    if value != value or value in (float("inf"), float("-inf")):  # .nan, .inf: not_a_number's own message
        return None
    key = next((p for p in reversed(path) if isinstance(p, str)), "this")
    return f"{key} counts, so it is a whole number; {value!r} is not one"


def objective_range(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`objective: 999` (a point lost from 99.9) or `0` was told "999 is greater than the maximum of 100", the
    schema's words: the objective is a percentage between them, and digits starting 99 most likely lost a point."""
    value = error.instance
    bounds = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum")
    if not path or path[-1] != "objective" or error.validator not in bounds or isinstance(value, bool):
        return None
    if not isinstance(value, int | float):
        return None
    digits = str(value) if isinstance(value, int) else ""
    meant = f"; did you mean {digits[:2]}.{digits[2:]}?" if digits.startswith("99") and len(digits) > 2 else ""
    return f"{text(Decimal(str(value)))} is no objective: it is a percentage above 0 and below 100, e.g. 99.9{meant}"


def objective_problem(value: Any) -> str | None:
    """An objective the schema accepts but nobody means: a fraction (0.999) instead of a percentage, or the
    error budget in the objective's place (`objective: 5` for 95, or for 99.5). Under 50% good events no SLO
    anyone pages on holds: more events may fail than succeed. It was told "the critical burn alert can never
    fire ... raise the objective", and with `alerts: {critical: false}` it compiled."""
    given = number(value) if isinstance(value, int | float) else None
    if given is None or not 0 < given < _LEAST_OBJECTIVE:
        return None
    if given < 1:
        return (
            f"{text(given)} looks like a fraction; objectives are percentages: write {text(given * 100)} "
            f"(for {text(given * 100)}% good events)"
        )
    return (
        f"{text(given)} lets {text(100 - given)}% of events fail: an objective is the percentage of events "
        f"that must be good, not the share that may fail (99.5 lets 0.5% fail); if {text(given)}% may fail, "
        f"write {text(100 - given)}"
    )


# The lowest objective obsc takes: below it more events may fail than succeed (see objective_problem).
_LEAST_OBJECTIVE = 50
