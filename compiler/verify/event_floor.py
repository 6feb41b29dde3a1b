"""`obsc verify`: an SLO whose `min_bad_events` its own traffic cannot reach in its page windows.

The floor is a count and the windows are times, so what it means depends on the service's traffic, which only a
live server knows: the platform's `min_bad_events: 100` holds back a stray failure at 10 req/s and holds back a
total outage at 0.005 req/s, whose 1h window holds 18 requests and 6h window 108. Replayed with promtool (99.9%
over 30d, 1m steps): that outage paged after 5h49m, the first 6h window to hold 100 failures, and the error-rate
page (3 failures in 5m) never fired; at 500, more than the 432 requests of a day, no page at all. A grouped
SLO's floor gates each group, so its groups are read apart (group_floor.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

from compiler.errors import Location
from compiler.model import queries
from compiler.model.burnrate import unreachable, windows_for
from compiler.model.types import BurnWindow, SliKind, Slo, Tier
from compiler.model.units import about_text, format_duration
from compiler.spec.document import Path
from compiler.verify import group_floor
from compiler.verify.client import Prometheus, QueryRejected, sample_value
from compiler.verify.recovery import lingering_page

_COUNTED = (SliKind.RATIO, SliKind.LATENCY, SliKind.RAW)  # SLIs that count events, which the floor counts
_DAY = 86400

Find = Callable[[Path, Location, str], None]


def check_event_floor(
    slo: Slo, path: Path, written: bool, prometheus: Prometheus, finds: tuple[Find, Find], objective: Path
) -> None:
    """A finding when a total outage at the last day's mean traffic holds fewer failures than `min_bad_events`
    in the SLO's fastest page window (`path`: the SLO's `min_bad_events` if `written`, else the SLO); a notice at
    the `objective` when that traffic cannot show a page's end for hours (verify/recovery.py), from the same rate.
    `finds`: (finding, notice)."""
    find, note = finds
    pages = [w for w in windows_for(slo) if w.tier is Tier.CRITICAL and not unreachable(slo, w)]
    if slo.min_bad_events <= 0 or slo.sli.kind not in _COUNTED or not pages:
        return
    groups = _group_rates(slo, prometheus)
    per_second = sum(groups.values(), Decimal(0)) if groups else None
    if per_second is None or per_second <= 0:
        return  # no traffic at all: the metric checks say so
    if lingering := lingering_page(slo, pages, per_second):
        note(objective, slo.location, lingering)
    fastest = min(pages, key=lambda w: w.long_seconds)
    source = "" if written else " (inherited: the platform's defaults.slo_alerts.min_bad_events, or the built-in 3)"
    if slo.by:
        if message := group_floor.message(slo, pages, groups, source):
            find(path, slo.location, message)
        return
    if slo.min_bad_events <= per_second * fastest.long_seconds:
        return
    find(path, slo.location, _message(slo, pages, per_second, source))


def _group_rates(slo: Slo, prometheus: Prometheus) -> dict[str, Decimal]:
    """The mean of the SLI's 5m rate over the last day where it has data, per group of a grouped SLO ({"": rate}
    for one without `by:`), in one query. A rate over [1d] divides by the whole day, and a service (or server)
    younger than a day read as nearly idle; a group's mean divides by the SLO's steps with data, not its own, so a
    tenant seen in two 5-minute steps of the day reads as its day's traffic, not as those two steps' rate."""
    if not slo.by:
        total = _mean_rate(prometheus, f"avg_over_time(sum({queries.sli_total(slo.sli, '5m')})[1d:5m])")
        return {} if total is None else {"": total}
    return group_floor.rates(prometheus, group_floor.query(slo))


def _message(slo: Slo, pages: list[BurnWindow], per_second: Decimal, source: str) -> str:
    floor = slo.min_bad_events
    held = ", ".join(f"{about_text(per_second * w.long_seconds)} in {w.long}" for w in _by_long(pages))
    text = (
        f"SLO {slo.name!r}: min_bad_events {floor}{source} is more failures than its page windows hold at the last "
        f"day's mean traffic ({about_text(per_second)} events/s, {about_text(per_second * _DAY)} a day: {held})"
    )
    able = [w for w in _by_long(pages) if per_second * w.long_seconds >= floor]
    if not able:
        text += ": even a total outage never pages"
    else:
        after = format_duration(math.ceil(floor / per_second / 60) * 60)
        pair = f"{able[0].long}/{able[0].short}"
        text += f": a total outage pages only on the {pair} pair, once {floor} have failed ({after} in)"
    fits = int(per_second * min(w.long_seconds for w in pages))
    return f"{text}; set min_bad_events: {fits} or less on this SLO (0: no floor), or page it on another SLI"


def _by_long(pages: list[BurnWindow]) -> list[BurnWindow]:
    return sorted(pages, key=lambda w: w.long_seconds)


def _mean_rate(prometheus: Prometheus, expr: str) -> Decimal | None:
    try:
        result = prometheus.query(expr)
    except QueryRejected:
        return None  # reported where the SLI's queries are checked
    value = sample_value(result[0]) if result else None
    return Decimal(repr(value)) if value is not None else None
