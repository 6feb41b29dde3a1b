"""What to write instead, for the selector slips people bring from PromQL queries and other languages.

`rate(http_requests_total[5m])` as a metric was told only that it "is not a series selector", and
`code=="500"` (or `code=~5..`, `code: "500"`) "cannot parse label matchers ... near ...": true, and neither said
what obsc wants written there. Each function returns the message, or None where no slip is recognised (the
parser's own wording is kept then).
"""

from __future__ import annotations

import re

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
# A series named inside a query: `name{...}` or `name[5m]`, or a bare name followed by `)` (`sum(x)`).
_INNER = re.compile(rf"({_NAME})\s*(\{{[^{{}}]*\}})?\s*(?:\[[^\]]*\])?\s*(?:\)|$)")
_FUNCTION = re.compile(rf"^\s*({_NAME})\s*(?:(?:by|without)\s*\([^)]*\)\s*)?\(")  # sum by (x) (...) too
_GROUPING = re.compile(r"\b(?:by|without)\s*\([^)]*\)")
_DOUBLE_EQUALS = re.compile(rf"^({_LABEL})\s*==\s*({_QUOTED})")
_UNQUOTED = re.compile(rf"^({_LABEL})\s*(=~|!~|!=|=)\s*([^\s\"'`,}}][^,}}\"'`]*?)\s*(?:,|$)")
_COLON = re.compile(rf"^({_LABEL})\s*:\s*({_QUOTED}|[^\s,}}]+)")
_TILDE_FIRST = re.compile(rf"^({_LABEL})\s*(~=|~)\s*({_QUOTED})")


def not_a_selector(text: str) -> str | None:
    """A query where a metric's series selector goes: the series to name, and where queries go instead."""
    function = _FUNCTION.match(text)
    if function is None:
        return _range(text)
    searched = _GROUPING.sub(lambda m: " " * len(m.group()), text)  # `by (le)` names labels, not series
    inner = next((m for m in _INNER.finditer(searched, function.end()) if not _is_call(searched, m)), None)
    matchers = inner.group(2) if inner and inner.group(2) and "$" not in inner.group(2) else ""
    if inner is not None and inner.group(1).endswith("_bucket"):  # histogram_quantile(..., rate(x_bucket[5m]))
        base = inner.group(1).removesuffix("_bucket") + matchers
        return (
            f"{text!r} is a query ({function.group(1)}(...)), not a series selector: name the histogram by its base "
            f"name alone, {base}; obsc reads its buckets, rates and quantiles itself and adds the service's selector"
        )
    name = f"name the series alone, {inner.group(1) + matchers}" if inner else "name the series alone"
    return (
        f"{text!r} is a query ({function.group(1)}(...)), not a series selector: {name}; obsc takes a counter's "
        "rate over each window itself and adds the service's selector to it (a query of your own goes in "
        "{expr: '...'}, or in an SLI's sli: {raw: {...}} with $window and $selector)"
    )


# A range written after the series (`http_requests_total[5m]`, copied from a rate): round 43, a newcomer.
_RANGE = re.compile(r"\s*([A-Za-z_:][\w:]*(?:\{[^{}]*\})?)\s*\[\s*[\dsmhdwy]+\s*(?::[\dsmhdwy]*)?\]\s*")


def _range(text: str) -> str | None:
    """A series with a range: the window is obsc's to choose, per alert and SLO window."""
    found = _RANGE.fullmatch(text)
    if found is None:
        return None
    return (
        f"{text!r} reads a range, and a metric names the series alone: write {found.group(1)}; obsc takes each "
        "counter's rate over every window it needs itself and adds the service's selector"
    )


def _is_call(text: str, match: re.Match[str]) -> bool:
    """`sum(rate(` : the name is a function, not a series."""
    after = text[match.end(1) :].lstrip()
    return after.startswith("(")


def matcher_slip(rest: str) -> str | None:
    """`code=="500"`, `code=~5..`, `code: "500"`, `code~"5.."` at the start of the matchers left to read."""
    if found := _DOUBLE_EQUALS.match(rest):
        label, value = found.groups()
        return f"{label}=={value}: PromQL's matcher is one '=': write {label}={value}"
    if found := _TILDE_FIRST.match(rest):
        label, value = found.group(1), found.group(3)
        return f"{found.group(0)}: a pattern is matched with '=~' (the '=' first): write {label}=~{value}"
    if found := _COLON.match(rest):
        value = found.group(2) if found.group(2)[:1] in "\"'" else f'"{found.group(2)}"'
        return f"{found.group(0)}: a label is matched with '=', not ':': write {found.group(1)}={value}"
    if found := _UNQUOTED.match(rest):
        label, op, value = found.groups()
        return f'{label}{op}{value}: a label\'s value is quoted in PromQL: write {label}{op}"{value}"'
    return None


def bucket_as_events(series: str, name: str) -> str | None:
    """`requests: x_bucket`: a histogram's bucket series counted as requests counts each request once per bucket
    (every `le` at or above its duration), not once; its `_count` counts each once."""
    if not series.endswith("_bucket"):
        return None
    base = series.removesuffix("_bucket")
    return (
        f"{series} is a histogram's bucket series: summed as {name}, each request counts once for every bucket "
        f"(le) it fits under, not once; name the histogram's count of requests, {base}_count"
    )
