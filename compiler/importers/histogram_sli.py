"""A good/total pair over one histogram, `<h>_bucket{le="<bound>"}` over `<h>_count` (or its `+Inf` bucket, the
same count), with the same other matchers: obsc's latency SLI, `{latency, threshold}`.

Kept as the source's ratio (`count - bucket`), a build whose histogram has no bucket at that bound (other
buckets) reads as every request slow and pages a healthy service; obsc's latency SLI reads the bound in every
spelling `le` takes (`0.3`, `0.30`, `3e-1`) and says SLODataMissing when no bucket has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.importers import promql_text
from compiler.importers.render import ServiceOut
from compiler.model.promql import Selector
from compiler.model.units import HISTOGRAM_SECONDS, histogram_unit_in_name

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
