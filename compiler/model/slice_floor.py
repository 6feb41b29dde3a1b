"""A time-slice or freshness SLO's `min_bad_events` counts bad slices, so a window can hold only so many.

At a 1m slice the 1h window of the page's fast pair holds 60: a platform's `min_bad_events: 100`, chosen for
request counts, made that pair a rule that can never fire. Replayed with promtool (99.9% over 30d, a probe failing
from 1h): the fast pair never fired and the page came at 2h55m, the 6h pair's first 100 bad minutes and its hold,
where the default 3 pages within minutes. Nothing said so; now it is a located error with the floor that fits.
"""

from __future__ import annotations

from compiler.model.burnrate import windows_for
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import Slo
from compiler.model.units import format_duration


def slice_floor_problem(slo: Slo, written: bool) -> str | None:
    """Why some burn pair of a sliced SLO can never fire under its `min_bad_events` (`written`: by the SLO itself,
    else inherited), or None."""
    if slo.sli.kind not in SLICE_KINDS or slo.min_bad_events <= 0:
        return None
    windows = windows_for(slo)
    dead = [w for w in windows if slo.min_bad_events * slo.slice_seconds > w.long_seconds]
    if not dead:
        return None
    slice_text = format_duration(slo.slice_seconds)
    pairs = " and ".join(
        f"the {w.long} window of its {w.tier.value} pair {w.long}/{w.short} holds {w.long_seconds // slo.slice_seconds}"
        for w in dead
    )
    source = "" if written else " (the platform's defaults.slo_alerts.min_bad_events: this SLO does not set it)"
    fits = min(w.long_seconds for w in windows) // slo.slice_seconds
    kind, which = slo.sli.kind.value.replace("_", "-"), "that pair" if len(dead) == 1 else "those pairs"
    return (
        f"min_bad_events {slo.min_bad_events}{source} counts bad {slice_text} slices on this {kind} SLI, and "
        f"{pairs}: {which} can never fire, a total outage included; set min_bad_events: {fits} or less on this SLO"
    )
