"""`obsc verify`: the groups of a grouped SLO whose own traffic cannot reach `min_bad_events` in a page window.

A grouped SLO (`by: [tenant]`) pages per group, and its burn pairs gate per group too (`slo:sli_errors:rate1h *
3600 >= min_bad_events` keeps the group's labels), so the floor is a count each group must reach on its own. The
whole SLO's traffic says nothing of its quietest group: 100 req/s in all and a tenant at 0.01 req/s holds 36
requests in an hour, and under the platform's `min_bad_events: 100` that tenant's total outage never pages on the
1h/5m pair, however busy the others are. One query per SLO reads every group's mean (event_floor.py).

A group with under one event in the day is left out: it is a series exported at 0 (a client library that creates
each tenant's counter up front) or a stray value (a scanner's route), whose total outage fails nobody, and no
floor but 0 would page it; listing such groups would bury the tenants whose outages go unpaged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal

from compiler.model import queries
from compiler.model.groups import by_clause
from compiler.model.types import BurnWindow, SliKind, Slo
from compiler.model.units import about_text, format_duration
from compiler.verify.client import Prometheus, QueryRejected

_DAY = 86400
_NAMED = 3  # groups named in the finding; the rest are counted


def query(slo: Slo) -> str:
    """Each group's mean 5m rate over the last day: its rates summed over the day's 5m steps, divided by the
    steps where the SLO had any data (scalar() of the whole SLO's count), so a group seen in a few steps is not
    read as busy as in those steps."""
    total = queries.sli_total(slo.sli, "5m", slo.by)
    # a raw SLI's total keeps its groups' labels (compile checks it) but is not summed by them
    per_group = f"sum{by_clause(slo.by)}({total})" if slo.sli.kind is SliKind.RAW else total
    return f"sum_over_time({per_group}[1d:5m]) / scalar(count_over_time(sum({per_group})[1d:5m]))"


def rates(prometheus: Prometheus, expr: str) -> dict[str, Decimal]:
    """{'tenant="acme"': mean events/s} for each group with a finite mean; {} when the query is refused."""
    try:
        result = prometheus.query(expr)
    except QueryRejected:
        return {}  # reported where the SLI's queries are checked
    out: dict[str, Decimal] = {}
    for series in result:
        try:
            labels, value = series["metric"], float(series["value"][1])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        if math.isfinite(value) and isinstance(labels, dict):
            out[", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items()))] = Decimal(repr(value))
    return out


def message(slo: Slo, pages: Sequence[BurnWindow], groups: dict[str, Decimal], source: str) -> str | None:
    """The finding for the groups (with traffic) whose total outage holds fewer failures than `min_bad_events`
    in the fastest page window, the busiest of them named; None when every group reaches it."""
    floor = slo.min_bad_events
    fastest = min(pages, key=lambda w: w.long_seconds)
    counted = {group: rate for group, rate in groups.items() if rate * _DAY >= 1}
    short = sorted(
        ((group, rate) for group, rate in counted.items() if rate * fastest.long_seconds < floor),
        key=lambda item: (-item[1], item[0]),
    )
    if not short:
        return None
    idle = len(groups) - len(counted)
    label = ", ".join(f"`{name}`" for name in slo.by)
    named = "; ".join(_group_text(group or "(no label)", rate, pages, floor) for group, rate in short[:_NAMED])
    more = f"; and {len(short) - _NAMED} quieter" if len(short) > _NAMED else ""
    left_out = f" ({idle} with under one event a day left out)" if idle else ""
    fits = int(min(rate for _, rate in short) * fastest.long_seconds)
    return (
        f"SLO {slo.name!r}: min_bad_events {floor}{source} is more failures than the {fastest.long} page window "
        f"holds for {len(short)} of its {len(counted)} {label} groups{left_out} at the last day's mean traffic, "
        f"busiest first: {named}{more}; set min_bad_events: {fits} or less on this SLO (0: no floor), or give the "
        "quiet groups an SLO of their own"
    )


def _group_text(group: str, rate: Decimal, pages: Sequence[BurnWindow], floor: int) -> str:
    fastest = min(pages, key=lambda w: w.long_seconds)
    held = f"{group} {about_text(rate)} events/s, {about_text(rate * fastest.long_seconds)} in {fastest.long}"
    able = sorted((w for w in pages if rate * w.long_seconds >= floor), key=lambda w: w.long_seconds)
    if not able:
        return f"{held}: a total outage never pages"
    after = format_duration(math.ceil(floor / rate / 60) * 60)
    return f"{held}: pages only on the {able[0].long}/{able[0].short} pair ({after} in)"
