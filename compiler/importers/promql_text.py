"""Reading the PromQL of other tools' specs as text: window placeholders, the selectors a query uses, and the
label matchers every query of a service shares (a candidate service selector)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from compiler.importers.zero_fallback import without_zero_fallback
from compiler.model.promql import Matcher, Selector, parse_selector
from compiler.model.promql_text import WINDOW, holds, mask

# Sloth's Go template `{{.window}}` (any spacing); OpenSLO sources written for Sloth use the same. Go's
# template language also reads it as `{{$.window}}` (the root's field) and with trim markers, `{{- .window -}}`
# (a dash and a space: the whitespace on that side goes, as Go's renderer takes it); refused as "no
# {{.window}}", a spec Sloth renders was not imported.
_GO_WINDOW = re.compile(r"\{\{(-\s)?\s*\$?\.window(?:\s+-\}\}\s*|\s*\}\})")
# `name{...}`, `{...}`, or a bare `name` directly before a range `[...]` (a selector without matchers). A name
# is tried only where a run of name characters starts (digits before it are skipped, as a scan from each
# character would): tried from every letter, a long word was read to its end once per letter (quadratic).
_NAME_RUN_START = r"(?<![a-zA-Z0-9_:])[0-9]*"
_SELECTOR_TEXT = re.compile(
    rf"{_NAME_RUN_START}([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{{([^{{}}]*)\}}|{_NAME_RUN_START}([a-zA-Z_:][a-zA-Z0-9_:]*)(?=\s*\[)"
)
RANGE_PATTERN = r"\[\s*[0-9]+[smhdwy][0-9smhdwy]*\s*(?::[^\]]*)?\]"
_RANGE = re.compile(RANGE_PATTERN)
# The head of `sum(rate(SEL[5m]))` (or increase); the rest is cut by hand: a regex spanning SEL backtracks
# quadratically on a long query.
_SUMMED_RATE = re.compile(r"sum\s*(?:by\s*\([^()]*\)\s*)?\(\s*(?:rate|increase)\s*\(")
_BY_AFTER = re.compile(r"\bby\s*\([^()]*\)\s*$")  # `sum(rate(x[5m])) by (route)`: the grouping written last
_SUMMED_SELECTOR = re.compile(r"sum\s*(?:by\s*\(([^()]*)\)\s*)?\((.*)\)\s*", re.DOTALL)
_SUMMED_SELECTOR_BY_AFTER = re.compile(r"sum\s*\((.*)\)\s*by\s*\(([^()]*)\)\s*", re.DOTALL)  # sum(sel) by (x)
_WINDOW_RANGE = re.compile(r"\s*(?:[0-9]+[smhdwy][0-9smhdwy]*|\$window)\s*")
# Preferred order when several labels are shared: `job` is on `up`, so `obsc verify` can check targets.
_PREFERRED = ("job", "service", "app", "namespace")


def with_window(query: str) -> str:
    """A query with its window placeholder in obsc's spelling (`$window`)."""
    return go_windows_as(query.strip(), "$window")


def go_windows_as(query: str, text: str) -> str:
    """`query` with each Go template window action replaced by `text`; a left trim marker (`{{- `) takes the
    whitespace before it, as Go does (cut from the text kept: a pattern starting with whitespace is quadratic)."""
    kept: list[str] = []
    start = 0
    for match in _GO_WINDOW.finditer(query):
        before = query[start : match.start()]
        kept += [before.rstrip() if match.group(1) else before, text]
        start = match.end()
    return "".join([*kept, query[start:]])


def has_window(query: str) -> bool:
    return holds(with_window(query), WINDOW)


def fixed_ranges(query: str) -> list[str]:
    return _RANGE.findall(query)


def counted_selector(query: str) -> Selector | None:
    """The one selector of an event query that obsc's `{good, total}` SLI reads the same: a bare selector, or
    `sum(rate(<selector>[<range>]))` (or increase: the same ratio) with nothing after the range (no offset, @ or
    subquery step) and a fixed range or the window (obsc writes `sum(rate(<selector>[$window]))` itself). Grouped
    sums (`sum by (route) (...)`) read the same selector: the caller has checked that both queries keep the same
    labels, which become the SLO's `by:` (round 46: a grouped pair stayed the source's ratio)."""
    text = with_window(query).strip()
    summed = summed_counter(text)
    if summed is not None:  # a counter's total: obsc reads its rate, as for a bare selector
        text = summed[0]
    head = _SUMMED_RATE.match(text)
    if head is not None:
        after = _BY_AFTER.search(text) if "by" not in head.group(0) else None
        inner = text[head.end() : after.start() if after is not None else len(text)]
        for _ in range(2):  # the closing parentheses of rate( and sum(
            inner = inner.rstrip()
            inner = inner[:-1] if inner.endswith(")") else ""
        inner = inner.rstrip()
        start = inner.rfind("[")  # the range is last; a `[` in a label value comes before it
        if not inner.endswith("]") or start < 0 or not _WINDOW_RANGE.fullmatch(inner[start + 1 : -1]):
            return None
        text = inner[:start].strip()
    try:
        return parse_selector(text)
    except ValueError:
        return None


def summed_counter(query: str) -> tuple[str, tuple[str, ...]] | None:
    """(selector text, group labels) of `sum(<selector>)` or `sum by (labels) (<selector>)`: the total of a
    counter (OpenSLO's own Prometheus example writes its good query so, with `counter: true`), whose change over
    a window is `sum(rate(<selector>[window]))`; None for any other query."""
    text = with_window(query)
    match = _SUMMED_SELECTOR.fullmatch(text)
    inner, by = (match.group(2).strip(), match.group(1)) if match else ("", None)
    after = _SUMMED_SELECTOR_BY_AFTER.fullmatch(text)
    if after is not None:  # `sum(sel) by (x)` (the greedy form above read `sel) by (x` as the selector)
        inner, by = after.group(1).strip(), after.group(2)
    try:
        parse_selector(inner)
    except ValueError:
        return None
    return inner, tuple(label.strip() for label in (by or "").split(",") if label.strip())


def summed_groups(query: str) -> bool:
    """Whether an event query's sum keeps labels (`sum by (route) (...)` or `sum(...) by (route)`)."""
    text = with_window(query).strip()
    head = _SUMMED_RATE.match(text)
    summed = summed_counter(text)
    return bool(
        (head is not None and ("by" in head.group(0) or _BY_AFTER.search(text))) or (summed is not None and summed[1])
    )


def selectors_in(query: str) -> list[Selector]:
    """Every `name{...}` selector written in a query (a textual scan, not a PromQL parser); braces inside a label
    value (`route="/cart{id}"`) are the value's (the scan read `cart{id}` and missed the selector around it)."""
    found: list[Selector] = []
    query = go_windows_as(query, "5m")
    for match in _SELECTOR_TEXT.finditer(mask(query)):
        if match.group(3):
            found.append(Selector(match.group(3)))
            continue
        text = f"{match.group(1) or '__any__'}{{{query[match.start(2) : match.end(2)]}}}"
        try:
            found.append(parse_selector(text))
        except ValueError:
            continue
    return found


def common_matchers(queries: Iterable[str]) -> dict[str, str]:
    """Equality matchers present in every selector of every query (empty when there is none)."""
    common: set[tuple[str, str]] | None = None
    for query in queries:
        for selector in selectors_in(query):
            pairs = {(m.label, m.value) for m in selector.matchers if m.op == "=" and m.label != "le"}
            common = pairs if common is None else common & pairs
    if not common:
        return {}
    labels = dict(sorted(common))
    for key in _PREFERRED:
        if key in labels:
            return {key: labels[key]}
    return labels


def without(selector: Selector, labels: dict[str, str]) -> Selector:
    """The selector minus the service's matchers (obsc adds them back to every metric)."""
    kept = tuple(m for m in selector.matchers if not (m.op == "=" and labels.get(m.label) == m.value))
    return Selector(selector.metric, kept)


def render_selector(selector: Selector) -> str:
    return selector.render() if selector.matchers else selector.metric


def split_le(selector: Selector) -> tuple[Selector, Decimal | None]:
    """A `_bucket{...,le="0.1"}` selector as (the other matchers, the bucket bound in seconds)."""
    le = next((m for m in selector.matchers if m.label == "le" and m.op == "="), None)
    rest = Selector(selector.metric, tuple(m for m in selector.matchers if m is not le))
    if le is None:
        return rest, None
    try:
        bound = Decimal(le.value)
    except InvalidOperation:
        return rest, None
    return rest, bound if bound.is_finite() and bound > 0 else None


_LONGEST_MS = 100 * 365 * 86400 * 1000  # obsc's durations end at 100 years


def scaled_duration(bound: Decimal, scale: Decimal) -> str | None:
    """`duration_text` of a bucket bound in a histogram's unit (`scale` seconds each, 1e-9 at the least); None past
    any duration: 1e21 of any unit is past 100 years, and `le="1e99999999999"` times a scale overflowed."""
    return duration_text(bound * scale) if bound.is_finite() and bound.adjusted() <= 20 else None


def duration_text(seconds: Decimal) -> str | None:
    """A bucket bound in seconds as an obsc duration (0.1 → 100ms, 5.0 → 5s); None when not whole ms."""
    if not seconds.is_finite() or seconds > _LONGEST_MS // 1000:  # before scaling: 1e999999 * 1000 overflows
        return None
    millis = seconds * 1000
    if millis != millis.to_integral_value():
        return None
    ms = int(millis)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def matchers_text(matchers: dict[str, str]) -> str:
    return ",".join(Matcher(k, "=", v).render() for k, v in sorted(matchers.items()))


_OPEN, _CLOSE = "([{", ")]}"
_SUM_HEAD = re.compile(r"sum\s*(?:by\s*\([^()]*\)\s*)?(\()\s*(rate|increase)\s*\(")


def _top_level(text: str) -> list[tuple[int, int]]:
    """(position, depth) of every character outside quotes, depth counting the brackets around it."""
    out, depth, quote = [], 0, ""
    for at, char in enumerate(text):
        if quote:
            quote = "" if char == quote and text[at - 1] != "\\" else quote
            continue
        if char in "\"'`":
            quote = char
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        out.append((at, depth))
    return out


def _unwrapped(text: str) -> str:
    """`text` without the parentheses around all of it."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and all(d > 0 for _, d in _top_level(text)[:-1]):
        text = text[1:-1].strip()
    return text


def _summed_rate(side: str) -> str | None:
    """`side` when it is one `sum[ by (...)](rate|increase(...$window...))` call (outer parentheses dropped)."""
    side = _unwrapped(side)
    head = _SUM_HEAD.match(side)
    if head is None or not holds(side, WINDOW):
        return None
    opened = head.start(1)  # the sum's own parenthesis: it must close at the end
    closes = [at for at, depth in _top_level(side) if at > opened and depth == 0 and side[at] == ")"]
    return side if closes and closes[0] == len(side) - 1 else None


def ratio_of_sums(query: str) -> tuple[str, str] | None:
    """(errors, total) of an error-ratio query written `sum(rate(bad[$window])) / sum(rate(all[$window]))` (either
    side may keep `by (...)`): a ratio of two event rates, which obsc keeps traffic-weighted over every window
    only as an {errors, total} SLI. None for any other shape (`1 - (...)`, `/ on (...)`, a ratio of ratios)."""
    text = with_window(query)
    slashes = [at for at, depth in _top_level(text) if depth == 0 and text[at] == "/"]
    if len(slashes) != 1:
        return None
    left = text[: slashes[0]].strip()
    if left.startswith("(") and (bare := without_zero_fallback(_unwrapped(left))) is not None:
        left = bare  # `(bad or vector(0)) / all`: obsc counts absent errors as 0 itself (zero_fallback)
    errors, total = _summed_rate(left), _summed_rate(text[slashes[0] + 1 :])
    if errors is None or total is None or _function(errors) != _function(total):
        # an increase over a rate is the ratio times the window's seconds; split, obsc (which reads increase as
        # rate) would alert on the plain ratio, another math than the source's
        return None
    return errors, total


def difference_of_sums(query: str) -> tuple[str, str] | None:
    """(minuend, subtrahend) of `sum(rate(a[$window])) - sum(rate(b[$window]))` (outer parentheses and a last
    `or vector(0)` aside): all events less good ones, as Sloth's latency examples count the slow requests. None
    for any other shape (two or more top-level `-`, a side that is no summed rate of one function)."""
    text = _unwrapped(with_window(query))
    text = _unwrapped(without_zero_fallback(text) or text)
    minus = [at for at, depth in _top_level(text) if depth == 0 and text[at] == "-"]
    if len(minus) != 1:
        return None
    left, right = _summed_rate(text[: minus[0]]), _summed_rate(text[minus[0] + 1 :])
    if left is None or right is None or _function(left) != _function(right):
        return None
    return left, right


def _function(summed: str) -> str:
    head = _SUM_HEAD.match(summed)
    return head.group(2) if head else ""


_ONE_MINUS = re.compile(r"1(?:\.0*)?\s*-")


class EventSplit(NamedTuple):
    errors: str
    total: str
    of_successes: bool  # errors are total - good
    counted: str  # the numerator as written (good or bad events): its labels are the query's own


def error_events(query: str, *, failures: bool) -> EventSplit | None:
    """(errors, total, whether errors are total - good) of an event ratio query, `sum(rate(a[$window])) /
    sum(rate(b[$window]))` or `1 - (...)` of it, whose ratio is of failures (`failures`) or successes. A ratio of
    successes gives errors `total - (good or 0 * total)`: a good series absent (a new pod failing every request)
    is no good events. None for any other shape."""
    text = _unwrapped(with_window(query))
    complement = _ONE_MINUS.match(text)
    if complement is not None:  # `1 - a / b` is `1 - (a / b)`: `/` binds tighter
        text, failures = _unwrapped(text[complement.end() :]), not failures
    parts = ratio_of_sums(text)
    if parts is None:
        return None
    counted, total = parts
    if failures:
        return EventSplit(counted, total, False, counted)
    return EventSplit(f"{total} - ({counted} or 0 * {total})", total, True, counted)
