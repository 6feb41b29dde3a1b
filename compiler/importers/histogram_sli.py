"""A good/total pair over one histogram, `<h>_bucket{le="<bound>"}` over `<h>_count` (or its `+Inf` bucket, the
same count), with the same other matchers: obsc's latency SLI, `{latency, threshold}`.

Kept as the source's ratio (`count - bucket`), a build whose histogram has no bucket at that bound (other
buckets) reads as every request slow and pages a healthy service; obsc's latency SLI reads the bound in every
spelling `le` takes (`0.3`, `0.30`, `3e-1`) and says SLODataMissing when no bucket has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compiler.importers import promql_text
from compiler.importers.render import GuessedSelector, ServiceOut, SloOut
from compiler.importers.source import Source
from compiler.model.promql import Selector
from compiler.model.units import HISTOGRAM_SECONDS, histogram_unit_in_name
from compiler.spec.document import Path

IMPORTED = (
    "a histogram's bucket over its count: imported as obsc's latency SLI (threshold the bucket's bound), the same "
    "ratio; a build whose histogram has no bucket at that bound reads as missing data (SLODataMissing), not as "
    "every request slow, which paged a healthy service"
)


@dataclass(frozen=True)
class HistogramSli:
    histogram: Selector  # the histogram's name (no suffix) and the matchers both selectors share
    threshold: str  # the bucket bound as an obsc duration
    unit: str | None  # the histogram's unit when its name says one other than seconds (`_milliseconds`)


def histogram_count(total: Selector, histogram: str) -> Selector | None:
    """A latency total as the histogram's `_count` selector: its `_count`, or its `+Inf` bucket (the same count;
    read as another metric, the SLI was kept raw and a series without the threshold bucket counted all slow)."""
    if total.metric == f"{histogram}_count":
        return total
    rest, bound = promql_text.split_le(total)
    infinite = [m for m in total.matchers if m.label == "le" and m.op == "=" and m.value.lstrip("+").lower() == "inf"]
    if total.metric != f"{histogram}_bucket" or not infinite or bound is not None:
        return None
    return Selector(f"{histogram}_count", rest.matchers)


def histogram_sli(good: Selector, total: Selector) -> HistogramSli | None:
    """The latency SLI a good bucket over the histogram's count is, or None when the shape is another."""
    buckets, bound = promql_text.split_le(good)
    if bound is None or not good.metric.endswith("_bucket"):
        return None
    histogram = good.metric.removesuffix("_bucket")
    unit = histogram_unit_in_name(histogram)  # le="250" of a `_milliseconds` histogram is 250 ms, not 250 s
    threshold = promql_text.scaled_duration(bound, HISTOGRAM_SECONDS[unit or "s"])
    counted = histogram_count(total, histogram)
    if threshold is None or counted is None or sorted(counted.matchers) != sorted(buckets.matchers):
        return None
    return HistogramSli(Selector(histogram, buckets.matchers), threshold, unit)


def _same(a: Selector, b: Selector) -> bool:
    return a.metric == b.metric and sorted(a.matchers) == sorted(b.matchers)


def counted_pair(good: str, total: str) -> tuple[Selector, Selector] | None:
    """(good, total) selectors of two event queries (each a selector or an ungrouped sum of its rate) that are a
    histogram's bucket and count, else None."""
    if any(promql_text.summed_groups(query) for query in (good, total)):
        return None  # `sum by (route)`: left to the source's queries
    selectors = promql_text.counted_selector(good), promql_text.counted_selector(total)
    if selectors[0] is None or selectors[1] is None or histogram_sli(selectors[0], selectors[1]) is None:
        return None
    return selectors[0], selectors[1]


def slow_events(errors: str, total: str) -> tuple[Selector, Selector] | None:
    """(good, total) selectors of an errors query that is all events less good ones, `sum(rate(<h>_count[w])) -
    sum(rate(<h>_bucket{le="<bound>"}[w]))` (Sloth's latency SLIs), with the total query's own events first;
    None for any other shape. Kept as written, a build without a bucket at that bound has no series on the right,
    so the difference has none either and the SLO read every request as fast."""
    parts = promql_text.difference_of_sums(errors)
    if parts is None:
        return None
    everything = promql_text.counted_selector(parts[0])
    counted = counted_pair(parts[1], total)
    if everything is None or counted is None or promql_text.summed_groups(parts[0]):
        return None
    histogram = counted[0].metric.removesuffix("_bucket")
    first, second = (histogram_count(s, histogram) for s in (everything, counted[1]))  # `_count` or `+Inf`
    return counted if first is not None and second is not None and _same(first, second) else None


def as_latency(good: Selector, total: Selector, service: ServiceOut, base: str) -> dict[str, Any] | None:
    """The SLI body of a good bucket over the histogram's count, its metric added to the service (without the
    service selector, which obsc adds back); None when the pair is no such shape."""
    shape = histogram_sli(good, total)
    if shape is None:
        return None
    name = f"{base.replace('-', '_')}_latency"[:63]
    rendered = promql_text.render_selector(promql_text.without(shape.histogram, service.selector))
    service.metrics[name] = {"selector": rendered, "unit": shape.unit} if shape.unit else rendered
    return {"latency": name, "threshold": shape.threshold}


# An SLI key set while the service selector is not known yet (Sloth, OpenSLO v1alpha): a pair histogram_sli reads
# as a bucket over its count, ((good, total), where in the source, the note to give if it stays the source's).
PENDING = "_histogram"


def pending(good: Selector, total: Selector, where: Path, raw_note: str | None = None) -> dict[str, Any]:
    return {PENDING: ((good, total), where, raw_note)}


def settle(src: Source, service: ServiceOut, slos: Sequence[SloOut]) -> None:
    """Each SLO whose SLI is `pending` becomes obsc's latency SLI, its histogram added to the service's metrics.
    With a guessed service selector (the queries share none) it stays the source's queries: obsc would add the
    guess to the histogram's selectors."""
    for slo in slos:
        pair, where, raw_note = slo.sli.pop(PENDING, (None, (), None))
        latency = None
        if pair is not None and not isinstance(service.selector, GuessedSelector):
            good, total = pair
            latency = as_latency(good, total, service, slo.name)
        if latency is not None:
            slo.sli = latency
            src.note(where, IMPORTED)
        elif raw_note is not None:
            src.note(where, raw_note)
