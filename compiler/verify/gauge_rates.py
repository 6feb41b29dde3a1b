"""`obsc verify`: an SLI that reads a gauge with rate().

A name cannot tell a counter from a gauge of per-period counts: the Stackdriver (Google Cloud) exporter writes a
DELTA metric (`..._request_count`, each sample the requests of one sampling period) as a gauge, unless it runs with
`--monitoring.aggregate-deltas`, which keeps a running total under the same name (round 40). rate() of such a gauge
counts only its rises: about 0 while the count holds steady, so a whole outage at a steady rate never pages, and
each fall reads as a counter reset. The server knows: every target exposes the metric's TYPE, which
/api/v1/metadata returns. One request per metric a rate() reads; a metric without metadata (a recording rule's
series, an old exporter) says nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import promql_parser as pp

from compiler.errors import Location
from compiler.model import promql_tree
from compiler.model.types import SliKind, Slo
from compiler.spec.document import Path
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected

Find = Callable[[Path, Location, str], None]
_RATES = ("rate", "irate", "increase")


def check_gauge_rates(slo: Slo, path: Path, prometheus: Prometheus, find: Find, types: dict[str, str]) -> None:
    """A finding for each metric the SLO's SLI reads with rate() that every target exposes as a gauge; `types`
    caches each metric's answer across the run."""
    for metric in rated_metrics(slo):
        if metric not in types:
            try:
                entries = prometheus.metadata(metric)
            except (QueryRejected, NotPrometheus):
                entries = []
            kinds = {str(e.get("type")) for e in entries}
            types[metric] = kinds.pop() if len(kinds) == 1 else ""
        if types[metric] == "gauge":
            find(path, slo.location, _message(slo, metric))


def rated_metrics(slo: Slo) -> list[str]:
    """The metrics the SLI reads with rate(): a ratio SLI's counters, a raw SLI's rate/irate/increase selectors.
    Under `per: window` too: rate and irate are refused there, and increase() of a gauge of per-period counts
    counts its rises as rate() does (sum_over_time adds the periods up)."""
    sli = slo.sli
    if sli.kind is SliKind.RATIO:
        parts = (sli.total, sli.errors, sli.good)
        return sorted({p.selector.metric for p in parts if p is not None and p.selector is not None})
    if sli.kind is not SliKind.RAW:
        return []
    found: set[str] = set()
    for text in (sli.raw_errors or "", sli.raw_total or ""):
        try:
            _walk(promql_tree.parse_filled(text, window="5m"), found)
        except (ValueError, TypeError):
            continue
    return sorted(found)


def _walk(node: object, found: set[str]) -> None:
    if isinstance(node, pp.Call) and node.func.name in _RATES:
        for arg in node.args:
            if isinstance(arg, pp.MatrixSelector) and arg.vector_selector.name:
                found.add(arg.vector_selector.name)
    for attr in ("expr", "lhs", "rhs", "param"):
        child = getattr(node, attr, None)
        if isinstance(child, pp.Expr):
            _walk(child, found)
    for arg in getattr(node, "args", None) or ():
        if isinstance(arg, pp.Expr):
            _walk(arg, found)


def _message(slo: Slo, metric: str) -> str:
    return (
        f"SLO {slo.name!r}: {metric} is a gauge on the server (the TYPE its targets expose), and the SLI reads it with "
        "rate(), which counts only its rises: a gauge of per-period counts (a Stackdriver exporter's DELTA metric, a "
        "cloud exporter's statistic) reads about 0 while the count holds steady, so an outage at a steady rate never "
        "pages. Add its periods up in a raw SLI, sum_over_time(...[$window]) with `per: window` (docs/slo-kinds.md), "
        "or have the exporter keep a running total (the Stackdriver exporter's --monitoring.aggregate-deltas)"
    )
