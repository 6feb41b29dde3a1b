"""PromQL of the SLI kinds in sli_kinds.py, written once for every target.

The bad bit, recorded at every evaluation of the SLO rule group, is `1 - (<measured> <op> bool <value>)`:
1 while the condition fails, 0 while it holds, and no sample at all when the gauge has no series, so missing
data never reads as good (SLODataMissing reports it; see docs/slo-kinds.md). A window's ratio is the bits'
mean; its counted slices read the bits once a slice (slo_kinds._per_slice, model/scrape_windows.slice_seconds).
"""

from __future__ import annotations

from compiler.model import timestamps
from compiler.model.promql import expand, known_values
from compiler.model.types import Sli, SliKind
from compiler.model.units import decimal_text


def gauge_series(sli: Sli) -> str:
    """The gauge's raw series (for absent() and diagnosis)."""
    assert sli.gauge is not None and sli.gauge.selector is not None
    return sli.gauge.selector.render()


def gauge_values(sli: Sli) -> str:
    """The gauge's series aggregated as the spec says, NaN samples left out (`queries.without_nan`): a NaN
    (a summary's quantile while idle, an exporter's 0/0) compares false with any number, so `1 - (NaN < bool
    0.3)` was a bad slice (an idle service paged) and with `!=` a good one. Every series NaN is no sample: that
    slice counts neither way, and SLODataMissing, which asks for this, reports it. A lag's negative samples
    are unknowns too (`promql.LAG_NAME`): a group that never committed read -3, a good slice under `lag < 1000`."""
    assert sli.gauge is not None and sli.gauge.selector is not None
    return f"{sli.gauge.aggregation.value}({known_values(sli.gauge.selector)})"


def measured(sli: Sli) -> str:
    """What the condition compares: the aggregated gauge, or for freshness the age of the newest success."""
    assert sli.gauge is not None
    combined = gauge_values(sli)
    return f"time() - {timestamps.in_seconds(sli.gauge, combined)}" if sli.kind is SliKind.FRESHNESS else combined


def value_text(sli: Sli) -> str:
    assert sli.value is not None
    return decimal_text(sli.value)


def bad_slice(sli: Sli) -> str:
    """1 in a bad slice, 0 in a good one, absent without data."""
    return f"1 - ({measured(sli)} {sli.op} bool {value_text(sli)})"


def stale(sli: Sli) -> str:
    """Freshness: the last success is older than max_age (the value is the age in seconds)."""
    return f"{measured(sli)} > {value_text(sli)}"


def error_ratio(sli: Sli, window: str) -> str:
    """The error-ratio expression over `window`, as one series; NaN (no traffic) is dropped, not recorded."""
    return f"max({expand(sli.error_ratio or '', (), window)}) >= 0"


def sli_error_ratio(sli: Sli, window: str) -> str:
    """The SLI's error ratio over `window` from the raw series (a subquery for time slices: diagnosis only)."""
    if sli.kind is SliKind.ERROR_RATIO:
        return error_ratio(sli, window)
    return f"avg_over_time(({bad_slice(sli)})[{window}:1m])"
