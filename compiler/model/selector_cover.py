"""Selectors that select more than they should: every series of their total, series outside it, or every team's.

`{errors: requests, total: requests}`, or an errors metric whose matchers are all among the total's
(`http_requests_total` over `http_requests_total{code=~"5.."}`), counts every request as failed: an error ratio
of 1 or more, a page whenever there is traffic. A good selector that covers its total counts none as failed:
an SLO that can never fire. Both compiled silently (found by a hunt, round 20). Only the sound direction is
checked: the same metric name and no matcher of its own, so it selects a superset of the total's series.

A part that does not constrain a label its total does (total `{handler!="/health"}`, good `{code="200"}`) counts
events outside the total: the health checks' successes made errors = total - good negative and hid an API
outage; errors of series outside the total inflate the ratio. Same metric name only: the label is then one both
could carry.
"""

from __future__ import annotations

from collections.abc import Mapping

from compiler.model.promql import Selector
from compiler.model.types import Metric


def _text(selector: Selector) -> str:
    return selector.render() if selector.matchers else selector.metric


def covers(part: Selector, whole: Selector) -> bool:
    """Whether `part` selects every series `whole` does (each of its matchers is one of whole's)."""
    return part.metric == whole.metric and set(part.matchers) <= set(whole.matchers)


def errors_cover_problem(errors: Selector, total: Selector, total_word: str = "total") -> str | None:
    if not covers(errors, total):
        return None
    return (
        f"the errors selector {_text(errors)} selects every series the {total_word} {_text(total)} does, so "
        "every event counts as failed (an error ratio of 1 or more, a page whenever there is traffic); narrow it "
        f'to the failures, e.g. {errors.metric or "metric"}{{code=~"5.."}}'
    )


def outside_total_problem(kind: str, part: Selector, total: Selector, total_word: str = "total") -> str | None:
    """The total's matchers on labels `part` does not constrain at all, as a message (same metric only)."""
    constrained = {m.label for m in part.matchers}
    missing = [m for m in total.matchers if m.label not in constrained]
    if part.metric != total.metric or not missing:
        return None
    effect = (
        "successes outside the total make errors = total - good read below the truth, even below 0, and hide an outage"
        if kind == "good"
        else f"failures outside the {total_word} inflate the error ratio, even above 1"
    )
    return (
        f"the {kind} selector {_text(part)} does not keep {', '.join(m.render() for m in missing)} of the "
        f"{total_word}: {effect}; add {'them' if len(missing) > 1 else 'it'} to the {kind} selector"
    )


def good_covers_problem(good: Selector, total: Selector) -> str | None:
    if not covers(good, total):
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
