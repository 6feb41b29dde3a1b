"""Raw SLI queries read as per-second event rates: the min_bad_events guard multiplies a raw errors query by the
window's seconds, so a query that counts events per window (delta, changes, sum_over_time...) read one failure as
thousands; increase() is rate() times the window's seconds exactly, so it is read as rate()."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compiler.model.build_context import Ctx
from compiler.model.promql_check import reads_service_series
from compiler.spec.document import Path

# Functions that give counts or differences over their range, not per-second rates. increase() is rate()
# times the range's seconds exactly, so it is read as rate(): the same ratio, and per-second events for the
# min_bad_events guard (which multiplies by the window's seconds: one failed job read as 3,600 in an hour).
# sum_over_time and count_over_time add up a window's samples (a cloud exporter's per-minute sums, round 40:
# one failed request in a quiet hour read as 3,600 and paged); no text turns them into a rate.
_NOT_A_RATE = re.compile(r"(?<![\w:])(delta|idelta|changes|resets|sum_over_time|count_over_time)\s*\(")
_SUMS_SAMPLES = ("sum_over_time", "count_over_time")
_INCREASE = re.compile(r"(?<![\w:])increase(?=\s*\()")


def per_second(query: str) -> str:
    """A raw event query with increase() read as rate() (see _INCREASE)."""
    return _INCREASE.sub("rate", query)


def increase_notes(data: Mapping[str, Any]) -> list[str]:
    """`-v` notes: the raw SLIs whose increase() is read as rate()."""
    notes = []
    for slo in data.get("slos") or ():
        raw = (slo.get("sli") or {}).get("raw") if isinstance(slo, Mapping) else None
        per_window = isinstance(raw, Mapping) and raw.get("per") == "window"  # kept: divided by the window's seconds
        if (
            isinstance(raw, Mapping)
            and not per_window
            and any(_INCREASE.search(str(raw.get(k, ""))) for k in ("errors", "total"))
        ):
            notes.append(
                f"slo {slo.get('name')}: raw increase(...) is read as rate(...) (the same ratio; min_bad_events "
                "counts events from per-second rates)"
            )
    return notes


def counts_per_window(bodies: Mapping[str, str], ctx: Ctx, path: Path) -> bool:
    """Report raw event queries that count events per window instead of per second: the min_bad_events guard
    multiplies the rate by the window's seconds, so one failed job read as 3,600 over an hour and paged."""
    found = False
    for key in ("errors", "total"):
        match = _NOT_A_RATE.search(bodies[key])
        # A query of constants alone (`count_over_time(vector(1)[...])`) has its own error in promql_check: one each.
        if match and reads_service_series(bodies[key]):
            ctx.error((*path, key), _per_window_message(match.group(1)))
            found = True
    return found


def _per_window_message(function: str) -> str:
    said = (
        f"{function}() is not a per-second event rate, and raw errors and total are (min_bad_events multiplies them "
        "by the window's seconds"
    )
    if function not in _SUMS_SAMPLES:
        return f"{said}): write rate(...), or set min_bad_events: 0 on this SLO"
    return (
        f"{said}: one event in an hour read as 3,600, past any floor): for a counter write rate(...); for a "
        "gauge of per-period counts (a cloud exporter's `_sum`, `_sample_count`) keep it and say `per: window` "
        "beside errors and total (obsc divides each window's count by its seconds, and the floor counts events)"
    )
