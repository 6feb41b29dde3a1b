"""A raw SLI's two options for sources that are not Prometheus counters (round 40: a CloudWatch exporter's ALB).

`per: window`: the queries count the window's events (`sum_over_time` of per-period sums), not events a second.
Read per second, one 5xx among 30 requests in a quiet hour was 3,600 failures to the min_bad_events floor and
paged (so such SLIs had to give the floor up: `min_bad_events: 0`). obsc divides each query by its window's
seconds wherever it fills `$window`: the recording rules (fast windows and the coarse tier's 5m base), SLODataMissing,
the generated tests and `obsc verify` all read the same per-second text, and the dashboards read the records.

`idle_while: <selector>`: a series the source writes whatever the traffic (an ALB's healthy-host count). A
CloudWatch exporter writes no sample for a period without requests, so the total had no series every idle night
and SLODataMissing ticketed. With it, a total without series is idle while that series exists and the total had
series within IDLE_SEEN_LOOKBACK; a renamed family or selector (the idle series gone too), a typo'd total (never
seen) or a total gone for longer than the lookback is still missing data. `or vector(0)` in a total stays refused:
it reads a renamed metric as idle for ever."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import promql_parser as pp

from compiler.model import promql_tree
from compiler.model.build_context import Ctx
from compiler.model.promql import Matcher, expand
from compiler.model.promql_check import selectors
from compiler.model.promql_empty import empty_selector_problems
from compiler.model.promql_text import SELECTOR, holds
from compiler.model.units import parse_duration
from compiler.spec.document import Path

OPTIONS = ("per", "idle_while")  # a raw {errors, total} SLI's keys beside its two queries
PER_WINDOW = "window"
# How long a total may have no series and still be idle: a night, not a renamed metric (as long as the failures
# counter's last sighting, model/failures_seen.py).
IDLE_SEEN_LOOKBACK = "1d"
_PER_SECOND = re.compile(r"(?<![\w:])(rate|irate)\s*\(")


def events_per_second(text: str, window: str, per_window: bool) -> str:
    """A raw query with `$window` filled (`text`), as events a second: divided by the window's seconds under
    `per: window`. `window` must then be a duration (a ValueError otherwise): the text cannot be divided by a mark."""
    return f"({text}) / {parse_duration(window)}" if per_window else text


def options_problem(bodies: Mapping[str, Any], ctx: Ctx, path: Path, selector: tuple[Matcher, ...]) -> bool:
    """Report what `per` and `idle_while` cannot mean for these queries (`path`: the raw SLI); True if any."""
    found = False
    if bodies.get("per") == PER_WINDOW:
        for key in ("errors", "total"):
            if match := _PER_SECOND.search(str(bodies[key])):
                ctx.error((*path, key), _already_per_second(match.group(1)))
                found = True
    if "idle_while" in bodies:
        for message in idle_while_problems(str(bodies["idle_while"]), str(bodies["total"]), selector):
            ctx.error((*path, "idle_while"), message)
            found = True
    return found


def _already_per_second(function: str) -> str:
    return (
        f"{function}() is already events a second, and `per: window` divides each query by its window's seconds (the "
        "floor of min_bad_events would read one failure in an hour as 1/3,600 of one, and no burn alert with a floor "
        "could fire): remove per: window, or count the window's events (sum_over_time of per-period sums)"
    )


def idle_while_problems(text: str, total: str, selector: tuple[Matcher, ...]) -> list[str]:
    """Why `text` cannot tell an idle service from missing data: not one selector scoped by `$selector`, a range,
    or a series of the total's own metric (absent whenever the total is: it would tell nothing)."""
    if "$window" in text or not holds(text, SELECTOR):  # $window anywhere: refused
        return [_idle_shape(text)]
    try:
        node = promql_tree.parse(expand(text, selector))
        read = promql_tree.parse(expand(total, selector, "5m"))
    except ValueError:
        return [_idle_shape(text)]
    if not isinstance(node, pp.VectorSelector) or node.name is None or node.name == "up":
        return [_idle_shape(text)]
    if node.name in {s.name for s in selectors(read)}:
        return [
            f"idle_while reads {node.name}, which the total query reads too: it has no series whenever the total "
            "has none, so it cannot tell an idle service from missing data; name a series the source writes "
            "whatever the traffic (the same exporter's healthy-host count)"
        ]
    return list(empty_selector_problems(expand(text, selector)))


def _idle_shape(text: str) -> str:
    return (
        f"idle_while must be one series selector scoped with $selector, no function and no range (got {text!r}): a "
        "series the source writes every period whatever the traffic, of the same exporter and dimensions as the "
        "total (aws_applicationelb_healthy_host_count_average{$selector}); not `up`, which stays 1 when the "
        "total's name or labels change"
    )


def idle_guard(total_over_lookback: str, idle_while: str) -> str:
    """What makes an absent total idle, not missing: the idle series now, and the total's query over
    IDLE_SEEN_LOOKBACK with a series (a sample in that day: one range read, not a subquery of 144 windows)."""
    return f"group({idle_while})\n  and on ()\n  group({total_over_lookback})"
