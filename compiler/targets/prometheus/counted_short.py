"""Which short window may end a held burn pair: one with events (or time slices) enough to show a failure.

A held pair (slo.py `_short_window_holds`) ends when its short window has a ratio under the line. With a few
events that says nothing: at 10 req/h, one in ten failing (100x at 99.9%), 5 clean requests in 30m (0.03
failures at the 0.6% line) ended the page each hour, and it paged again 16 minutes later. The short ratio ends
the pair only where its events times the line reach one failure; a thinner window is held like an empty one.
The windows between short and long (`steps`: 1h and 2h of the 6h/30m pair) that decide when the short window
cannot are counted the same way (`counted_step`): at 10 req/h a clean 1h window (10 requests, 0.06 failures at
the line; 35% of hours when one in ten fails at random) ended the page, which fired again 15 minutes later. A
thin step is passed over like an empty one: the next longer window decides.

Time slices have no events; their slices (one a scrape, at least a minute: not one an evaluation, or one failed
1m scrape was 4 bad slices at a 15s interval) are counted instead, against the highest ratio
of the windows between the window and the long one, not the line: a window ends the pair only if that ratio
would show SLICE_GATE bad slices in it. A 99.9% probe failing one slice in 60 paged every hour (10 times in
10 h: a clean 30m window ended the 6h/30m pair); the line's `>= 1` (167 slices at 0.6%) kept a 30-minute
outage's page 5.5 hours too long, as every window at a 1m interval is thinner. Against the windows above, 5
clean slices say little beside a 1h window at 1.7% and much beside one at 50%: tests/test_slice_outage_recovery.
Freshness (slices too) likewise; an error ratio has neither: its short ratio ends it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from compiler import conventions as names
from compiler.model.alerts import AlertDef
from compiler.model.burnrate import recorded_windows, recovery_windows
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Slo
from compiler.model.units import format_duration

# Bad slices the windows above must show in a clean window for it to end a held pair. 1 let a 1-in-60 probe
# page 4-5 times in 10 h at random; 3 kept a 30-minute outage's page 13 minutes longer (README, round 34).
SLICE_GATE = 2


def counted_short(short: str, window: BurnWindow, threshold: str, selector: str) -> str:
    """The short ratio where a burn at the line shows in it (events × line ≥ 1 failure). A plain `and`: both
    series carry the same labels (groups, generated lanes)."""
    total = names.sli_total_rate(window.short) + selector
    return f"({short} and {total} * {window.short_seconds} * {threshold} >= 1)"


def sliced(ratio: str, seconds: int, above: list[int], selector: str) -> str:
    """A time-slice window's `ratio` where the highest ratio of the windows `above` it shows SLICE_GATE bad
    slices in its slices. `ignoring (window) group_left`: the count's labels, `window` kept (the plain `and`
    joins it to the ratio on every label: groups, generated lanes); a one-to-one match would drop it."""
    highest = " or ".join(names.sli_error_ratio(format_duration(s)) + selector for s in above)
    count = names.sli_slices(format_duration(seconds)) + selector
    join = f"ignoring ({names.LABEL_WINDOW}) group_left max without ({names.LABEL_WINDOW})"
    return f"{ratio} and {count} * {join} ({highest}) >= {SLICE_GATE}"


def counted_step(slo: Slo, window: BurnWindow, seconds: int, threshold: str, selector: str) -> str:
    """A step window's ratio (inside the holds' `max without (window)`) where a burn at the line (time slices:
    at the windows above it) shows in it; the plain ratio for an error-ratio SLI."""
    ratio = names.sli_error_ratio(format_duration(seconds)) + selector
    if slo.sli.kind in SLICE_KINDS:
        return sliced(ratio, seconds, [s for s in _reads(recorded_windows(slo), window) if s > seconds], selector)
    if slo.sli.kind in UNCOUNTED_KINDS:
        return ratio
    return f"{ratio} and {names.sli_total_rate(format_duration(seconds))}{selector} * {seconds} * {threshold} >= 1"


def _reads(recorded: Sequence[int], window: BurnWindow) -> list[int]:
    """The windows a held pair reads: its steps (of the `recorded`) and its long window, ascending."""
    return [*recovery_windows(recorded, window), window.long_seconds]


def slice_counted(slo: Slo, alerts: list[AlertDef]) -> list[int]:
    """The windows whose slices a time-slice SLO's burn pairs (of `alerts`) count (`sliced`): shorts and steps."""
    if slo.sli.kind not in SLICE_KINDS:
        return []
    return slice_windows(recorded_windows(slo), [a.window for a in alerts if a.window is not None])


def slice_windows(recorded: Sequence[int], pairs: Iterable[BurnWindow]) -> list[int]:
    """The short windows and steps (of the `recorded`) of the burn `pairs`, ascending."""
    return sorted({s for w in pairs for s in [w.short_seconds, *_reads(recorded, w)[:-1]]})


def ended_by_counted_short(
    holds: list[str], slo: Slo, window: BurnWindow, short: str, threshold: str, selector: str
) -> list[str]:
    """`holds`, the short window's side as slo.py writes it, its `unless` operand (the line `  <short>`) read
    through `counted_short` for an event-count SLO, through `sliced` for time slices."""
    if slo.sli.kind in SLICE_KINDS:
        ends = f"  ({sliced(short, window.short_seconds, _reads(recorded_windows(slo), window), selector)})"
    elif slo.sli.kind in UNCOUNTED_KINDS:
        return holds
    else:
        ends = f"  {counted_short(short, window, threshold, selector)}"
    return [ends if line == f"  {short}" else line for line in holds]
