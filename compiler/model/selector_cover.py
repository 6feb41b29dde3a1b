"""Selectors that select more than they should: every series of their total, series outside it, or every team's.

`{errors: requests, total: requests}`, or an errors metric whose matchers are all among the total's
(`http_requests_total` over `http_requests_total{code=~"5.."}`), counts every request as failed: an error ratio
of 1 or more, a page whenever there is traffic. A good selector that covers its total counts none as failed:
an SLO that can never fire. Both compiled silently (found by a hunt, round 20). Only the sound direction is
checked: the same metric name and no matcher of its own that narrows, so it selects a superset of the total's
series. `code=~".*"` narrows nothing, and `code!=""` nothing a good selector means to (round 21).

A part that does not constrain a label its total does (total `{handler!="/health"}`, good `{code="200"}`) counts
events outside the total: the health checks' successes made errors = total - good negative and hid an API
outage; errors of series outside the total inflate the ratio. Same metric name only: the label is then one both
could carry. So are matchers that pass no value together (errors `code=~"5.."` over a total `code=~"2.."`, round 48):
the total holds no failure, and when every request fails it reads 0, the ratio has none and nothing pages.
"""

from __future__ import annotations

from collections.abc import Mapping

from compiler.model.empty_matchers import never_all_pass
from compiler.model.promql import Matcher, Selector
from compiler.model.types import Metric


def _text(selector: Selector) -> str:
    return selector.render() if selector.matchers else selector.metric


# A regex is anchored at both ends in PromQL: `.*` matches every value, the empty one (no such label) too, and
# `.+` every value a series carries. Written any other way (`.{0,}`, a class) it is not seen: a guess that
# could refuse a sound selector is worse than one that lets a rare spelling through.
_EVERY_VALUE = (".*", ".*?")
_ANY_PRESENT_VALUE = (".+", ".+?")


def _regex_branches(value: str) -> list[str]:
    """The top-level alternatives of a regex, each without `^`/`$` and groups around it all."""
    branches, depth, start = [], 0, 0
    for i, char in enumerate(value):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0 and (i == 0 or value[i - 1] != "\\"):
            branches.append(value[start:i])
            start = i + 1
    branches.append(value[start:])
    if len(branches) == 1 and (inner := _unwrapped(value)) != value:
        return _regex_branches(inner)  # `^(.*|5..)$`: the alternatives inside the group
    return [_unwrapped(branch) for branch in branches]


def _unwrapped(branch: str) -> str:
    text = branch.removeprefix("(?s)").removeprefix("^").removesuffix("$")
    for opening in ("(?s:", "(?:", "("):
        if text.startswith(opening) and text.endswith(")") and _one_group(text[len(opening) : -1]):
            return _unwrapped(text[len(opening) : -1])
    return text


def _one_group(inner: str) -> bool:
    depth = 0
    for char in inner:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _selects_all(matcher: Matcher) -> bool:
    """`label=~".*"`: a matcher every series passes, with or without the label."""
    return matcher.op == "=~" and any(b in _EVERY_VALUE for b in _regex_branches(matcher.value))


def _label_present(matcher: Matcher) -> bool:
    """`label!=""`, `label=~".+"`, `label!~""`: every series that carries the label passes."""
    if matcher.op == "!=":
        return matcher.value == ""
    if matcher.op == "!~":
        return all(b == "" for b in _regex_branches(matcher.value))
    return matcher.op == "=~" and any(b in _ANY_PRESENT_VALUE for b in _regex_branches(matcher.value))


def _canonical(matchers: tuple[Matcher, ...]) -> set[Matcher]:
    """The matchers that narrow, with every spelling of "the label is present" as `label!=""`."""
    return {Matcher(m.label, "!=", "") if _label_present(m) else m for m in matchers if not _selects_all(m)}


def covers(part: Selector, whole: Selector, presence_covers: bool = False) -> bool:
    """Whether `part` selects every series `whole` does: each of its matchers is one of whole's, or passes every
    series (`code=~".*"`). With `presence_covers`, "the label is present" (`code!=""`) on a label `whole` does
    not constrain passes too: every series of a counter carries its labels (a good selector that only asks for
    a status code counts every request; an errors selector may mean "has an error label")."""
    if part.metric != whole.metric:
        return False
    own, theirs = _canonical(part.matchers), _canonical(whole.matchers)
    if presence_covers:
        constrained = {m.label for m in theirs}
        own = {m for m in own if not (_label_present(m) and m.label not in constrained)}
    return own <= theirs


def errors_cover_problem(errors: Selector, total: Selector, total_word: str = "total") -> str | None:
    if not covers(errors, total):
        return None
    return (
        f"the errors selector {_text(errors)} selects every series the {total_word} {_text(total)} does, so "
        "every event counts as failed (an error ratio of 1 or more, a page whenever there is traffic); narrow it "
        f'to the failures, e.g. {errors.metric or "metric"}{{code=~"5.."}}'
    )


def outside_total_problem(kind: str, part: Selector, total: Selector, total_word: str = "total") -> str | None:
    """The total's matchers on labels `part` does not constrain at all, or fixes to another value (then the two
    share no series: `grpc_service="b"` over `grpc_service="a"` compiled, round 25), as a message (same metric
    only)."""
    if part.metric != total.metric:
        return None
    effect = (
        "successes outside the total make errors = total - good read below the truth, even below 0, and hide an outage"
        if kind == "good"
        else f"failures outside the {total_word} inflate the error ratio, even above 1"
    )
    fixed = {m.label: m for m in total.matchers if m.op == "="}
    for own in part.matchers:
        other = fixed.get(own.label)
        if own.op == "=" and other is not None and own.value != other.value:
            return (
                f"the {kind} selector {_text(part)} sets {own.render()} where the {total_word} sets {other.render()}: "
                f"they share no series, so everything it counts is outside the {total_word}: {effect}; "
                f"write {other.render()}"
            )
    if disjoint := _no_shared_value(part, total):
        return (
            f"the {kind} selector {_text(part)} and the {total_word} {_text(total)} pass no {disjoint} value in "
            f"common: they share no series, so everything it counts is outside the {total_word}: {effect}"
            + ("" if kind == "good" else f", and when every event fails the {total_word} reads 0 and nothing pages")
            + f"; count every event in the {total_word} (drop its {disjoint} matchers)"
        )
    constrained = {m.label for m in part.matchers}
    missing = [m for m in total.matchers if m.label not in constrained]
    if not missing:
        return None
    return (
        f"the {kind} selector {_text(part)} does not keep {', '.join(m.render() for m in missing)} of the "
        f"{total_word}: {effect}; add {'them' if len(missing) > 1 else 'it'} to the {kind} selector"
    )


def _no_shared_value(part: Selector, total: Selector) -> str | None:
    """A label both selectors match on whose matchers together pass no value (`code=~"5.."` beside the total's
    `code=~"2.."`, round 48): the first such label, or None. A total fixed to one value (`code="total"`) is a summed
    series beside the per-code ones (OpenSLO's own Prometheus example), not a filter of successes: not judged here."""
    for label in sorted({m.label for m in part.matchers} & {m.label for m in total.matchers}):
        own = [(m.op, m.value) for m in part.matchers if m.label == label]
        theirs = [(m.op, m.value) for m in total.matchers if m.label == label]
        if ("=", theirs[0][1]) in theirs:
            continue
        # a side that passes no value alone selects nothing: its own error (promql.py), said once
        if never_all_pass(own + theirs) and not never_all_pass(own) and not never_all_pass(theirs):
            return label
    return None


def good_covers_problem(good: Selector, total: Selector) -> str | None:
    if not covers(good, total, presence_covers=True):
        return None
    return (
        f"the good selector {_text(good)} selects every series the total {_text(total)} does, so no event "
        "can fail and this SLO can never fire; narrow it to the successes, e.g. "
        f'{good.metric or "metric"}{{code!~"5.."}}'
    )


def errors_cover_requests(metrics: Mapping[str, Metric]) -> str | None:
    """The error-rate alert divides `errors` by `requests`: errors covering the requests read 100%, a page on a
    healthy service."""
    requests, errors = metrics.get("requests"), metrics.get("errors")
    if requests is None or errors is None or requests.selector is None or errors.selector is None:
        return None
    covered = errors_cover_problem(errors.selector, requests.selector, "requests")
    return covered or outside_total_problem("errors", errors.selector, requests.selector, "requests")


def unscoped(series: str) -> str:
    """`service_selector: false` on a bare name: nothing finds this service's series, so an SLI or alert over it
    read every team's (another team's failing probe or expiring certificate paged this one)."""
    return (
        f"{series} keeps none of the service selector's labels and has no matcher of its own, so it reads every "
        f"{series} series in Prometheus, every service's; add a matcher that finds this service's series "
        f'({series}{{instance="..."}}), or keep some of the selector (service_selector: [job])'
    )
