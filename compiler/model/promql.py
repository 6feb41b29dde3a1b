"""Series selectors: parse the spec's `name{label="v"}` and render them with the service selector.

A small, strict parser (not a PromQL engine): it accepts exactly a metric name with optional
matchers, so that a typo is reported at the spec, not by promtool after generation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from compiler.model import promql_strings, promql_text, selector_hints
from compiler.model.empty_matchers import Budget, selects_nothing

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
# A quoted string up to its closing quote; its escapes are read (and refused) by promql_strings.
_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
_MATCHER = re.compile(rf"\s*({_LABEL})\s*(=~|!~|!=|=)\s*({_STRING})\s*(,|\Z)", re.S)  # \Z: no newline slips past
_SELECTOR = re.compile(rf"\s*({_NAME})?\s*(?:\{{(.*)\}})?\s*", re.S)


@dataclass(frozen=True, order=True)
class Matcher:
    label: str
    op: str
    value: str  # unquoted

    def render(self) -> str:
        return _matcher_text(self.label, self.op, self.value)


# Labels, operators and values repeat across a fleet's rules, tests, panels and runbooks (the service, team
# and SLO names): each text is made once.
@functools.lru_cache(maxsize=1 << 14)
def _matcher_text(label: str, op: str, value: str) -> str:
    return f"{label}{op}{promql_strings.quote(value)}"


def equal_matcher(label: str, value: str) -> str:
    """`Matcher(label, "=", value).render()` without the Matcher."""
    return _matcher_text(label, "=", value)


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[Matcher, ...] = ()

    def with_matchers(self, extra: tuple[Matcher, ...]) -> Selector:
        """Add matchers on labels whose values the selector does not pick itself. Its own `=`/`=~` win (an
        exporter's `job`, a pattern); a `!=`/`!~` only narrows, so the added matcher stays beside it: replaced by
        `job!~".*-canary"`, the service's `job="pay"` read every other job's series (round 30)."""
        own = {m.label for m in self.matchers if m.op in ("=", "=~")}
        return Selector(self.metric, self.matchers + tuple(m for m in extra if m.label not in own))

    # A service's selectors are rendered for every window of every rule, test and panel: their own matchers'
    # text is joined once, kept in the instance dict (not a field of the frozen dataclass; no cached_property,
    # whose lock made the first render of each of a fleet's selectors cost more than the join).
    def _own_text(self) -> str:
        text = self.__dict__.get("_matchers_text")
        if text is None:
            text = self.__dict__["_matchers_text"] = ",".join(m.render() for m in self.matchers)
        return text

    def render(self, metric: str | None = None, extra: tuple[Matcher, ...] = ()) -> str:
        """`name{a="1",b=~"x"}`; `metric` swaps the name (e.g. a histogram's `_bucket`)."""
        body = self._own_text()
        if extra:
            more = ",".join(m.render() for m in extra)
            body = f"{body},{more}" if body else more
        return f"{metric or self.metric}{{{body}}}"


# Every service of a fleet names the same few series (a platform default, `http_requests_total`): each text is
# parsed once per process (the Selector is frozen; errors are raised again, never remembered).
@functools.lru_cache(maxsize=1 << 12)
def parse_selector(text: str) -> Selector:
    match = _SELECTOR.fullmatch(text)
    if not match or not match.group(1):
        dotted = promql_text.dotted_name(text)
        example = 'http_requests_total{code=~"5.."}'
        said = dotted[1] if dotted else selector_hints.not_a_selector(text)
        raise ValueError(said or f"{text!r} is not a series selector like {example}")
    name, body = match.group(1), match.group(2)
    matchers: list[Matcher] = []
    rest = (body or "").strip()
    while rest:
        m = _MATCHER.match(rest)
        if not m:
            dotted = promql_text.dotted_name(rest)
            said = dotted[1] if dotted else selector_hints.matcher_slip(rest)
            raise ValueError(said or f"cannot parse label matchers in {text!r} near {rest[:20]!r}")
        try:
            value = promql_strings.unquote(m.group(3))
        except ValueError as exc:
            raise ValueError(f"matcher {m.group(1)}{m.group(2)}{m.group(3)}: {exc}") from None  # as written
        matchers.append(Matcher(m.group(1), m.group(2), value))
        rest = rest[m.end() :].strip()
        if m.group(4) == "" and rest:
            raise ValueError(f"cannot parse label matchers in {text!r} near {rest[:20]!r}")
    # A label matched twice is refused only where one of its matchers is `=` (`code=~"5..",code!="503"` is a
    # range); an `=` on another label refused `{handler="/api",code=~"5..",code!="503"}` too.
    labels = [m.label for m in matchers]
    twice = sorted({m.label for m in matchers if m.op == "=" and labels.count(m.label) > 1})
    if twice:
        raise ValueError(f"label {twice[0]!r} is matched twice, once with '=', in {text!r}")
    budget = Budget()  # one for the whole selector: 86 hostile pairs in 4 KB cost 2 CPU-s at one per label
    for label in dict.fromkeys(m.label for m in matchers):  # `code=~"5..",code!~"5.."`: an alert that never fires
        own = [(m.op, m.value) for m in matchers if m.label == label]
        if selects_nothing(own, budget):
            shown = ",".join(m.render() for m in matchers if m.label == label)
            raise ValueError(
                f"no value of label {label!r} passes {shown}: {text!r} selects no series, so what reads it never "
                "fires (an errors selector counts no failure); fix the matchers"
            )
    return Selector(name, tuple(matchers))


def matchers_from_labels(labels: dict[str, str]) -> tuple[Matcher, ...]:
    return tuple(Matcher(k, "=", v) for k, v in sorted(labels.items()))


def render_matchers(matchers: tuple[Matcher, ...]) -> str:
    """The text that replaces `$selector` in free expressions: `job="checkout"`."""
    return ",".join(m.render() for m in matchers)


def expand(expr: str, selector: tuple[Matcher, ...], window: str | None = None) -> str:
    """Fill `$selector` (and `$window`, when given) in a free PromQL expression."""
    return promql_text.fill(expr, selector=render_matchers(selector), window=window)


# NaN samples of a gauge (an exporter's unknown value, a 0/0) are left out before it is aggregated. One made a
# whole sum or average NaN, compared false against any line: one partition hid the lag of every other, one
# unmeasured pod a saturated one. max and min skip NaN, but not when every series is NaN: the aggregate was a NaN
# series, which no line and no missing-data twin (it was there) ever read. Now every series NaN is no series,
# which the twin reports.
def without_nan(selection: str) -> str:
    """`selection` (a selector, or a parenthesised expression) without its NaN samples (NaN compares false)."""
    return f"{selection} >= -Inf"


# A lag is never below 0: a negative one is an exporter's "unknown" (kafka_exporter writes -1 for a partition
# with no committed offset, "to be able to alert on that") or a race (a high watermark read late). Summed, -1 per
# partition read a group that never committed (its consumers crashing before their first commit) as -3: under
# every line, and there, so neither the alert nor its missing-data twin fired (round 42, promtool: never in an
# hour). Read as no value, such a group has no series and the twin tickets; NaN is left out too.
LAG_NAME = re.compile(r"(?:^|_)lag(?:_|$)")


def known_values(selector: Selector) -> str:
    """A gauge selector's samples without its unknowns: NaN, and for a lag its negative values too."""
    text = selector.render()
    return f"{text} >= 0" if LAG_NAME.search(selector.metric) else without_nan(text)
