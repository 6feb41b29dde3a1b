"""The latency SLI's `le` matcher against every way a client library writes a bucket bound (Prometheus 2.42
keeps `le` as exposed): each spelling of the threshold matches, and nothing that means another number does.

The spellings are written here from each library's formatting rule, not from obsc's pattern, and each is
checked to parse back to its number. Bounds a client computes in float64 (client_golang's LinearBuckets and
ExponentialBuckets) are a few ulps off the decimal they stand for (0.30000000000000004): those spellings
match the bound they stand for too, and nothing else does. Python's `re` stands in for RE2: the pattern
uses only what both read alike (literals, `\\.`, `[eE]`, `[0-9]`, `?`, `*`, `+`, `{12}`, groups, `|`), and
Prometheus anchors it as `re.fullmatch` does; tests/test_sli_semantics.py feeds such buckets to promtool.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from compiler.model.le_spellings import FLOAT_BOUND_DIGITS, le_matcher
from compiler.targets.prometheus.promtool.series import exposed_le


def _parts(x: float) -> tuple[str, int]:
    """Shortest round-trip digits of `x` (as Go, Python and Java pick them) and its decimal exponent."""
    _, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    return text, exponent + len(text) - 1


def _fixed(x: float) -> str:
    return format(Decimal(repr(x)).normalize(), "f")


def _mantissa(digits: str, point_zero: bool) -> str:
    rest = digits[1:]
    return f"{digits[0]}.{rest}" if rest else (f"{digits[0]}.0" if point_zero else digits[0])


def go_format(x: float) -> str:
    """client_golang: strconv.AppendFloat(f, 'g', -1, 64): exponent form when the exponent is < -4 or >= 6
    (shortest 'g' decides at precision 6), at least two exponent digits: 3e+08, 1.5e+06, 1e-05."""
    digits, power = _parts(x)
    if power < -4 or power >= 6:
        return f"{_mantissa(digits, False)}e{'-' if power < 0 else '+'}{abs(power):02d}"
    return _fixed(x)


def python_client_format(x: float) -> str:
    """prometheus_client's floatToGoString: repr(), switched to exponents from 1e6 as `e+0{dot - 1}` (so 1e10
    is 1e+010); repr's own exponents otherwise (1e-05, 1e+16)."""
    s = repr(x)
    dot = s.find(".")
    if x > 0 and dot > 6:
        mantissa = f"{s[0]}.{s[1:dot]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return s


def java_format(x: float) -> str:
    """Java's Double.toString (simpleclient, client_java): plain from 1e-3 to below 1e7 with at least one
    digit after the point (300.0, 0.25); else computerized scientific notation: 3.0E8, 1.5E7, 1.0E-4."""
    digits, power = _parts(x)
    if 1e-3 <= x < 1e7:
        text = _fixed(x)
        return text if "." in text else text + ".0"
    return f"{_mantissa(digits, True)}E{power}"


def cpp_to_chars(x: float) -> str:
    """prometheus-cpp: std::to_chars shortest, fixed or scientific whichever is shorter (fixed on a tie):
    1e+05, 5e-04, 250000."""
    digits, power = _parts(x)
    scientific = f"{_mantissa(digits, False)}e{'-' if power < 0 else '+'}{abs(power):02d}"
    fixed = _fixed(x)
    return scientific if len(scientific) < len(fixed) else fixed


def dotnet_format(x: float) -> str:
    """prometheus-net: double.ToString(InvariantCulture), E notation from 1e15 or below 1e-5: 1E+15, 1E-06."""
    digits, power = _parts(x)
    if power >= 15 or power < -5:
        return f"{_mantissa(digits, False)}E{'-' if power < 0 else '+'}{abs(power):02d}"
    return _fixed(x)


LIBRARIES = (go_format, python_client_format, java_format, cpp_to_chars, dotnet_format)


@st.composite
def thresholds(draw: st.DrawFn) -> Decimal:
    """A bucket bound: 1 to 6 significant digits, from 1e-15 to 1e19 (a ns histogram's 1000s is 1e12)."""
    digits = draw(st.integers(min_value=1, max_value=999_999))
    return (Decimal(digits) * Decimal(10) ** draw(st.integers(min_value=-15, max_value=13))).normalize()


@st.composite
def spelled(draw: st.DrawFn, value: Decimal) -> str:
    """Any spelling of the family the brief names: decimal with trailing zeros, or exponent form with a
    normalised mantissa (optional `.0+` / trailing zeros), e or E, optional `+`, leading exponent zeros."""
    _, digits_t, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_t))
    power = exponent + len(digits) - 1
    zeros = "0" * draw(st.integers(min_value=0, max_value=3))
    if draw(st.booleans()):
        text = format(value, "f")
        if zeros:
            text += zeros if "." in text else "." + zeros
        return text
    rest = digits[1:] + zeros
    mantissa = f"{digits[0]}.{rest}" if rest else digits[0]
    sign = "-" if power < 0 else draw(st.sampled_from(["+", ""]))
    if power == 0:
        sign = draw(st.sampled_from(["+", "-", ""]))
    lead = "0" * draw(st.integers(min_value=0, max_value=2))
    return f"{mantissa}{draw(st.sampled_from('eE'))}{sign}{lead}{abs(power)}"


def _matches(value: Decimal, text: str) -> bool:
    return _pattern(value).fullmatch(text) is not None


@functools.lru_cache(maxsize=4096)
def _pattern(value: Decimal) -> re.Pattern[str]:
    return re.compile(le_matcher(value).value)


@given(thresholds())
@example(Decimal("3E+8"))  # 300ms in a ns histogram: le="3e+08" (Go, Python), "3.0E8" (Java)
@example(Decimal("2E+6"))  # 2s in a µs histogram
@example(Decimal("1.5E+6"))
@example(Decimal("0.00001"))  # 10µs in seconds: 1e-05 (Go), 1.0E-5 (Java)
@example(Decimal("0.25"))
@example(Decimal("1E+10"))  # the Python client's 1e+010
@example(Decimal("1E+5"))  # C++'s 1e+05
def test_every_library_spelling_of_the_threshold_matches(value: Decimal) -> None:
    x = float(value)
    for library in LIBRARIES:
        text = library(x)
        assert Decimal(text) == value, f"{library.__name__} spelled {value} as {text}: the emulation is wrong"
        assert _matches(value, text), f"{library.__name__} writes {value} as le={text!r}: not matched"
    assert exposed_le(value) == go_format(x)  # what the generated promtool tests feed


@given(st.data(), thresholds())
def test_every_spelling_of_the_family_matches(data: st.DataObject, value: Decimal) -> None:
    text = data.draw(spelled(value))
    assert Decimal(text) == value
    assert _matches(value, text), f"le={text!r} is {value}, not matched"


@given(st.data(), thresholds())
def test_whatever_the_pattern_matches_is_the_threshold(data: st.DataObject, value: Decimal) -> None:
    # Soundness, drawn from the pattern itself: no string it accepts means another number, but for a float64
    # a hair off it (the first FLOAT_BOUND_DIGITS significant digits agree: within 1e-12 of it, relative).
    text = data.draw(st.from_regex(le_matcher(value).value, fullmatch=True))
    hair = value * Decimal(10) ** (1 - FLOAT_BOUND_DIGITS)
    assert abs(Decimal(text) - value) <= hair, f"le={text!r} matched the pattern of {value}"


@given(st.data(), thresholds(), thresholds())
def test_no_spelling_of_another_number_matches(data: st.DataObject, value: Decimal, other: Decimal) -> None:
    assume(other != value)
    for library in LIBRARIES:
        assert not _matches(value, library(float(other)))
    assert not _matches(value, data.draw(spelled(other)))


@given(thresholds(), st.sampled_from([Decimal(10), Decimal("0.1"), Decimal(100), Decimal("1.1"), Decimal("1.000001")]))
def test_near_misses_do_not_match(value: Decimal, scale: Decimal) -> None:
    # a power of ten off (the exponent's digits or sign), one more digit: another bound
    other = (value * scale).normalize()
    for library in LIBRARIES:
        assert not _matches(value, library(float(other)))
        assert not _matches(other, library(float(value)))


def test_the_hunted_spellings() -> None:
    ns = Decimal("3E+8")  # 300ms in nanoseconds
    for text in ("3e+08", "3E+08", "3e8", "3.0E8", "3.00e+008", "300000000", "300000000.0"):
        assert _matches(ns, text), text
    for text in ("3e+09", "3e-08", "3e+80", "30e+08", "3.1e+08", "3000000000", "3e+08x", "+Inf", "", "e+08"):
        assert not _matches(ns, text), text
    assert _matches(Decimal("0.0001"), "1.0E-4") and not _matches(Decimal("0.0001"), "1.0E4")


# Bounds as a client computes them in float64, each with the decimal it stands for (what a spec's threshold
# names). client_golang: LinearBuckets adds `width` to the last bound, ExponentialBuckets multiplies it by
# `factor`; Java's linearBuckets computes start + i * width. Then formatted by the libraries (shortest
# round-trip digits: Go 'g' -1, Python repr, Java, C++, .NET). The Python client's own format is left out: from
# 1e6 it keeps only the integer digits of repr (2999999.9999999995 is written 2.999999e+06, another number).
FLOAT_SPELLINGS = (go_format, repr, java_format, cpp_to_chars, dotnet_format)


def go_linear_buckets(start: Decimal, width: Decimal, count: int) -> list[tuple[float, Decimal]]:
    bound, step, out = float(start), float(width), []
    for i in range(count):
        out.append((bound, start + i * width))
        bound += step
    return out


def go_exponential_buckets(start: Decimal, factor: Decimal, count: int) -> list[tuple[float, Decimal]]:
    bound, step, out = float(start), float(factor), []
    for i in range(count):
        out.append((bound, start * factor**i))
        bound *= step
    return out


def java_linear_buckets(start: Decimal, width: Decimal, count: int) -> list[tuple[float, Decimal]]:
    return [(float(start) + i * float(width), start + i * width) for i in range(count)]


@st.composite
def round_numbers(draw: st.DrawFn, low: int = -6, high: int = 3) -> Decimal:
    digits = draw(st.sampled_from([1, 2, 25, 3, 4, 5, 6, 7, 75, 8, 9, 125, 15, 35]))
    return (Decimal(digits) * Decimal(10) ** draw(st.integers(min_value=low, max_value=high))).normalize()


@st.composite
def computed_buckets(draw: st.DrawFn) -> list[tuple[float, Decimal]]:
    """A histogram's bounds from a bucket helper, with the decimal each stands for; only those a threshold
    can name (1 to 6 significant digits, as `thresholds()` draws)."""
    start = draw(round_numbers())
    helper = draw(st.sampled_from(["linear", "exponential", "java-linear"]))
    if helper == "exponential":
        factor = draw(st.sampled_from([Decimal(s) for s in ("1.1", "1.2", "1.5", "2", "2.5", "3", "5", "10")]))
        bounds = go_exponential_buckets(start, factor, draw(st.integers(min_value=2, max_value=40)))
    else:
        make = go_linear_buckets if helper == "linear" else java_linear_buckets
        bounds = make(start, draw(round_numbers()), draw(st.integers(min_value=2, max_value=200)))
    return [(x, meant.normalize()) for x, meant in bounds if len(meant.normalize().as_tuple().digits) <= 6]


@settings(deadline=None)  # up to 200 bounds, 5 spellings each, and the patterns of their neighbours
@given(computed_buckets())
@example([(0.1 + 0.1 + 0.1, Decimal("0.3"))])  # LinearBuckets(0.1, 0.1, 5): le="0.30000000000000004"
@example([(0.1 * 3 * 3, Decimal("0.9"))])  # ExponentialBuckets(0.1, 3, 3): 0.9000000000000001
@example(go_linear_buckets(Decimal("0.05"), Decimal("0.05"), 12))  # 0.44999999999999996, 0.5499999999999999
@example([(1e-4 * 3, Decimal("0.0003"))])  # 0.00030000000000000003: exponent form in Go (3.0000000000000003e-04)
@example([(0.1 * 3 * 1e9, Decimal("3E+8"))])  # a ns histogram: 3.0000000000000006e+08, 300000000.00000006
@example([(0.7 * 0.1, Decimal("0.07"))])  # 0.06999999999999999
def test_a_bound_computed_in_float64_matches_the_threshold_it_stands_for(bounds: list[tuple[float, Decimal]]) -> None:
    for i, (x, meant) in enumerate(bounds):
        others = {m for _, m in bounds[max(i - 1, 0) : i + 2]} - {meant}  # the neighbouring buckets
        for library in FLOAT_SPELLINGS:
            text = library(x)
            assert float(text) == x, f"{library.__name__} spelled {x!r} as {text}: the emulation is wrong"
            assert _matches(meant, text), f"{library.__name__} writes {meant} computed in float64 as le={text!r}"
            for other in others:
                assert not _matches(other, text), f"le={text!r} (for {meant}) matched the pattern of {other}"


def test_the_hunted_float_spellings() -> None:
    matched = {
        "0.3": ("0.30000000000000004", "0.29999999999999993", "3.0000000000000004e-01", "2.9999999999999998E-1"),
        "0.1": ("0.09999999999999999", "9.999999999999999e-02", "0.10000000000000002"),
        "1": ("0.9999999999999999", "1.0000000000000002"),
        "3E+8": ("3.0000000000000006e+08", "300000000.00000006", "299999999.99999994", "2.9999999999999994E8"),
    }
    for value, texts in matched.items():
        for text in texts:
            assert _matches(Decimal(value), text), (value, text)
    for text in ("0.3000000000001", "0.2999999999998", "0.30000000001", "0.31", "0.2", "0.4", "3.000000000001e-01"):
        assert not _matches(Decimal("0.3"), text), text
