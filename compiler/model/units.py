"""Parsing and formatting of the spec's scalar units: durations, percentages, event rates."""

from __future__ import annotations

import functools
import re
import sys
from decimal import Decimal, localcontext

from compiler.spec.hint_values import duration_advice, guess_unit

_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_SECONDS: dict[str, Decimal] = {
    "ms": Decimal("0.001"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
    "d": Decimal(86400),
    "w": Decimal(604800),
    "y": Decimal(31536000),
}


# Seconds per unit of a latency histogram's values (its `le` labels, its quantiles), by the Grafana unit id a
# metric declares; no unit is seconds (Prometheus' convention, `*_seconds`).
HISTOGRAM_SECONDS: dict[str, Decimal] = {
    "": Decimal(1),
    "s": Decimal(1),
    "ms": Decimal("0.001"),
    "µs": Decimal("0.000001"),
    "ns": Decimal("0.000000001"),
}

LARGEST_FLOAT = Decimal(sys.float_info.max)  # a float64's largest: what Prometheus parses a number into


def float64_problem(number: Decimal, written: str) -> str | None:
    """Why a number obsc reads exactly (a string of digits, `99…9%`, `1e400` in PromQL that the Rust parser takes
    as +Inf) cannot be written into a rule: Go's ParseFloat refuses it ("value out of range"), so promtool and
    Prometheus would refuse the rules. None when it fits."""
    if number.copy_abs() <= LARGEST_FLOAT:  # exact: abs() rounds to the context, and 1e99999999 overflowed it
        return None
    shown = written if len(written) <= 24 else f"{written[:20]}..."
    return f"{shown} is past the largest number Prometheus reads ({LARGEST_FLOAT:.3e}): promtool would refuse the rule"


# Grafana's per-minute throughput units, by their per-second sibling's id. A counter is plotted, recorded and
# compared with its thresholds as rate(), per second: drawn in `opm`, 2 ops/s read "2 ops/min", 60 times low.
PER_SECOND_OF_PER_MINUTE = {
    "cpm": "cps",
    "opm": "ops",
    "reqpm": "reqps",
    "rpm": "rps",
    "wpm": "wps",
    "epm": "eps",
    "mpm": "mps",
    "recpm": "recps",
    "rowspm": "rowsps",
}


# A unit Grafana does not know is shown as written ("2 OPM", "2 jobs/min"), and so is a `suffix:` one: per minute
# in words is as wrong as the ids.
_PER_MINUTE_WORDS = ("/minute", "/min", " per minute", " per min")


def counter_unit_problem(unit: str) -> str | None:
    """Why a counter cannot take `unit` (a per-minute one, an id in any case or in words), with the unit to
    write; None when it can."""
    meant = PER_SECOND_OF_PER_MINUTE.get(unit.lower())
    written = unit.rstrip()
    said = next((w for w in _PER_MINUTE_WORDS if written.lower().endswith(w)), None)
    if meant is None and said is not None:
        meant = written[: -len(said)].rstrip() + "/s"
    if meant is None:
        return None
    return (
        f"a counter is drawn and alerted on as its rate per second, which unit {unit!r} (per minute) would label "
        f"60 times too low; write unit: {meant} (a threshold may still be written per minute: 30/m)"
    )


# Base-name suffixes of histograms whose values are not seconds (Prometheus names the unit last), by obsc unit.
_UNIT_SUFFIXES = {
    "ms": ("_milliseconds", "_millis", "_ms"),
    "µs": ("_microseconds", "_micros", "_us"),
    "ns": ("_nanoseconds", "_nanos", "_ns"),
}


def histogram_units(unit: str) -> str:
    """The units a latency histogram may declare, said to one that declared `unit`; with a did-you-mean for a time
    unit spelt out (`unit: milliseconds` was refused without one)."""
    meant = _SPELT_OUT.get(unit.strip().lower().removesuffix("s"))
    guess = f"; did you mean {meant}?" if meant else ""
    return ", ".join(u for u in HISTOGRAM_SECONDS if u) + f" (none means seconds{guess})"


# A time unit spelt out, as a histogram's `unit:` (obsc takes Grafana's ids: s, ms, µs, ns), without its plural s.
_SPELT_OUT = {"second": "s", "sec": "s", "millisecond": "ms", "milli": "ms", "msec": "ms", "u": "µs"} | {
    "microsecond": "µs", "micro": "µs", "nanosecond": "ns", "nano": "ns"
}  # fmt: skip


# Histograms whose exporter counts another unit than seconds with no unit in the name (round 43): read as seconds,
# Envoy's `envoy_cluster_upstream_rq_time` (ms) matched a 1s threshold at its le="1" bucket, 1 ms: a healthy edge
# whose p99 was 100 ms paged the latency SLO's fast pair and the p99 line (100 read as 100 s) within 10 minutes.
_UNIT_BY_EXPORTER = (
    (re.compile(r"envoy_\w*rq_time"), "ms", "Envoy's request-time histograms count milliseconds"),
    (re.compile(r"kong_latency"), "ms", "Kong's `kong_latency` counts milliseconds"),
    # OpenTelemetry's HTTP and RPC durations before semantic conventions 1.21 (http.server.duration, ms), exported
    # without the unit suffix (an exporter's add_metric_suffixes: false): read as seconds, a healthy 120 ms p99 was
    # over a 1s line (120 > 1) and paged for good (round 53).
    (
        re.compile(r"(?:\w+_)?(?:http|rpc)_(?:server|client)_duration"),
        "ms",
        "OpenTelemetry's older http.server.duration and its http and rpc kin count milliseconds",
    ),
)


def histogram_unit_in_name(series: str) -> str | None:
    """The time unit a histogram's base name ends in, when it is not seconds (`x_duration_milliseconds` → ms), or
    the unit its exporter is known to count in when the name says none (Envoy's `..._rq_time`: ms)."""
    return next((unit for unit, ends in _UNIT_SUFFIXES.items() if series.endswith(ends)), None) or next(
        (unit for pattern, unit, _ in _UNIT_BY_EXPORTER if pattern.fullmatch(series)), None
    )


def exporter_unit(series: str) -> tuple[str, str] | None:
    """The unit a known exporter's histogram counts in and why (Envoy's `..._rq_time`: ms), or None."""
    return next(((unit, why) for pattern, unit, why in _UNIT_BY_EXPORTER if pattern.fullmatch(series)), None)


def histogram_unit_said(series: str) -> str:
    """How a histogram says the unit histogram_unit_in_name finds: by its name's suffix, or by its exporter."""
    why = next((why for pattern, _, why in _UNIT_BY_EXPORTER if pattern.fullmatch(series)), None)
    unit = histogram_unit_in_name(series)
    return f"counts {unit} ({why}, though the name says no unit)" if why else f"is named in {unit}"


# The parsers below are asked for the same few texts by every spec of a fleet (thresholds, windows, budget
# shares): each text is parsed once per process, and equal texts give the same Decimal object, which the
# model's transfer from the worker processes then sends once, not once per alert.
@functools.lru_cache(maxsize=1024)
def clock_minutes(hhmm: str) -> int:
    """Minutes since midnight of a schema-checked "HH:MM" time of day ("24:00" is 1440)."""
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def parse_duration(text: str) -> int:
    """`1h30m` → 5400 (seconds). Sub-second parts are rounded down; the schema checked the form."""
    if not re.fullmatch(r"(?:[0-9]+(?:ms|s|m|h|d|w|y))+", text):
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 1h30m, 28d{_whole(text)}")
    total = Decimal(0)
    for number, unit in _DURATION_PART.findall(text):
        total += Decimal(number) * _SECONDS[unit]
    return int(_bounded(text, total))


def _whole(text: str) -> str:
    """`1.5s` (Prometheus reads no decimals): what to write in its place."""
    whole = duration_advice(text)
    return f"; write {whole} (durations are whole numbers)" if whole else ""


def duration_or_none(value: object) -> int | None:
    """parse_duration of a value that may be unset or not a duration (a live server's setting, a row the schema
    refuses): None then, for the caller's default."""
    try:
        return None if value is None else parse_duration(str(value))
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def parse_duration_seconds(text: str) -> Decimal:
    """Like parse_duration but keeps milliseconds (latency thresholds such as 250ms)."""
    if not re.fullmatch(r"(?:[0-9]+(?:ms|s|m|h|d|w|y))+", text):
        raise ValueError(f"{text!r} is not a duration like 300ms, 1s{_whole(text)}")
    return _bounded(text, sum((Decimal(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(text)), Decimal(0)))


def unitless_latency_line(text: str) -> str:
    """`latency_p99: {critical: 500}`: a latency line written without its unit was "'500' is not a duration like
    300ms, 1s", quoted as if written as text and with no guess (round 45); the schema says a bare `threshold`
    so, with the same guess. "" for any other text."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return ""
    guess = guess_unit(Decimal(text), "threshold")
    return f"{text} has no unit; a latency line is a duration: write it with ms or s, e.g. 300ms, 1s" + (
        f". Did you mean {guess}?" if guess else ""
    )


_DECIMAL_DURATION = re.compile(r"([0-9]+\.[0-9]+)(ms|s|m|h|d|w)")


def parse_threshold_seconds(text: str) -> Decimal:
    """A duration compared with a value (a threshold, not a window Prometheus reads): parse_duration_seconds, or
    one decimal part (`1.5s` is 1.5, exactly as `1500ms`), which no Prometheus duration field takes."""
    found = _DECIMAL_DURATION.fullmatch(text)
    if found is None:
        if pointed := pointed_duration(text):  # `1,5s`: 1.5s is read, no need for 1500ms
            raise ValueError(f"{text!r} is not a duration like 300ms, 1.5s; write {pointed} (a decimal point)")
        return parse_duration_seconds(text)
    return _bounded(text, Decimal(found.group(1)) * _SECONDS[found.group(2)])


def pointed_duration(text: str) -> str | None:
    """`1.5s` for a threshold written with a decimal comma (`1,5s`), which parse_threshold_seconds reads; else None."""
    found = _DECIMAL_DURATION.fullmatch(text.strip().replace(",", ".", 1)) if "," in text else None
    return found.group(0) if found else None


# The longest duration a spec may write: Prometheus refuses durations past ~292 years ("duration out of
# range"), and SLO math on a period of 10^22 days overflowed. Nothing an alert waits for is longer.
MAX_DURATION_SECONDS = 100 * 365 * 86400


def _bounded(text: str, seconds: Decimal) -> Decimal:
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"{text!r} is longer than 100y, more than Prometheus can wait for or look back over")
    return seconds


@functools.lru_cache(maxsize=1 << 12, typed=True)  # called ~1M times for a 1,000-service fleet, few distinct values
def format_duration(seconds: int) -> str:
    """5400 → `1h30m`; the shortest Prometheus spelling, largest unit first (no `y`/`w` ambiguity)."""
    if seconds <= 0:
        return "0s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out


def seconds_text(seconds: Decimal) -> str:
    """A duration threshold as a spec writes one: 1d, 1h30m, 300ms, 1.5s (not 86400s or 0.3s)."""
    if seconds > 0 and seconds == int(seconds):
        return format_duration(int(seconds))
    millis = seconds * 1000
    if 0 < millis < 1000 and millis == int(millis):
        return f"{int(millis)}ms"
    return f"{decimal_text(seconds)}s"


@functools.lru_cache(maxsize=1024)
def parse_percent(text: str) -> Decimal:
    """`2%` → Decimal('0.02'), exact: thresholds end up in PromQL and tests compare floats exactly."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?%", text):
        # `90 %` and `0,5%` (a space before the sign, a decimal comma): say the spelling obsc reads.
        spaced = re.sub(r"\s+", "", re.sub(r"\s*(?:per ?cent|pct)\s*$", "%", text, flags=re.IGNORECASE))  # `10 percent`
        written = spaced.replace(",", ".")
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?%", written):
            # `1,000%`: a decimal comma to some, thousands grouped to others; name both readings
            grouped = re.fullmatch(r"[1-9][0-9]{0,2},[0-9]{3}%", spaced)
            thousands = spaced.replace(",", "")
            also = f" if the comma is a decimal comma, {thousands} if it groups thousands" if grouped else ""
            raise ValueError(f"{text!r} is not a percentage as obsc reads them: write {written}{also}")
        raise ValueError(f"{text!r} is not a percentage like 2% or 0.5%")
    return Decimal(text[:-1]) / 100


def parse_rate(value: object) -> Decimal:
    """Events per second from `0.5`, `10/m` or `100/h`."""
    if isinstance(value, bool):
        raise ValueError("expected a number of events per second, or a string like 10/m")
    if isinstance(value, int | float):
        return Decimal(repr(value))
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)/(s|m|h)", str(value))
    if not match:
        raise ValueError(f"{value!r} is not an event rate like 0.5, 10/m or 100/h")
    return Decimal(match.group(1)) / _SECONDS[match.group(2)]


def decimal_text(value: Decimal) -> str:
    """Shortest plain text for a Decimal: 0.001, 14.4, 5 — never exponent notation."""
    if value and value.is_finite():  # equal non-zero numbers share one text; -0 and 0 (equal, hashed alike) do not
        return _normal_text(value)
    return format(value.normalize(), "f")


def percent_text(ratio: Decimal) -> str:
    """A share the spec wrote (or one exact step from it: a 99.95% objective's 0.05% budget) as a percentage,
    every digit kept: cutting 99.123456789% to 6 digits quoted an objective the spec never set."""
    return decimal_text(ratio * 100) + "%"


def share_text(ratio: Decimal) -> str:
    """A share obsc worked out (the budget a burn spends, the error ratio it fires above) as an SRE reads it:
    exact up to 4 significant digits (10%, 0.0336%, 13.44%), else `about` and 2 digits (3/7 of the budget is
    `about 43%`, not 42.8571%), with more digits where 2 would say 100% of what is not all of it (99.96%)."""
    return about_text(ratio * 100) + "%"


def about_text(value: Decimal) -> str:
    """A worked-out number for humans, by `share_text`'s rule (a burn factor: `about 0.93`, not 0.9333333333)."""
    if not value or not value.is_finite() or len(value.normalize().as_tuple().digits) <= _EXACT_DIGITS:
        return decimal_text(value)
    digits = _ABOUT_DIGITS
    while True:  # ends: at 28 digits (the default context) every Decimal this sees is itself, not 100
        with localcontext() as context:
            context.prec = digits
            rounded = +value
        if rounded == value:  # the digits that keep it off 100 are all it has (99.999%): exact
            return decimal_text(value)
        if rounded != 100 or digits >= 28:  # rounding only lands on 100 from either side; it never crosses it
            return "about " + decimal_text(rounded)
        digits += 1


_EXACT_DIGITS = 4  # 13.44 (a 28d period's fast factor) and 0.1875% are read as written
_ABOUT_DIGITS = 2


@functools.lru_cache(maxsize=1 << 14)  # ~2M calls for a 1,000-service fleet, mostly repeated values
def _normal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


# The longest SLO period obsc accepts, and so the furthest back any spec's query may read: a year and its leap
# day (a yearly compliance report is the longest period SLOs are kept over). obsc's own rules read no further
# than the period; a free query reading 9999d or `offset 100y` asked the shared Prometheus for every sample it
# retains at each evaluation (or for nothing: an alert that can never fire).
LONGEST_PERIOD_SECONDS = 366 * 86_400
