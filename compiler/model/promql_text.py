"""Checks on the text of a spec's PromQL, before and beside the parser: where `$window` and `$selector` stand,
unbalanced brackets, fixed ranges, durations used as numbers. Each finding carries the offset in the string
the user wrote, so the message can point at the column (the parser itself reports no positions).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from compiler.model.units import float64_problem, parse_duration_seconds

WINDOW, SELECTOR = "$window", "$selector"
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}?|\$\w+|\[\[\w+(?::\w+)?\]\]")  # also Grafana's ${x} and [[x]]
_DURATION = re.compile(r"(?<![\w.:$])(?:\d+(?:ms|[smhdwy]))+(?![\w.])")
_OFFSET_BEFORE = re.compile(r"offset\s*-?\s*$")
RANGE_FUNCTIONS = ("rate", "irate", "increase")  # obsc gives them its own range ($window / $__rate_interval)
_RANGE_CALL = re.compile(r"(?<![\w:])(" + "|".join(RANGE_FUNCTIONS) + r")\s*\(")
_PAIRS = {")": "(", "]": "[", "}": "{"}

Finding = tuple[int | None, str]  # (offset in the spec's string or None, message)


# A string literal (closed or running to the end) or a comment; PromQL strings escape with \ except `raw`.
_LITERAL = re.compile(r"""("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?)|(#[^\n]*)""", re.S)


@functools.lru_cache(maxsize=4096)
def mask(text: str) -> str:
    """The text with string literals' contents and comments blanked (same length), so that brackets,
    `$` and durations inside `"..."` are not read as PromQL. Cached: every check masks the same text."""

    def blank(match: re.Match[str]) -> str:
        body = match.group()
        if match.group(2) is not None:
            return " " * len(body)
        closed = len(body) >= 2 and body[-1] == body[0]  # an escaped quote never ends the match
        return body[0] + " " * (len(body) - 1 - closed) + (body[-1] if closed else "")

    return _LITERAL.sub(blank, text)


_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`""")


def emptied(text: str) -> str:
    """The text with every closed string literal replaced by `""`: what a search for words of the
    expression itself (names, operators) must not look into. Not cached: rule expressions hold the
    service's name, so no two services share one."""
    return _STRING.sub('""', text) if '"' in text or "'" in text or "`" in text else text


# obsc's placeholders where PromQL reads them: outside strings and comments, and as whole words (`$windows` is not
# `$window`). Every reader that fills or looks for one goes through here: a `.replace("$window", ...)` of its own
# filled a label value's `"$windows|orders"` as `"1hs|orders"` (each window read other series), and read
# `"$selector_id"` as the service's matchers (a valid query refused as "does not parse").
_FILLED = re.compile(r"\$(window|selector)(?!\w)")


def placeholders(text: str) -> list[tuple[int, str]]:
    """(offset, `$window` or `$selector`) of each placeholder obsc fills in `text`."""
    if "$" not in text:
        return []
    return [(m.start(), m.group()) for m in _FILLED.finditer(mask(text))]


def holds(text: str, placeholder: str) -> bool:
    """Whether `text` holds `placeholder` (WINDOW or SELECTOR) where obsc fills it."""
    return placeholder in text and any(word == placeholder for _, word in placeholders(text))


def fill(text: str, *, selector: str | None = None, window: str | None = None) -> str:
    """`text` with `$selector` (the matchers' text) and `$window` filled where obsc fills them; None leaves one."""
    values = {SELECTOR: selector, WINDOW: window}
    out, last = [], 0
    for at, word in placeholders(text):
        value = values[word]
        if value is not None:
            out += [text[last:at], value]
            last = at + len(word)
    return "".join(out) + text[last:] if out else text


def in_string(text: str, masked: str, at: int) -> bool:
    return masked[at] == " " and text[at] != " "


def placeholder_problems(text: str) -> list[Finding]:
    """`$window` only as a range (`[$window]`, `[$window:1m]`), `$selector` only among label matchers, and
    no other `$name`: obsc fills those two and nothing else (not Grafana's `$__rate_interval`)."""
    masked = mask(text)
    found: list[Finding] = []
    for match in _PLACEHOLDER.finditer(text):
        at, word = match.start(), match.group()
        if in_string(text, masked, at) and word not in (WINDOW, SELECTOR):
            continue  # a `$` in a label value or regex is just a character
        before = masked[:at].rstrip()[-1:]
        after = masked[match.end() :].lstrip()[:1]
        if word == WINDOW:
            if in_string(text, masked, at) or before != "[" or after not in ("]", ":"):
                found.append((at, "$window is a range: write it only inside brackets, as in rate(x[$window])"))
        elif word == SELECTOR:
            if in_string(text, masked, at) or before not in ("{", ",") or after not in ("}", ","):
                found.append((at, "$selector stands for label matchers: write it inside braces, as in x{$selector}"))
        else:
            found.append(
                (
                    at,
                    f"{word} is not a placeholder obsc fills (only $window and $selector; the same expression "
                    "goes to Prometheus rules, where Grafana variables do not exist)",
                )
            )
    return found


def comments(text: str) -> list[Finding]:
    """A `#` comment: obsc writes the expression inside others (`sum((EXPR) >= -Inf)`, `(EXPR) > 100`), where a
    comment runs to the end of its line and swallows what obsc put after it (a rule file Prometheus refuses
    whole), and runbooks quote it in inline code, where its line breaks start headings and lists."""
    for match in _LITERAL.finditer(text):
        if match.group(2) is not None:
            return [
                (
                    match.start(),
                    "a PromQL comment ('#') is not allowed: obsc writes this expression inside "
                    "others, where the comment would swallow the rest of the line; use a YAML comment instead",
                )
            ]
    return []


def bracket_problems(text: str) -> list[Finding]:
    """Unbalanced ( [ {: the first closer without an opener, else every opener never closed."""
    masked = mask(text)
    stack: list[int] = []
    for i, ch in enumerate(masked):
        if ch in "([{":
            stack.append(i)
        elif ch in _PAIRS:
            if not stack or masked[stack[-1]] != _PAIRS[ch]:
                expected = f", expected {_closer(masked[stack[-1]])!r}" if stack else ""
                return [(i, f"unbalanced brackets: {ch!r} closes nothing{expected}")]
            stack.pop()
    return [(at, f"unbalanced brackets: {masked[at]!r} is never closed") for at in stack[:1]]


# Bounds on an expression's shape, checked on the text before it is parsed: walking the parsed tree costs
# more than the square of its depth (300 nested parentheses took 0.7 GB, 1,500 ran a 24 GB machine out of
# memory). Real SLIs and alerts nest a few levels and join a few dozen terms at most.
MAX_NESTING = 32
MAX_OPERATORS = 100
_OPERATOR = re.compile(r"(?:[-+*/%^]|==|!=|<=|>=|<|>|\b(?:and|or|unless|atan2)\b)")


def size_problems(text: str) -> list[Finding]:
    """The expression nests or chains deeper than obsc reads (see MAX_NESTING)."""
    return list(_size_problems(text))


# Cached: every reading of a query checks its size first (the groups it keeps, its window means, its checks),
# ~10,000 calls for a 1,000-service fleet, each text read by several of them.
@functools.lru_cache(maxsize=4096)
def _size_problems(text: str) -> tuple[Finding, ...]:
    deepest, operators = shape(text)
    if deepest > MAX_NESTING:
        return ((None, f"parentheses nest {deepest} deep; obsc reads at most {MAX_NESTING} levels"),)
    if operators > MAX_OPERATORS:
        return ((None, f"{operators} operators; obsc reads at most {MAX_OPERATORS} in one expression"),)
    return ()


@functools.lru_cache(maxsize=4096)
def shape(text: str) -> tuple[int, int]:
    """(the deepest nesting of parentheses, the operators) of an expression: what bounds its parsed tree's depth
    (brackets never nest in PromQL: a subquery of a subquery needs parentheses)."""
    masked = mask(text)
    depth = deepest = 0
    for ch in masked:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    # operators outside label matchers and ranges (`{code=~"5.."}`, `[5m:1m]`, `1e-9` count as one or none)
    outside = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", masked)
    return deepest, len(_OPERATOR.findall(outside))


def _closer(opener: str) -> str:
    return next(k for k, v in _PAIRS.items() if v == opener)


def ranges(text: str) -> Iterator[tuple[int, str]]:
    """(offset of `[`, range text) of every range and subquery: `x[5m:1m]` → (1, "5m")."""
    masked = mask(text)
    for match in re.finditer(r"\[([^\[\]]*)\]", masked):
        body = text[match.start(1) : match.end(1)]
        yield match.start(), body.split(":", 1)[0].strip()


def fixed_ranges(text: str, everywhere: bool) -> list[Finding]:
    """Ranges not written `$window`: inside rate/irate/increase (obsc applies its own window there: the
    alert window in rules, `$__rate_interval` on dashboards) or, with `everywhere`, in any range."""
    masked = mask(text)
    starts = {at for at, _ in ranges(text)} if everywhere else set(_rate_ranges(masked))
    return [
        (at, f"[{window}] is a fixed range; write [$window]: obsc fills it with each alert window and with "
         "$__rate_interval on dashboards")
        for at, window in ranges(text)
        if at in starts and window != WINDOW
    ]  # fmt: skip


def _rate_ranges(masked: str) -> Iterator[int]:
    """Offset of the range bracket of each rate/irate/increase call (its first `[` at call depth)."""
    for match in _RANGE_CALL.finditer(masked):
        depth = 1
        for i in range(match.end(), len(masked)):
            ch = masked[i]
            if ch == "[" and depth == 1:
                yield i
                break
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    break


def duration_numbers(text: str) -> list[Finding]:
    """A duration outside a range or `offset` (`x > 5m`) is a number only from Prometheus 3 on."""
    masked = mask(text)
    inside = {i for m in re.finditer(r"\[[^\[\]]*\]", masked) for i in range(m.start(), m.end())}
    return [
        (m.start(), f"{m.group()} is a duration; outside a range or offset write seconds as a number "
         "(durations as numbers need Prometheus 3)")
        for m in _DURATION.finditer(masked)
        if m.start() not in inside and not _OFFSET_BEFORE.search(masked[: m.start()])
    ]  # fmt: skip


_DURATION_TEXT = re.compile(r"(?:\d+(?:ms|[smhdwy]))+")
_OFFSET_DURATION = re.compile(r"(?<![\w:])offset\s*-?\s*((?:\d+(?:ms|[smhdwy]))+)(?![\w.])", re.IGNORECASE)
# `@ <number>`: decimal, with an exponent, or hex (Inf and NaN the parser refuses itself)
_AT_NUMBER = re.compile(r"@\s*([-+]?)\s*(0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
_OFFSET_NUMBER = re.compile(
    r"(?<![\w:])offset\s*[-+]?\s*(0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w.])",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)", re.IGNORECASE)
_AT_LIMIT = 2.0**63  # Prometheus refuses `@ t` with t at or past float64(MaxInt64) seconds, either sign


def out_of_range(text: str) -> list[Finding]:
    """Ranges, subquery steps and offsets longer than 100y (the bound of every spec duration; Prometheus
    refuses past ~292 years, "duration out of range", and the parser's tree cannot even hold one past
    2.7 million), and `@` timestamps Prometheus refuses ("timestamp out of bounds"). The Rust parser takes
    all of them: the rules failed promtool, or, written with --no-validate, the whole rule reload."""
    masked = mask(text)
    durations = [
        (m.start(1) + part.start(), part.group())
        for m in re.finditer(r"\[([^\[\]]*)\]", masked)
        for part in re.finditer(r"[^:]+", m.group(1))
        if _DURATION_TEXT.fullmatch(part.group().strip())
    ]
    durations = [(at + len(d) - len(d.lstrip()), d.strip()) for at, d in durations]
    durations += [(m.start(1), m.group(1)) for m in _OFFSET_DURATION.finditer(masked)]
    found: list[Finding] = []
    for at, duration in sorted(durations):
        try:
            parse_duration_seconds(duration)
        except ValueError as exc:
            found.append((at, str(exc)))
    found += numbers_for_durations(text)
    stamps = set()
    for m in _AT_NUMBER.finditer(masked):
        number = m.group(2)
        stamps.add(m.start(2))
        if float(_value(number)) >= _AT_LIMIT:  # as Go rounds it (float(int) past 1.8e308 raised: exit 70)
            found.append((m.start(), f"@ {m.group(1)}{number}: a timestamp past Prometheus's range (±9.2e18 seconds)"))
    for m in _NUMBER.finditer(masked):
        if m.start() not in stamps and (past := float64_problem(_value(m.group()), m.group())):
            found.append((m.start(), past))
    return found


@functools.lru_cache(maxsize=4096)
def numbers_for_durations(text: str) -> tuple[Finding, ...]:
    """Numbers where Prometheus 2.42 takes a duration only ("unexpected number"): after `offset` (`offset 86400`)
    and in a range or subquery (`[5m:60]`, `[1d:1e30]`). The Rust parser reads them as seconds, and past ~292
    years panicked (a Rust traceback, exit 1) or overflowed (exit 70): model/promql_tree.parse refuses them
    before the parser sees them."""
    masked = mask(text)
    found: list[Finding] = [
        (m.start(1), f"offset {m.group(1)}: Prometheus 2.42 takes a duration after offset, e.g. offset 1d")
        for m in _OFFSET_NUMBER.finditer(masked)
    ]
    found += [
        (m.start(1) + part.start(), f"[{m.group(1)}]: Prometheus 2.42 takes durations in a range, e.g. [5m] or [1h:1m]")
        for m in re.finditer(r"\[([^\[\]]*)\]", masked)
        for part in re.finditer(r"[^:]+", m.group(1))
        if _BARE_NUMBER.fullmatch(part.group().strip())
    ]
    return tuple(found)


# A number literal, whole (possessive: a long run of digits is read once), not part of a name or a duration.
_NUMBER = re.compile(r"(?<![\w.])(?:0[xX][0-9a-fA-F]++|(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][-+]?\d++)?+)(?![\w.])")


def _value(number: str) -> Decimal:
    """The literal's value; past any exponent Decimal holds (`1e308999999999999999999`), infinite, as it is past
    the largest float64 too."""
    try:
        return Decimal(int(number, 16)) if number[:2] in ("0x", "0X") else Decimal(number)
    except InvalidOperation:
        return Decimal("Infinity")


def pinned_instants(text: str) -> list[Finding]:
    """`x @ 1700000000`: a selector pinned to one instant reads the same value at every evaluation, so an alert
    over it fires for good or never, and a graph of it is a flat line. `@ start()`/`@ end()` are the evaluation
    time in a rule and stay."""
    return [
        (
            m.start(),
            f"@ {m.group(1)}{m.group(2)} pins the series to one instant: the value never changes, so an alert over "
            "it fires for good or never; drop it (@ start() and @ end() are the evaluation time in a rule)",
        )
        for m in _AT_NUMBER.finditer(mask(text))
    ]


_NEGATIVE_OFFSET = re.compile(r"(?<![\w:])offset\s*-\s*((?:\d+(?:ms|[smhdwy]))+)(?![\w.])", re.IGNORECASE)


def future_offsets(text: str) -> list[Finding]:
    """`x offset -1h` reads an hour ahead of the evaluation: a rule evaluates at the present, where nothing was
    scraped yet, so the series is missing at every evaluation. promtool's tests do not see it (their input
    series already hold the "future"), and Prometheus 2.42 takes the syntax."""
    return [
        (
            m.start(),
            f"offset -{m.group(1)} reads {m.group(1)} ahead of each evaluation, where nothing has been scraped yet: "
            "the series is always missing in a rule (an errors query reads no failures, an alert never fires); "
            "drop the minus",
        )
        for m in _NEGATIVE_OFFSET.finditer(mask(text))
    ]


_DANGLING = re.compile(r"(?:[-+*/%^]|==|!=|>=|<=|[<>])\s*(?=[*/%^=<>!]|\)|$)")


def dangling_operator(text: str) -> tuple[int, str] | None:
    """(offset, operator) of one missing its right operand (`a +* b`, `a >`): the parser says only "invalid"."""
    match = _DANGLING.search(mask(text).rstrip())
    return (match.start(), match.group().strip()) if match else None


def quoted_names(text: str) -> list[Finding]:
    """`{"my.metric", "a.b"="c"}`: a quoted metric or label name is Prometheus 3's UTF-8 syntax."""
    masked = mask(text)
    found: list[Finding] = []
    depth = 0
    for i, ch in enumerate(masked):
        depth += (ch == "{") - (ch == "}")
        if depth > 0 and ch in "\"'`" and masked[:i].rstrip()[-1:] in ("{", ","):
            found.append((i, "a quoted metric or label name needs Prometheus 3 (UTF-8 names): use a classic name"))
    return found


# A name with a dot outside strings: OpenTelemetry's `http.server.request.duration` (digits first is a number).
_DOTTED = re.compile(r"(?<![\w:.])[A-Za-z_:][\w:]*(?:\.[A-Za-z_:][\w:]*)+")


def dotted_name(text: str) -> Finding | None:
    """(offset, message) for the first dotted name outside strings, which no Prometheus 2 name can be: the
    parser says only "unexpected character after '.'", and obsc's selector reader that it is no selector."""
    match = _DOTTED.search(mask(text))
    if match is None:
        return None
    name = match.group()
    return match.start(), (
        f"{name!r} is an OpenTelemetry name, and Prometheus 2.42 names hold only letters, digits, _ and : (dotted "
        "and quoted UTF-8 names need Prometheus 3): the OpenTelemetry Collector's Prometheus exporter writes each "
        "dot as _ and appends a metric's unit, and _total to a counter's (http.server.request.duration in seconds "
        "is http_server_request_duration_seconds); use the name it writes"
    )


def call_offset(text: str, name: str) -> int | None:
    """Where `name(` is first called (outside strings), to point a message at it."""
    match = re.search(rf"(?<![\w:]){re.escape(name)}\s*\(", mask(text))
    return match.start() if match else None


def name_offset(text: str, name: str) -> int | None:
    match = re.search(rf"(?<![\w:]){re.escape(name)}(?![\w:])", mask(text))
    return match.start() if match else None


def source_column(value: str, offset: int, style: str) -> int:
    """Columns from a scalar's first character to `offset` within its value, for one-line YAML scalars:
    quotes and the escapes a writer needs (`\\"`, `\\\\` in "...", `''` in '...') are counted."""
    prefix = value[:offset]
    if style == '"':
        return 1 + offset + prefix.count('"') + prefix.count("\\")
    if style == "'":
        return 1 + offset + prefix.count("'")
    return offset
