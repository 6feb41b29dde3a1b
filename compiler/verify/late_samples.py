"""`obsc verify`: an SLI whose samples arrive later than the rules read them.

An exporter may stamp each sample with the time its value describes instead of the scrape's: the CloudWatch
exporter (`set_timestamp`, on by default) writes each period's statistic `delay_seconds` (600 by default) in the
past. A rule reads an instant 5 minutes back at most and obsc's shortest windows are 5m, so those read nothing,
ever. Replayed with promtool (round 40: a raw SLI over an ALB's per-minute sums, samples 10 minutes late, emulated
by shifting every read): the healthy service ticketed SLODataMissing for good, and a 30-minute total outage paged
only on the 6h/30m pair, 25 minutes in, never on the 1h/5m pair, and opened no ticket (the coarse tier adds up 5m
windows). Read `offset 10m` inside the raw SLI, the windows hold whole periods again, 10 minutes late. Only a live
server shows the lag: the spec cannot. Raw SLIs alone are asked (one query each, more only when the 5m total
is empty): a cloud exporter's per-period statistics are read through one (a ratio SLI over them is refused), and
the remedy, an offset, can only be written in one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from compiler.errors import Location
from compiler.model import queries
from compiler.model.selector_text import selector_alone
from compiler.model.types import Sli, SliKind, Slo
from compiler.spec.document import Path
from compiler.verify.client import Prometheus, QueryRejected, sample_value
from compiler.verify.idle_source import idle_read, total_selectors

Find = Callable[[Path, Location, str], None]

LATE_FROM = 300  # seconds: the newest sample is older than any 5m window or instant read reaches
SEEN_WITHIN = 1800  # and younger than this: late, not idle for hours or gone (the metric checks say those)


def check_late_samples(slo: Slo, path: Path, prometheus: Prometheus, find: Find) -> None:
    """A finding when the SLO's total reads nothing over its last 5m while its series' newest sample is between
    LATE_FROM and SEEN_WITHIN old: a late-stamping exporter, or one that stopped minutes ago."""
    if slo.sli.kind is not SliKind.RAW:
        return
    try:
        if prometheus.query(f"count({queries.sli_total(slo.sli, '5m')})"):
            return  # the windows read data (a spec's own `offset` included)
        if idle_read(slo.sli, prometheus):
            return  # idle: the source's samples reach the windows, no request wrote one
        for series in _total_series(slo.sli):
            age = _seconds(prometheus.query(f"time() - max(max_over_time(timestamp({series})[30m:1m]))"))
            if age is not None and LATE_FROM < age <= SEEN_WITHIN:
                find(path, slo.location, _message(slo, series, math.ceil(age / 60)))
                return
    except QueryRejected:
        return  # reported where the SLI's queries are checked


def _total_series(sli: Sli) -> list[str]:
    """The selectors a raw SLI's total reads, without their offset."""
    return sorted({selector_alone(s) for s in total_selectors(sli)})


def _seconds(result: list[dict[str, object]]) -> float | None:
    return sample_value(result[0]) if result else None


def _message(slo: Slo, series: str, minutes: int) -> str:
    return (
        f"SLO {slo.name!r}: its total reads nothing over the last 5m, and the newest sample of {series} is "
        f"{minutes} minutes old: an exporter that stamps each sample with the period it describes (the CloudWatch "
        "exporter's set_timestamp, delay_seconds 600 by default) leaves every 5m window empty, so the 1h/5m page, the "
        "tickets and the budget never see a failure and SLODataMissing fires for good; read the series with "
        f"`offset {minutes}m` inside a raw SLI (its windows then end {minutes} minutes ago), or have the exporter "
        "stamp the scrape's time. If the exporter stopped that long ago, that is what to fix"
    )
