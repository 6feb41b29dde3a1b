"""`obsc verify`: an SLI whose series arrive in copies, one per Prometheus of a high-availability pair.

Each replica of an HA pair scrapes the same targets and stamps its samples with an external label (`replica`,
`prometheus_replica`); read through federation or a store that does not deduplicate, every series is there twice
and `sum(rate(...))` counts each event twice. The ratio holds; the floors do not. Replayed with promtool (round 41: a
99.9%/30d SLO with `min_bad_events: 5`, 2 requests a minute, 3 failed requests in one minute, each series in two
copies): the 3 failures read as 6 and paged from the 5th to the 45th minute after them, and ticketed; read once
they page nothing. Only a live server shows the copies. On a server holding a replica label (one request a run
says), one query per such label and SLO until one has copies; a counter a raw SLI reads one copy of (`max without
(replica)`) is not asked about that label, another counter the same total adds to it is (round 42).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from compiler.errors import Location
from compiler.model import promql_tree, queries
from compiler.model.replica_copies import REPLICA_LABELS, selectors_read_whole
from compiler.model.types import SliKind, Slo
from compiler.spec.document import Path
from compiler.verify.client import Prometheus, QueryRejected, sample_value
from compiler.verify.late_samples import check_late_samples

Find = Callable[[Path, Location, str], None]
# what sli_total reads with no series of its own: a time slice's gauge, a freshness timestamp, one ratio
_NOT_COUNTED = (SliKind.TIME_SLICE, SliKind.FRESHNESS, SliKind.ERROR_RATIO)


def check_total_series(
    slo: Slo, path: Path, prometheus: Prometheus, label_names: Callable[[], list[str]], find: Find
) -> None:
    """What the series an SLO's total reads look like on the server: later than its windows (late_samples.py), or
    in copies (asked only of a server holding a replica label at all: `label_names`, fetched once a run)."""
    check_late_samples(slo, path, prometheus, find)
    if slo.sli.kind not in _NOT_COUNTED:
        held = set(label_names())
        check_series_copies(slo, path, prometheus, [label for label in REPLICA_LABELS if label in held], find)


def check_series_copies(slo: Slo, path: Path, prometheus: Prometheus, labels: list[str], find: Find) -> None:
    """A finding when the series the SLO's total reads come in copies that differ only by one of `labels`."""
    if not labels:
        return
    try:
        tree = promql_tree.parse(queries.sli_total(slo.sli, "5m"))
    except (ValueError, TypeError):
        return
    try:
        for label in (label for label in labels if label not in slo.by):
            for selector in selectors_read_whole(tree, label):
                copies = _most_copies(prometheus, selector, label)
                if copies > 1:
                    find(path, slo.location, _message(slo, selector, label, copies))
                    return
    except QueryRejected:
        return  # reported where the SLI's queries are checked


def _most_copies(prometheus: Prometheus, selector: str, label: str) -> int:
    """The most series of `selector` alike but for `label` (1 when none share; 0 with no series)."""
    found = prometheus.query(f"max(count without ({label}) ({selector}))")
    value = sample_value(found[0]) if found else None
    return int(value) if value is not None and math.isfinite(value) else 0


def _message(slo: Slo, selector: str, label: str, copies: int) -> str:
    floor = slo.min_bad_events
    halved = (
        f"its min_bad_events of {floor} is met by {math.ceil(floor / copies)} failed events"
        if floor > 0
        else "a floor it sets would be met by a fraction of the events"
    )
    return (
        f"SLO {slo.name!r}: the series of {selector} arrive {copies} times, alike but for {label} (a "
        f"high-availability pair's external label, read through federation or a store that does not deduplicate): "
        f"every event counts {copies} times, so the ratio holds but {halved}, and the error-rate alert's floor and "
        f"counter lines likewise; deduplicate before these rules read (evaluate them where each series is one, or "
        f"through a query layer deduplicating on {label}), or read one copy in a raw SLI: "
        f"sum(max without ({label}) (rate(<counter>{{$selector}}[$window])))"
    )
