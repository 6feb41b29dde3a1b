"""How far back a spec's free PromQL reads, bounded by the longest SLO period obsc accepts (units.py).

A range, an `offset` and every subquery around them add up: `max_over_time(x[9999d])`, `x offset 100y` and
`max_over_time(deriv(x[1d])[9999d:1d])` each compiled and validated (round 40 left it open), and at every
evaluation asked the shared Prometheus for every sample it retains, or for data no server holds (an alert that
can never fire). Steps of a subquery are bounded apart (promql_cost.py).
"""

from __future__ import annotations

import re
from decimal import Decimal

from compiler.model.promql_cost import LONGEST_WINDOW_SECONDS, operand_start
from compiler.model.promql_text import WINDOW, Finding, mask
from compiler.model.units import LONGEST_PERIOD_SECONDS, format_duration, parse_duration_seconds

_BRACKET = re.compile(r"\[([^\[\]]*)\]")
# a negative offset reads ahead, not back (refused apart: promql_text.future_offsets)
_OFFSET = re.compile(r"(?<![\w:])offset\s*((?:\d+(?:ms|[smhdwy]))+)(?![\w.])", re.IGNORECASE)


def lookback_problems(text: str) -> list[Finding]:
    """Ranges (and offsets of instant selectors) whose reach into the past, with their own offset and the range
    and offset of every subquery they sit in, passes LONGEST_PERIOD_SECONDS; located at the `[` or `offset`."""
    masked = mask(text)
    brackets = {m.start(): m for m in _BRACKET.finditer(masked)}
    ends = {m.end(): at for at, m in brackets.items()}
    offsets: dict[int, Decimal] = {}  # bracket (or offset keyword) -> its offset's seconds
    spans: dict[int, int] = {at: m.end() for at, m in brackets.items()}  # what the message quotes
    for m in _OFFSET.finditer(masked):
        at = ends.get(len(masked[: m.start()].rstrip()), m.start())
        offsets[at], spans[at] = _seconds(m.group(1)), m.end()
    own = {at: _seconds(_range_text(m.group(1))) + offsets.get(at, Decimal(0)) for at, m in brackets.items()}
    subqueries = [(operand_start(masked, at), at) for at, m in brackets.items() if ":" in m.group(1)]
    reach = {at: seconds for at, seconds in own.items()}
    reach.update({at: seconds for at, seconds in offsets.items() if at not in brackets})
    over: dict[int, Decimal] = {}
    for at in sorted(reach):
        total = reach[at] + sum((own[q] for start, q in subqueries if start <= at < q), Decimal(0))
        if total > LONGEST_PERIOD_SECONDS:
            over[at] = total
    # the outermost only: shortening a subquery's range shortens what every selector inside it reads
    outer = [at for at in over if not any(start <= at < q and q in over for start, q in subqueries)]
    return [(at, _message(text[at : spans[at]], over[at])) for at in outer]


def _range_text(body: str) -> str:
    return body.split(":", 1)[0].strip()


def _seconds(duration: str) -> Decimal:
    if duration.strip() == WINDOW:
        return Decimal(LONGEST_WINDOW_SECONDS)
    try:
        return parse_duration_seconds(duration.strip())
    except ValueError:
        return Decimal(0)  # reported by the duration checks already


def _message(written: str, total: Decimal) -> str:
    longest = format_duration(LONGEST_PERIOD_SECONDS)
    window = (
        f" ($window counted as its longest, {format_duration(LONGEST_WINDOW_SECONDS)})" if WINDOW in written else ""
    )
    return (
        f"{written}{window} reads {format_duration(int(total))} back (its range, offset and the subqueries around it) "
        f"at every evaluation of the rule; obsc allows {longest}, the longest SLO period: a longer look back asks the "
        "shared Prometheus for every sample it keeps, or for none (an alert that cannot fire); use a shorter range "
        "or offset, or a recorded series"
    )
