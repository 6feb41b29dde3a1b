"""The `le` label of a histogram bucket as a matcher, however the client library spelled the bound: decimal with
or without trailing zeros, exponent forms of every client, and float64 bounds a few ulps off the decimal."""

from __future__ import annotations

import re
from decimal import Decimal

from compiler.model.promql import Matcher
from compiler.model.units import decimal_text


def le_matcher(le: Decimal) -> Matcher:
    """Match the `le` label of a bucket whatever the client library wrote for that number. Prometheus 2.42
    keeps `le` as exposed: 0.3, 0.30, 1, 1.0 (decimal, trailing zeros), and exponent forms: client_golang and
    the Python client write 3e+08, 1.5e+06, 1e-05 (any bound from 1e6 or below 1e-4), Java 3.0E8, 1.0E-4,
    C++ (to_chars) 1e+05. One pattern per number: `300000000(\\.0+)?|3(\\.0+)?[eE]\\+?0*8`, and the spellings of
    a bound computed in float64 next to it (see _float_noise_patterns)."""
    exact = [_decimal_pattern(le), _exponent_pattern(le)]
    return Matcher("le", "=~", "|".join(exact + _float_noise_patterns(le)))


def _decimal_pattern(le: Decimal) -> str:
    text = decimal_text(le)
    return text.replace(".", r"\.") + ("0*" if "." in text else r"(\.0+)?")


def _exponent_pattern(le: Decimal) -> str:
    """d.ddd[eE]±x of `le` with its mantissa normalised (one digit before the point, as every client writes):
    trailing zeros after the point and leading zeros in the exponent are optional, `+` too."""
    digits, power = _significant(le)
    first, rest = digits[0], digits[1:]
    mantissa = first + (rf"\.{rest}0*" if rest else r"(\.0+)?")
    return f"{mantissa}[eE]{_power_pattern(power)}"


def _significant(le: Decimal) -> tuple[str, int]:
    """The significant digits of `le` and the power of ten of the first: 0.25 is ("25", -1)."""
    _, digits, exponent = le.normalize().as_tuple()
    assert isinstance(exponent, int)
    return "".join(map(str, digits)), exponent + len(digits) - 1


def _power_pattern(power: int) -> str:
    if power > 0:
        return rf"\+?0*{power}"
    if power < 0:
        return f"-0*{-power}"
    return "[+-]?0+"


# Bounds computed in float64 land a few ulps off the decimal they stand for, and shortest round-trip
# formatting (Go 'g' -1, Python repr, Java) shows it: client_golang's LinearBuckets(0.1, 0.1, 5) adds the
# width in turn and exposes le="0.30000000000000004"; ExponentialBuckets multiplies (0.29524500000000015).
# Such a spelling keeps the first FLOAT_BOUND_DIGITS significant digits of the threshold: its own digits
# padded with zeros (a hair above) or, a hair below, its last digit one less padded with nines
# (0.34999999999999997, 0.09999999999999999); any digits follow. 200 added widths drift to the 14th digit,
# and no two buckets anyone declares agree to 13 (such a spelling is within 1e-12 of the threshold, relative).
FLOAT_BOUND_DIGITS = 13


def _float_noise_patterns(le: Decimal) -> list[str]:
    """Decimal and exponent spellings of a float64 within a hair above or below `le`."""
    digits, power = _significant(le)
    run = max(FLOAT_BOUND_DIGITS - len(digits), 0)
    above = digits + "0" * run
    below = str(int(digits) - 1).zfill(len(digits)) + "9" * run  # 0.1 less a hair: "0999…" from 10**-1
    return [pattern(text, power) for text in (above, below) for pattern in (_fixed_then_any, _exponent_then_any)]


def _fixed_then_any(digits: str, power: int) -> str:
    """`digits` (the first at 10**power, possibly 0), then any digits, in decimal notation."""
    point = power + 1  # how many of the digits come before the point
    if point <= 0:
        return rf"0\.{_runs('0' * -point + digits)}[0-9]*"
    if point < len(digits):
        return rf"{_runs(digits[:point].lstrip('0') or '0')}\.{_runs(digits[point:])}[0-9]*"
    return rf"{_runs(digits.lstrip('0'))}[0-9]{{{point - len(digits)}}}(\.[0-9]+)?"


def _exponent_then_any(digits: str, power: int) -> str:
    """`digits` (the first at 10**power, possibly 0), then any digits, with a normalised mantissa."""
    if digits.startswith("0"):
        digits, power = digits[1:], power - 1
    return rf"{digits[0]}\.{_runs(digits[1:])}[0-9]*[eE]{_power_pattern(power)}"


def _runs(digits: str) -> str:
    """Digits as a pattern, a run of four or more as `0{12}`."""
    return re.sub(r"(\d)\1{3,}", lambda run: f"{run[1]}{{{len(run[0])}}}", digits)
