"""What `obsc verify` reads in the live series themselves beyond their existence: the shape the rules assume.

- an SLO's `by:` label that no series of its total carries (every event is one group, with no label value:
  one budget, not one per value) or that churns (many more values over the lookback than now: a pod name, a
  session; each value's budget, burn alerts and missing-data alerts come and go with it);
- a counter that goes down as a gauge does (more than a third of its changes are drops): rate() reads each
  drop as a restart, counting the whole new value as events;
- a latency threshold's bucket that some of the histogram's series lack now while others have it (two bucket
  layouts at once, as during a release that changed them), or that all lack now while the lookback's had it:
  the SLO leaves those series out (it cannot see them) and SLODataMissing tickets without saying why;
- a counter narrowed by a label value in another form than every value its family has (`code="5xx"` where
  codes are numbers, `500`), or on a label its family lacks: the note "none yet" would hide it for good;
- milliseconds in a histogram read as seconds (a millisecond layout, and a mean far above the spec's latencies).

Each check asks a fixed number of aggregated queries (count(...)) per SLO label or per metric: the answers are
one number whatever the fleet's size, never a series list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from compiler.errors import Location
from compiler.model.promql import Matcher, Selector, expand
from compiler.model.types import Metric, MetricType, Service, SliKind, Slo
from compiler.model.units import HISTOGRAM_SECONDS, decimal_text
from compiler.spec.document import Path
from compiler.verify.client import Prometheus, QueryRejected

Find = Callable[[Path, Location, str], None]
Count = Callable[[str], int]  # the number of series `expr` returns now

CHURN_FACTOR = 3  # values seen over the lookback above this many times those present now
CHURN_FLOOR = 10  # and at least this many values seen: a rollout of a few replicas is no churn
DROPS_FLOOR = 3  # a counter's drops over the lookback from which it may be a gauge (a restart drops it once)
CHANGES_FLOOR = 10  # and changes: an idle counter of a restarting pod drops at each restart, changing little
SHOWN = 8  # label values listed in one message


def total_expr(service: Service, slo: Slo, lookback: str | None) -> str | None:
    """The SLO's total events as series over the lookback (None: now, the series a scrape still writes), with the
    labels its `by:` groups by; None for an SLI with no total series (time slices, freshness, an error ratio)."""
    sli = slo.sli

    def over(selector: str) -> str:
        return f"last_over_time({selector}[{lookback}])" if lookback else selector

    if sli.kind is SliKind.RATIO and sli.total is not None and sli.total.selector is not None:
        return over(sli.total.selector.render())
    if sli.kind is SliKind.LATENCY and sli.latency is not None and sli.latency.selector is not None:
        histogram = sli.latency.selector
        return f"count without (le) ({over(histogram.render(histogram.metric + '_bucket'))})"
    if sli.kind is SliKind.RAW and sli.raw_total:  # free PromQL over a window: now is its last 5m
        return f"({expand(sli.raw_total, service.selector, lookback or '5m')})"
    return None


def check_by(service: Service, slo: Slo, path: Path, lookback: str, count: Count, find: Find) -> dict[str, int]:
    """`by:` labels the SLO's total series do not carry, or whose values churn. Per label one query; a second
    when no series carries it (are there series at all) or when it has CHURN_FLOOR values or more (how many now).
    Returns each label's count of values over the lookback (group_bound.py bounds them)."""
    if not slo.by or (seen_expr := total_expr(service, slo, lookback)) is None:
        return {}
    now_expr = total_expr(service, slo, None)
    assert now_expr is not None
    counted: dict[str, int] = {}
    for label in slo.by:
        seen = counted[label] = count(_values(seen_expr, label))
        if not seen:
            if count(seen_expr):  # else no series at all: reported on the metric or the raw total
                find(
                    path,
                    slo.location,
                    f"SLO {slo.name!r}: no series of its total carries `{label}` in the last {lookback}, so every "
                    f"event is one group with no {label}: one error ratio and budget, not one per {label}; "
                    f"take {label} out of by:, or have the series carry it",
                )
            continue
        if seen < CHURN_FLOOR:
            continue  # too few values to churn: no second query
        now = count(_values(now_expr, label))
        if now and seen > CHURN_FACTOR * now:  # none now: the service is down or idle, which says nothing of churn
            find(
                path,
                slo.location,
                f"SLO {slo.name!r}: `{label}` churns: {seen} values in the last {lookback}, {now} now; each value "
                "is a group with its own error ratio, budget and burn alerts, which start over with every new "
                f"value and never hold long enough to page; group by a label whose values stay (a route, a "
                f"tenant), not `{label}`",
            )
    return counted


def _values(expr: str, label: str) -> str:
    """One series per non-empty value of `label` on the series of `expr` (a series without the label has it
    empty, which `on (label)` against a label-less vector matches); `count` counts them."""
    return f"count by ({label}) ({expr}) unless on ({label}) vector(1)"


def check_drops(metric: Metric, path: Path, lookback: str, count: Count, find: Find) -> None:
    """A counter whose series go down as often as a gauge does; one query, two when found."""
    if metric.type is not MetricType.COUNTER or metric.selector is None:
        return
    series = f"{metric.selector.render()}[{lookback}]"
    # each range read once: drops (from the floor) times 3 above changes (from theirs), series by series
    dropping = f"(resets({series}) >= {DROPS_FLOOR}) * 3 > (changes({series}) >= {CHANGES_FLOOR})"
    found = count(dropping)
    if not found:
        return
    every = count(f"last_over_time({series})")
    find(
        path,
        metric.location,
        f"{metric.selector.render()} goes down like a gauge: {found} of its {every} series dropped in more than a "
        f"third of their changes over the last {lookback} (at least {DROPS_FLOOR} drops), and rate() reads each "
        "drop as a restart, counting its whole new value as events; read a running total that only a restart "
        "resets (a level that goes up and down is a gauge: watch it with a threshold alert, not an SLO)",
    )


def two_layouts(histogram: Selector, le: Matcher, bound: str, count: Count, lookback: str) -> str | None:
    """Series of the histogram that have no threshold bucket now (the caller has seen it within the lookback):
    two layouts at once, or a release that removed the bucket from every instance. Now, not over the lookback:
    series a fixed release replaced say nothing. One query, two when some lack it."""
    bucket = histogram.render(histogram.metric + "_bucket")
    every = f"count without (le) ({bucket})"
    lacking = count(f"{every} unless ignoring (le) {histogram.render(histogram.metric + '_bucket', (le,))}")
    if not lacking:
        return None
    series = count(every)
    others = (
        "while the others have it: two bucket layouts at once (a release that changed them?)"
        if lacking < series
        else f"while series of the last {lookback} had it: a release removed it"
    )
    return (
        f"{lacking} of the {series} series of {bucket} have no bucket at {bound} now {others}; the SLO cannot "
        "see those series (their requests count neither good nor slow) and SLODataMissing tickets while they "
        "have traffic; give every instance the same buckets, or pick a bound all of them have"
    )


def unit_mismatch(
    histogram: Metric, bounds: Sequence[float], expected: Decimal | None, count: Count, lookback: str
) -> str | None:
    """A histogram read as seconds whose buckets and observations are milliseconds: every finite bound at least
    1 and the largest at least 1000 (1 s to 17 min, a millisecond layout), and the mean observation
    (`_sum`/`_count`) at least 100 times the shortest latency the spec names for it. Batch durations in seconds
    have such buckets too, but an SLO line 100 times under their mean is not what their spec says. One query,
    asked only for such a layout."""
    finite = [b for b in bounds if math.isfinite(b)]
    if (
        expected is None
        or histogram.selector is None
        or HISTOGRAM_SECONDS.get(histogram.unit, Decimal(1)) != 1
        or not finite
        or min(finite) < 1
        or max(finite) < 1000
    ):
        return None
    sel = histogram.selector
    mean = f"sum(last_over_time({sel.render(sel.metric + '_sum')}[{lookback}]))"
    over = f"sum(last_over_time({sel.render(sel.metric + '_count')}[{lookback}]))"
    if not count(f"({mean} / {over}) >= {decimal_text(expected * 100)}"):
        return None
    return (
        f"{sel.metric} looks like milliseconds read as seconds: its buckets run from le={min(finite):g} to "
        f"le={max(finite):g} and its mean observation (_sum / _count) is over 100 times the "
        f"{decimal_text(expected)}s the spec expects, so a latency SLO reads the bucket of that many milliseconds "
        "and the p99 alert compares milliseconds with seconds; write {selector: "
        f"{sel.metric}, unit: ms}}"
    )


def form(value: str) -> str:
    """A label value's form: a number (`500`) or text (`5xx`, `SERVER_ERROR`, `ok`)."""
    return "number" if value.isdigit() else "text"


def misspelt(
    metric: Metric, family: Selector, prometheus: Prometheus, count: Count, lookback: str
) -> tuple[str | None, str]:
    """(a finding, or None; a hint for the note) on a narrowed counter with no series: the first matcher that
    matches nothing of the family. An `=` value whose form no live value of its label has (`code="5xx"`, codes
    written `500`) is a finding: no event will ever be spelt so; otherwise the hint lists the label's values."""
    assert metric.selector is not None
    extra = [m for m in metric.selector.matchers if m not in family.matchers]
    for matcher in extra:
        if count(f"last_over_time({family.render(extra=(matcher,))}[{lookback}])"):
            continue
        try:
            values = sorted(prometheus.label_values(matcher.label, family.render()))
        except QueryRejected:
            return None, ""
        shown = ", ".join(repr(v) for v in values[:SHOWN]) + (
            f" and {len(values) - SHOWN} more" if len(values) > SHOWN else ""
        )
        if not values and not _matches_empty(matcher):
            return f"none of its series has a `{matcher.label}` label, so {matcher.render()} matches nothing ever", ""
        if not values:
            return None, f" (none of them has a `{matcher.label}` label)"
        wanted = form(matcher.value)
        if matcher.op == "=" and {form(v) for v in values} == {"number", "text"} - {wanted}:
            return (
                f"{matcher.render()} is {'a number' if wanted == 'number' else 'text'} where every "
                f"{matcher.label} value of {family.metric} is {'text' if wanted == 'number' else 'a number'} "
                f"(its values: {shown}): no event will ever be counted; write the value as the "
                f"series spell it ({_regex_hint(matcher, values)})",
                "",
            )
        return None, f" ({matcher.render()} matches none of its {matcher.label} values: {shown})"
    return None, ""


def _matches_empty(matcher: Matcher) -> bool:
    """Whether the matcher keeps a series without its label (the label's value is then empty); a regex Python
    cannot read is taken to match (no finding on a guess)."""
    if matcher.op in ("=", "!="):
        return (matcher.value == "") == (matcher.op == "=")
    try:
        empty = re.fullmatch(matcher.value, "") is not None
    except re.error:
        return True
    return empty == (matcher.op == "=~")


def _regex_hint(matcher: Matcher, values: Sequence[str]) -> str:
    """`5xx` over status codes: the class as a regex (`code=~"5.."`)."""
    classed = re.fullmatch(r"([0-9])[xX]{2}", matcher.value)
    if classed and all(re.fullmatch(r"[0-9]{3}", v) for v in values):
        return f'{matcher.label}=~"{classed.group(1)}.."'
    return "one of its values, or a regex over them (=~)"
