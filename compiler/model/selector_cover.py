"""A failures (or successes) selector that selects every series its total does.

`{errors: requests, total: requests}`, or an errors metric whose matchers are all among the total's
(`http_requests_total` over `http_requests_total{code=~"5.."}`), counts every request as failed: an error ratio
of 1 or more, a page whenever there is traffic. A good selector that covers its total counts none as failed:
an SLO that can never fire. Both compiled silently (found by a hunt, round 20). Only the sound direction is
checked: the same metric name and no matcher of its own, so it selects a superset of the total's series.
"""

from __future__ import annotations

from compiler.model.promql import Selector


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


def good_covers_problem(good: Selector, total: Selector) -> str | None:
    if not covers(good, total):
        return None
    return (
        f"the good selector {_text(good)} selects every series the total {_text(total)} does, so no event "
        "can fail and this SLO can never fire; narrow it to the successes, e.g. "
        f'{good.metric or "metric"}{{code!~"5.."}}'
    )
