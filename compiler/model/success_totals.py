"""A ratio SLI whose total counts only the successes: its failures are no part of it (round 48).

Exporters of workers and databases count outcomes in counters of their own: Celery's exporter writes
`celery_task_succeeded_total` beside `celery_task_failed_total`, yabeda-sidekiq `sidekiq_jobs_success_total` beside
`sidekiq_jobs_failed_total`, postgres_exporter `pg_stat_database_xact_commit` beside `_xact_rollback`. Written as
`{errors: <failed>, total: <succeeded>}`, the ratio is failures per success, and when every event fails the total's
rate is 0: the ratio has no value (obsc divides by a total above 0) and no burn pair can see the outage. Replayed
with promtool (a 99%/30d Celery SLO, 10 tasks a second, every task failing from minute 120): the 1h/5m pair never
fired, the 6h/30m pair paged at minute 150 and resolved at minute 490, six hours in, with every task still failing;
no SLODataMissing either (the total's rate is 0, not absent). The same SLO over all received tasks paged at 122.

Only the sound case with the same metric on both sides is refused (selector_cover: errors and total that share no
series). Across two counters the name is the only clue, so it is a located warning: the total's name says success
(a `succeeded`, `success`, `ok` or `commit` word), or one of its matchers pins a success value (`status="success"`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.promql import Selector
from compiler.model.types import Service, SliKind

# Words of a counter's name that say it counts successes only (`_`-separated words, any case)
_SUCCESS_WORDS = frozenset(
    {"succeeded", "success", "successes", "successful", "succeed", "ok", "passed", "commit", "commits"}
)
# Label values that pin a selector to the successes
_SUCCESS_VALUES = frozenset({"success", "succeeded", "successful", "ok", "passed", "completed_ok"})
# Status classes written as a regex that keeps the 2xx only
_SUCCESS_STATUS = re.compile(r"2(?:\.\.|xx|\[0-9\]\[0-9\]|\\d\\d|\\d\{2\})", re.IGNORECASE)


def success_total_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each ratio SLO whose errors are one counter and whose total another that counts only
    successes (see the module's text)."""
    found = []
    for service in services:
        for index, slo in enumerate(service.slos):
            sli = slo.sli
            if sli.kind is not SliKind.RATIO or sli.errors is None or sli.total is None:
                continue
            errors, total = sli.errors.selector, sli.total.selector
            if errors is None or total is None or errors.metric == total.metric:
                continue
            if why := successes_only(total):
                path = ("slos", index, "sli", "total")
                found.append(Diagnostic(slo.location, path, _message(slo.name, errors, total, why)))
    return found


def successes_only(total: Selector) -> str | None:
    """Why `total` reads as a count of successes only, or None."""
    words = set(total.metric.lower().split("_"))
    if said := sorted(words & _SUCCESS_WORDS):
        return f"its name says {said[0]}"
    for matcher in total.matchers:
        if matcher.op == "=" and matcher.value.lower() in _SUCCESS_VALUES:
            return f"it keeps {matcher.render()}"
        if matcher.op == "=~" and _SUCCESS_STATUS.fullmatch(matcher.value):
            return f"it keeps {matcher.render()}"
    return None


def _message(slo: str, errors: Selector, total: Selector, why: str) -> str:
    failed, succeeded = errors.metric, total.metric
    return (
        f"SLO {slo!r} divides its errors ({failed}) by a total that counts only successes ({succeeded}: {why}): "
        "the failures are no part of the total, so when every event fails the total's rate is 0 and the SLO has no "
        "ratio to page on (a replayed Celery outage, every task failing, paged 30 minutes late and resolved 6 hours "
        "in while every task still failed); count every attempt in the total (a counter of all events, such as "
        "Celery's celery_task_received_total), or write a raw SLI whose total adds both: "
        f"sum(rate({succeeded}{{$selector}}[$window])) + sum(rate({failed}{{$selector}}[$window])) "
        f"or sum(rate({succeeded}{{$selector}}[$window])) or sum(rate({failed}{{$selector}}[$window]))"
    )
