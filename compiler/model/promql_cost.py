"""Bounds on what one evaluation of a spec's PromQL makes Prometheus do, checked on the text before it reaches
any rule: a subquery evaluates its inner expression once per step of its range, at every evaluation of the rule.

`max_over_time(rate(x[$window])[$window:1ms])` passed every other check and made each evaluation of its 6h rule
21.6 million inner evaluations (and as many points per series in memory) on the fleet's shared Prometheus. Each
step also reads the ranges inside it: `max_over_time(rate(x[1d])[365d:1h])` kept to the steps (8,760) and to the
look back (promql_lookback.py) and still read 8,760 days of samples per series at every evaluation (work_problems).
"""

from __future__ import annotations

import re
from decimal import Decimal

from compiler.model.promql_text import WINDOW, Finding, holds, mask
from compiler.model.units import format_duration, parse_duration_seconds

# Prometheus's own cap on the points per series a range query may ask for ("exceeded maximum resolution of
# 11,000 points per timeseries"): a subquery finer than any graph may be drawn is no signal an alert needs.
# Nested subqueries multiply: the cap is on the product along the nesting.
MAX_SUBQUERY_STEPS = 11_000
# The longest range obsc fills `$window` with: a raw SLI's recorded windows stay below the coarse tier's 1d
# (windows.yaml), a threshold alert's rate window is at most a day (thresholds.RATE_WINDOWS).
LONGEST_WINDOW_SECONDS = 86_400
# `[5m:]` steps at the server's global evaluation_interval, which obsc does not know: 15s, the interval of
# Prometheus's example configuration and the shortest in common use, so that the count is not underestimated.
DEFAULT_STEP_SECONDS = 15

# Samples of one series a single evaluation may read through the ranges inside subqueries: Prometheus's default
# `--query.max-samples`, the most a whole query may hold at once. The engine holds only one step's range at a
# time, so that cap never sees this work; one series reading what a whole query may hold is past any SLO's need
# (`max_over_time(rate(x[$window])[$window:1m])`, a raw SLI's peak rate, is 8.3 million at a 1d window).
MAX_SAMPLES_READ = 50_000_000
# Samples are counted at a 15s scrape, the shortest in common use (as DEFAULT_STEP_SECONDS), not to undercount.
SCRAPE_SECONDS = 15

_SUBQUERY = re.compile(r"\[([^\[\]:]*):([^\[\]]*)\]")


def subquery_problems(text: str) -> list[Finding]:
    """The innermost subqueries whose steps, times those of the subqueries they hold, pass MAX_SUBQUERY_STEPS,
    located at their `[`. A duration that does not read (reported elsewhere) counts as one step."""
    masked = mask(text)
    found = _SUBQUERY.finditer(masked)
    own = {m.start(): _steps(text[m.start(1) : m.end(1)], text[m.start(2) : m.end(2)]) for m in found}
    starts = {at: operand_start(masked, at) for at in own}
    total: dict[int, Decimal] = {}
    for at in sorted(own):  # an inner subquery's bracket comes before its outer one's in the text
        total[at] = own[at] * max((total[b] for b in total if starts[at] <= b < at), default=Decimal(1))
    over = [at for at in sorted(total) if total[at] > MAX_SUBQUERY_STEPS]
    return [(at, _message(text, at, total[at], own[at])) for at in over if not any(starts[at] <= b < at for b in over)]


def _steps(range_text: str, step_text: str) -> Decimal:
    range_text, step_text = range_text.strip(), step_text.strip()
    try:
        seconds = LONGEST_WINDOW_SECONDS if range_text == WINDOW else parse_duration_seconds(range_text)
        step = parse_duration_seconds(step_text) if step_text else Decimal(DEFAULT_STEP_SECONDS)
    except ValueError:
        return Decimal(1)
    return Decimal(seconds) / step if step > 0 else Decimal(1)


def work_problems(text: str) -> list[Finding]:
    """Subqueries whose steps, times the range each step reads (nested subqueries' steps multiplied), read more
    than MAX_SAMPLES_READ samples of one series at every evaluation; located at the outermost such subquery's `[`
    (shortening its range or widening its step is the remedy), once each."""
    masked = mask(text)
    subqueries = {m.start(): m for m in _SUBQUERY.finditer(masked)}
    steps = {at: _steps(text[m.start(1) : m.end(1)], text[m.start(2) : m.end(2)]) for at, m in subqueries.items()}
    starts = {at: operand_start(masked, at) for at in subqueries}
    reported: dict[int, Decimal] = {}
    for m in _RANGE.finditer(masked):
        around = [q for q in subqueries if starts[q] <= m.start() < q]
        if not around:
            continue  # a range alone is bounded by the look back (promql_lookback.py)
        samples = _range_seconds(text[m.start(1) : m.end(1)]) / SCRAPE_SECONDS
        for q in around:
            samples *= steps[q]
        outer = min(around, key=lambda q: starts[q])
        if samples > MAX_SAMPLES_READ and samples > reported.get(outer, Decimal(0)):
            reported[outer] = samples
    return [(at, _work_message(text, at, reported[at])) for at in sorted(reported)]


_RANGE = re.compile(r"\[([^\[\]:]*)\]")


def _range_seconds(range_text: str) -> Decimal:
    range_text = range_text.strip()
    try:
        return Decimal(LONGEST_WINDOW_SECONDS) if range_text == WINDOW else parse_duration_seconds(range_text)
    except ValueError:
        return Decimal(0)  # reported by the duration checks already


def _work_message(text: str, at: int, samples: Decimal) -> str:
    written = text[at : text.index("]", at) + 1]
    days = samples * SCRAPE_SECONDS / 86_400
    window = f"; $window counted as {format_duration(LONGEST_WINDOW_SECONDS)}" if holds(text, WINDOW) else ""
    return (
        f"subquery {written} reads {samples:,.0f} samples of each series at every evaluation of the rule (its steps "
        f"times the ranges inside them, {days:,.0f} days of samples at a {SCRAPE_SECONDS}s scrape{window}); obsc "
        f"allows {MAX_SAMPLES_READ:,}, Prometheus's default --query.max-samples for a whole query: use a shorter "
        "range inside it (rate(x[5m])), a wider step, a shorter subquery, or a recorded series"
    )


def operand_start(masked: str, bracket: int) -> int:
    """Where the expression a subquery's `[` applies to starts: the `(` matching a `)` just before it (a call's
    or a group's), else the bracket itself (a plain selector holds no subquery)."""
    end = len(masked[:bracket].rstrip()) - 1
    if end < 0 or masked[end] != ")":
        return bracket
    depth = 0
    for i in range(end, -1, -1):
        depth += (masked[i] == ")") - (masked[i] == "(")
        if depth == 0:
            return i
    return 0


def _message(text: str, at: int, total: Decimal, own: Decimal) -> str:
    written = text[at : text.index("]", at) + 1]
    window = (
        f" ($window counted as its longest, {format_duration(LONGEST_WINDOW_SECONDS)})" if WINDOW in written else ""
    )
    default = ""
    if written.replace(" ", "").endswith(":]"):
        default = f" (no step: the server's global evaluation_interval, counted as {DEFAULT_STEP_SECONDS}s)"
    nested = "" if total == own else f" with the subqueries inside it ({own:,.0f} of its own)"
    step = _step_seconds(written) * total / MAX_SUBQUERY_STEPS
    return (
        f"subquery {written}{window}{default} evaluates its expression {total:,.0f} times{nested} at every "
        f"evaluation of the rule; obsc allows {MAX_SUBQUERY_STEPS:,} (Prometheus's cap on the points of one series "
        f"in a range query): use a step of at least {format_duration(int(step) + 1)}, or a shorter range"
    )


def _step_seconds(written: str) -> Decimal:
    step = written[written.index(":") + 1 : -1].strip()
    try:
        return parse_duration_seconds(step) if step else Decimal(DEFAULT_STEP_SECONDS)
    except ValueError:
        return Decimal(DEFAULT_STEP_SECONDS)
