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
would show the pair's gate (`slice_gate`) of bad slices in it. A 99.9% probe failing one slice in 60 paged every
hour (10 times in 10 h: a clean 30m window ended the 6h/30m pair); the line's `>= 1` (167 slices at 0.6%) kept a
30-minute outage's page 5.5 hours too long, as every window at a 1m interval is thinner. Against the windows above, 5
clean slices say little beside a 1h window at 1.7% and much beside one at 50%: tests/test_slice_outage_recovery.
The gate is 2 bad slices, or 0.45 times the fewest bad slices that fire the pair if that is less (`slice_gate`):
a burst of k slices shows about k/2 in a clean 30m window against its 1h one, so at 2 a 3-minute outage (the
floor, 3) kept the 6h/30m page until the 6h window let it go (6 hours; round 39).
Freshness (slices too) likewise; an error ratio has neither: its short ratio ends it.

An event-count burn pair also ends when its burst is over (model/burst_windows.py `event_burst_of`: the 6h/30m
page, round 42, the 1d/2h ticket, round 43, and the 3d/6h ticket, round 45): `event_burst_record` records it,
and the short window's operand reads `(S and T * N * line >= 1 or B)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from compiler import conventions as names
from compiler.model.alerts import AlertDef
from compiler.model.burnrate import (
    ONE_AND_SLACK,
    count_floor,
    error_ratio_threshold,
    recorded_windows,
    recording_tiers,
    recovery_windows,
)
from compiler.model.burst_windows import (
    EVENT_BURST_EVENTS,
    EVENT_BURST_PEAK_LEAST,
    EVENT_BURST_PEAK_SHARE,
    EVENT_BURST_SHOWN,
    EVENT_BURST_SLACK,
    burst_ends,
    event_burst_ends,
    event_burst_peak,
)
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Slo, Tier
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.coarse_history import guard_count_expr
from compiler.targets.prometheus.rule_model import Rule, label_selector, record, series

# Bad slices the windows above must show in a clean window for it to end a held pair, at most. 1 let a 1-in-60
# probe page 4-5 times in 10 h at random; 3 kept a 30-minute outage's page 13 minutes longer (README, round 34).
SLICE_GATE = Decimal(2)
# What share of a burst a clean window can show, at the least: k bad slices in a 1h window (61 slices, both ends
# counted) show 30/61 x k in a clean 30m one (0.49k). Exactly half left a 3-minute outage's page up at a 30s
# interval (1.5 against 1.475 at every other evaluation, the keep_firing_for bridging the ones between).
BURST_SHOWN = Decimal("0.45")


# A burn pair's short window starts it on one failure where a burn at the line shows at most this much of one
# there (a one-in-ten chance that the line shows a failure at all): 10 requests an hour, one in ten failing, shows
# 0.012 at a 1h/5m line of 1.44%; one stray among the 360 requests of a 30m window at a 0.14% line shows 0.5.
LONE_FAILURE = Decimal("0.1")
# "A burn at the line shows one failure" (events x line >= 1), compared with 1 less the count slack
# (burnrate.count_floor): the product of a whole count lands a few ulps under it at some evaluations.
ONE_SHOWN = decimal_text(count_floor(1))
# "Its failures less one": burnrate.ONE_AND_SLACK, so a tie stays not over.
LESS_ONE = decimal_text(ONE_AND_SLACK)


def slice_gate(slo: Slo, window: BurnWindow) -> Decimal:
    """The bad slices a clean window must be able to show for it to end `window`'s held pair: SLICE_GATE, or what
    the fewest bad slices that fire the pair (its floor, min_bad_events, or the slices its long window needs
    over the line, whichever is more) show (BURST_SHOWN of them) if that is less. A burst of k slices shows
    about k/2 (a clean 30m window against the 1h one holding it): at 2, a burst of 3 (the default floor; 3 at
    99.9% over the 6h/30m pair's 0.6% line) ended only when its long window let it go, 6 hours on. One slice in
    60 (1.7%) shows 0.5 in a clean 30m window: held at 1.35 as at 2 (tests/test_slice_outage_recovery.py). So
    does one bad slice against its 1h window: it counts as 2 (0.9), or one slice in 60 would page every hour
    where one slice fires the pair (min_bad_events: 1); a page of one slice ends when its long window lets it go."""
    slices = window.long_seconds // slo.slice_seconds
    over_line = int(error_ratio_threshold(slo, window) * slices) + 1
    return min(SLICE_GATE, max(2, slo.min_bad_events, over_line) * BURST_SHOWN)


def counted_short(short: str, window: BurnWindow, threshold: str, selector: str) -> str:
    """The short ratio where a burn at the line shows in it (events × line ≥ 1 failure). A plain `and`: both
    series carry the same labels (groups, generated lanes). A ticket pair's (`kept_within_one`) also needs room
    for one more failure under the line (events × line − failures ≥ 1): with no failure, the same count."""
    total = names.sli_total_rate(window.short) + selector
    shown = f"{total} * {window.short_seconds} * {threshold}"
    if kept_within_one(window):
        shown += f" - {names.sli_errors_rate(window.short)}{selector} * {window.short_seconds}"
    return f"({short} and {shown} >= {ONE_SHOWN})"


def short_counted(window: BurnWindow) -> bool:
    """Whether an event-count pair's short window is counted (its events and failures recorded: a fast-tier window).
    A custom catalog's short window in the coarse tier (from 1d: a 7d/1d ticket) records its ratio only, so the
    count read an unrecorded total, was never present, and the ticket held until its long window let it go: a
    30-minute outage's 3d/1d ticket up ~3 days, not ~1 (tests/test_slow_burn_ticket.py). Such a window ends and
    starts its pair on its plain ratio, as an error-ratio SLI's does: a day's window is rarely thin."""
    return not recording_tiers().is_coarse(window.short_seconds)


def kept_within_one(window: BurnWindow) -> bool:
    """Whether an event-count pair already up holds while its short window has failures and one more would put it
    over the line (`counted_short`): a ticket pair's (not `start_counted`). It starts on its plain ratio, so at
    0.05 req/s (99.9%, 30d) a steady 1.5x burn (~1.6 failures among the 6h window's ~1,080 requests) opened the
    3d/6h ticket on a second failure and closed it when one aged out (one among 1,080 reads 0.093%, under the
    0.1% line): 8 tickets in 75 hours (round 43). Held within one failure of the line, it opens once. A window
    with no failure ends it as before (a burst's ticket ends on time); a page pair holds on its plain ratio (its
    start is the converse: over the line without its newest failure)."""
    return not start_counted(window)


def sliced(ratio: str, seconds: int, above: list[str], selector: str, gate: Decimal) -> str:
    """A time-slice window's `ratio` where the highest of the series `above` it (the error ratios of the windows
    above it; a short window's, also names.SLI_BURST_OVER) shows `gate` bad slices in its slices (`slice_gate`).
    `ignoring (window) group_left`: the count's labels, `window` kept (the plain `and` joins it to the ratio on
    every label: groups, generated lanes); a one-to-one match would drop it."""
    highest = " or ".join(name + selector for name in above)
    count = names.sli_slices(format_duration(seconds)) + selector
    join = f"ignoring ({names.LABEL_WINDOW}) group_left max without ({names.LABEL_WINDOW})"
    return f"{ratio} and {count} * {join} ({highest}) >= {decimal_text(count_floor(gate))}"


def counted_step(slo: Slo, window: BurnWindow, seconds: int, threshold: str, selector: str) -> str:
    """A step window's ratio (inside the holds' `max without (window)`) where a burn at the line (time slices:
    at the windows above it) shows in it; the plain ratio for an error-ratio SLI."""
    ratio = names.sli_error_ratio(format_duration(seconds)) + selector
    if slo.sli.kind in SLICE_KINDS:
        above = [
            names.sli_error_ratio(format_duration(s)) for s in _reads(recorded_windows(slo), window) if s > seconds
        ]
        return sliced(ratio, seconds, above, selector, slice_gate(slo, window))
    if slo.sli.kind in UNCOUNTED_KINDS:
        return ratio
    total = names.sli_total_rate(format_duration(seconds)) + selector
    return f"{ratio} and {total} * {seconds} * {threshold} >= {ONE_SHOWN}"


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
    holds: list[str], slo: Slo, window: BurnWindow, short: str, threshold: str, selector: str, pairs: list[BurnWindow]
) -> list[str]:
    """`holds`, the short window's side as slo.py writes it, its `unless` operand (the line `  <short>`) read
    through `counted_short` for an event-count SLO, through `sliced` for time slices; `pairs`: the SLO's burn pairs
    (whose burst records slo.py writes)."""
    if slo.sli.kind in SLICE_KINDS:
        above = [names.sli_error_ratio(format_duration(s)) for s in _reads(recorded_windows(slo), window)]
        if _ends_by_burst(burst_ends(slo, pairs), window):  # 1 when the burst is over: model/burst_windows.py
            above.insert(-1, names.SLI_BURST_OVER)  # before the long window, which reads last (lanes, tests)
        ends = f"  ({sliced(short, window.short_seconds, above, selector, slice_gate(slo, window))})"
    elif slo.sli.kind in UNCOUNTED_KINDS or not short_counted(window):
        return holds
    else:
        ends = f"  {counted_short(short, window, threshold, selector)}"
        if _ends_by_burst(event_burst_ends(slo, pairs), window):  # 1 when the burst is over (round 42)
            over = names.SLI_BURST_OVER + selector[:-1] + f',{names.LABEL_WINDOW}="{window.short}"' + "}"
            ends = f"{ends[:-1]} or {over})"
    return [ends if line == f"  {short}" else line for line in holds]


def _ends_by_burst(ends: dict[int, tuple[int, int]], window: BurnWindow) -> bool:
    """Whether the pair `window` reads a burst record: the SLO's records are those of all its pairs (`ends`, as
    the records are written), none for a short window two pairs over different long windows share. Asked of the
    pair alone, each of two such pairs read a record nobody wrote (a drawn catalog, round 43)."""
    end = ends.get(window.short_seconds)
    return end is not None and end[1] == window.long_seconds


def start_counted(window: BurnWindow) -> bool:
    """Whether an event-count pair's short window starts it only without its newest failure
    (`started_by_counted_short`): a page pair's (the critical tier) only. A ticket pair starts on the plain ratio:
    its 6h window (3d/6h) at 0.01 req/s (99.9%, 30d) holds one failure at most, so a steady 2x burn, the budget
    gone in 15 days, never ticketed in 75 hours (round 42; round 41 ticketed it from minute 2,510). A stray
    failure after a burst may open a ticket again for at most its short window: a duplicate ticket is a lesser
    harm than a budget burning out unticketed; a second page at night is not (seed 74, round 42)."""
    return window.tier is Tier.CRITICAL


def started_by_counted_short(
    holds: list[str],
    slo: Slo,
    window: BurnWindow,
    short: str,
    threshold: str,
    selector: str,
    held: str,
    paged: str = "",
    up: tuple[str, str] = ("", ""),
) -> list[str]:
    """`holds` with a page pair's short window's start side (the line `  <short> > <line>`) over the line only if it
    stays so without its newest failure (`S > line and (E x N - 1 > T x N x line or ...)`: its failures less one
    over the failures a burn at the line shows among its events, T x N) for an event-count SLO, or while the pair's own
    alert (`held`) is up: the converse of `counted_short`. One failure still starts it where a burn at the line
    shows at most LONE_FAILURE of one there (it is then most unlikely at the line): at 10 requests an hour, one in
    ten failing (100x), no 5m or 30m window ever held two failures, and the pages never fired
    (tests/test_burn_gaps.py). At 0.2 req/s (99.9%, 7d) one failure among the ~360
    requests of a 30m window reads 0.28% against the 6h/30m pair's 0.14% line (a burn at the line shows 0.5
    there); after a one-minute outage filled the 6h window, one stray failure paged again (round 42). A pair
    already up holds on the plain ratio, or a burn near the line would end and start again.
    One failure starts it only while no page of its SLO fired within its long window (`paged`: `paged_within`):
    after a page, the long window and the min_bad_events guard still hold the outage, and at 0.05 req/s (99.95%,
    7d: 0.063 of a failure at the 6h/30m line) one stray failure 2 hours after a 60-minute outage paged again for
    45 minutes (round 48). Then it starts on its failures less one, as a busy service's always does: where the line
    shows more than LONE_FAILURE the branch is empty either way, so a busy pair fires as before (round 49).
    The events are read from the short window's recorded total T (round 42 wrote E x N / S, the same events read
    from the errors and the ratio again): 6 series a start, not 8 (round 43: the start made each burn alert 60%
    longer, and Prometheus prints and parses each alert's expression at every evaluation). `S > line and` comes
    first: it needs events (the ratio rule writes nothing without), where the errors less one alone would start on
    failures with no events.
    A time-slice page pair (`paged`: `paged_within`, its SLO's page firing within the pair's long window) starts
    on its plain ratio while no page of its SLO fired within its long window, else only on its bad slices less
    one (`B - 1 > C x line`, B and C the short window's bad and all slices, counted once a slice:
    slo_kinds._per_slice). After a 60-minute outage of a 99.95%/7d probe one bad slice 68 minutes later paged
    again for 17 minutes while the 6h window and the guard still held the outage (drawn47, seed 4153). Not the
    less-one alone: slices are never thin, and a steady burn of one bad slice an hour (16.7x at 99.9%) never holds
    two in a 30m or 5m window, so its first page would never come (tests/test_slice_outage_recovery.py). Counted,
    not read from the ratio: at a 15s evaluation one failed 1m scrape is 4 bad evaluations of 121 in 30m, read as
    1.02 slices: "less one" would start on it at a 0.07% line.
    The restart floor holds a new incident only (`up`: `paged_now`, a page pair of the SLO firing now, and this
    pair's own firing ALERTS): while a page is up, the pair taking it over or back starts as before round 50, on
    its failures less one, where a burn at the line shows a failure in its short window (`_floored`). Not on one
    failure: round 51 waived the lone-failure branch's `unless` too, and one stray in the fast page's kept tail
    (its keep_firing_for, its condition already false) started the 6h/30m pair, whose 15m `for` outlived the
    page: at 0.05 req/s (99.95%/7d, floor 3) one failure 85 minutes after a 20-minute outage paged 2-93 and again
    100-116 (round 52, tests/test_event_stray_while_paged.py). At 99.9%/90d with min_bad_events 50
    (a 5m window at 1.25x the 1h/5m line holds ~8 failures) the 1h/5m pair could not take a page back from the
    6h/30m pair, whose keep_firing_for (2m) then ended the page while the 1h window burned (round 50, found by
    obsc's own hand-over case; tests/test_restart_floor_handover.py)."""
    if not start_counted(window) or not short_counted(window):
        return holds
    over = f"{short} > {threshold}"
    on = held.removeprefix("and ").partition(") ")[0] + ")"  # `on (service, slo)`: the hold's labels
    floored = floor_bites(slo, window)
    floor = decimal_text(count_floor(restart_floor(slo.min_bad_events)))
    if slo.sli.kind in SLICE_KINDS:
        bad, slices = (f"{name(window.short)}{selector}" for name in (names.sli_bad_slices, names.sli_slices))
        again = f"{bad} - {LESS_ONE} > {slices} * {threshold}"
        first = f"{short} unless {on} {paged}"  # no page of the SLO fired within the long window
        start = f"({over} and ({again} or {first}) or {over} {held})"
        if floored:  # after a page, the new burn's own bad slices meet the floor (round 50)
            start = _floored(start, bad, floor, f"{slices} * {threshold}", on, paged, up)
        return [f"  {start}" if line == f"  {over}" else line for line in holds]
    if slo.sli.kind in UNCOUNTED_KINDS:
        return holds
    failed = f"{names.sli_errors_rate(window.short)}{selector} * {window.short_seconds}"
    shown = f"{names.sli_total_rate(window.short)}{selector} * {window.short_seconds} * {threshold}"
    lone = f"{shown} <= {decimal_text(LONE_FAILURE)}"
    # after a page: failures less one over the line (a first page only may start on one, round 49)
    start = f"({over} and ({failed} - {LESS_ONE} > {shown} or {lone} unless {on} {paged}) or {over} {held})"
    if floored:  # and the floor of its own (round 50)
        start = _floored(start, failed, floor, shown, on, paged, up)
    return [f"  {start}" if line == f"  {over}" else line for line in holds]


def _floored(start: str, count: str, floor: str, shown: str, on: str, paged: str, up: tuple[str, str]) -> str:
    """`start` (its own side, `S > L` with its hold) refused while a page fired within the long window, none is up,
    and the short window's `count` of failures (bad slices) is under the `floor`. A page up waives the floor (a
    hand-over, round 51) only where a burn at the line `shown` there is one failure or more: there the start's
    failures less one over the line say burn. In a thinner window few failures are the strays the floor is for
    (round 53). Both sides, so a pair that started while a page was up is held by its own pending ALERTS only
    while it is: its `for` once outlived the page and paged again (round 53)."""
    waived = f"({shown} >= {ONE_SHOWN} and {on} {up[0]} or {count} {up[1]})"
    return f"({start} unless ({count} < {floor} and {on} {paged} unless {waived}))"


def restart_floor(min_bad_events: int) -> int:
    """The failures (bad slices) a page pair's short window must hold of its own to start once a page of its SLO
    fired within its long window (`paged_within`): the SLO's `min_bad_events`, or 0 (none asked). After a page the
    long window and the guard still hold the outage, so the guard no longer tells a burn from a stray: at 0.2
    req/s (99.9%/7d, floor 3) two failures 21 minutes apart, two hours after an outage, paged 224-249 (their
    less one, 1, over the 0.5 a burn at the 6h/30m line shows among the 30m window's 360 requests); two bad
    slices in 30m did the same for a probe (rounds 48, 49). A fresh SLO's guard asks the long window for the
    floor; after a page the short window, the new burn's, must hold it. A busy pair is unchanged: where a burn at
    the line shows floor - 1 failures, its failures less one over that already hold the floor. At 2 or less the
    less-one is the floor already (its failures less one over nothing: 2), so the text stays round 49's.
    The floor is compared in the short window's own series (`F < floor and on (service, slo) paged`), not joined
    `on (service, slo)` to it: generated lanes share a rule, and one lane's count would have let every lane start."""
    return min_bad_events if min_bad_events > 2 else 0


def floor_bites(slo: Slo, window: BurnWindow) -> bool:
    """Whether the restart floor can refuse a start of `window`'s pair that its less-one rule lets through. After a
    page a pair starts on F failures (bad slices) less one over the line L among T >= F events (slices): F (1 - L)
    > 1 at the least, so no whole number of failures under the floor starts it where (floor - 1) (1 - L) <= 1 (at
    floor 3, any line of 0.5 or more), and the floor's clause and its page-up read would change nothing but a
    rate's extrapolation: low objectives' 0.75 line at floor 3 needs more than 4 failures (round 52: the sweeps
    found the waiver's mutants there alive)."""
    floor = restart_floor(slo.min_bad_events)
    return floor > 0 and (floor - 1) * (1 - window.factor(slo.period_seconds) * slo.error_budget) > 1


def paged_within(alert: str, own: Mapping[str, str], window: BurnWindow) -> str:
    """Whether the SLO's page (`alert`, any of its pairs) fired within `window`'s long window: its firing ALERTS
    over that range (a page that resolved is stale there, not gone). The outage that fired it is then still in
    the long window, and one more bad slice is no new burn (`started_by_counted_short`)."""
    firing = label_selector({**own, names.LABEL_ALERTNAME: alert, names.LABEL_ALERTSTATE: "firing"})
    return f"max_over_time({names.ALERTS_SERIES}{firing}[{window.long}])"


def paged_now(alert: str, own: Mapping[str, str]) -> str:
    """Whether a page pair of the SLO (`alert`) is firing: its ALERTS as the group reads the previous evaluation's
    (at most 5m old: defaults.slo_alerts.evaluation_interval). A pair's ALERTS always carries its burn_window
    (model/alerts.py), so `burn_window!=""` reads the pairs' pages; the generated cases feed a page that fired and
    resolved (slo_state.Feed, `_State.paged`) without one. After the page resolves the restart floor holds from
    the next evaluation (`started_by_counted_short`)."""
    firing = label_selector({**own, names.LABEL_ALERTNAME: alert, names.LABEL_ALERTSTATE: "firing"})
    return f'{names.ALERTS_SERIES}{firing[:-1]},{names.LABEL_BURN_WINDOW}!=""}}'


def slice_started(slo: Slo, alerts: list[AlertDef]) -> set[int]:
    """The short windows whose bad slices a time-slice SLO's page pairs (of `alerts`) count to start
    (`started_by_counted_short`)."""
    if slo.sli.kind not in SLICE_KINDS:
        return set()
    pairs = (a.window for a in alerts if a.window is not None)
    return {w.short_seconds for w in pairs if start_counted(w) and short_counted(w)}


def event_burst_record(
    own: dict[str, str], short: int, burst: int, long: int, coarse_read: str = "", peak: int | None = None
) -> Rule:
    """names.SLI_BURST_OVER of an event-count pair (model/burst_windows.py `event_burst_of`): 1 while its short
    window is clean with EVENT_BURST_EVENTS events or more, those events times the burst window's ratio reach
    EVENT_BURST_SHOWN failures, and every failure of the long window lies in the burst window (errors rate x
    seconds, EVENT_BURST_SLACK for the rates' extrapolation); absent otherwise. Joined `ignoring (window)`: every
    other label (groups, generated lanes) matches, so each series says so of its own events; the record keeps the
    first operand's labels (the short window's), so no `group_left` is needed: a one-to-one product drops `window`,
    and the `and` around it ignores it. (Without a `group_*` word the generated tests' placement, hosts.py, which
    searches rule texts for fed names such as `up` as substrings, no longer reads every burn alert as reading `up`.)
    `coarse_read`: the burst window's failures as the coarse tier counts them (`young_burst_read`), a second way
    for every failure to lie inside it. With a `peak` window (a page's: burst_windows.event_burst_peak) the
    density gate also passes on a dense burst: the burst window's busiest `peak` holds EVENT_BURST_PEAK_LEAST
    failures and EVENT_BURST_PEAK_SHARE of them."""
    name = {s: format_duration(s) for s in (short, burst, long)}
    events = f"{series(names.sli_total_rate(name[short]), own)} * {short}"
    join = f"ignoring ({names.LABEL_WINDOW})"
    clean = f"({series(names.sli_error_ratio(name[short]), own)} == 0) + 1"
    dense = f"{events} * {join} {series(names.sli_error_ratio(name[burst]), own)} >= {_floor(EVENT_BURST_SHOWN)}"
    failures = [f"{series(names.sli_errors_rate(name[s]), own)} * {s}" for s in (long, burst)]
    if peak is not None:
        dense += f"\nor {_dense_peak(own, peak, burst, failures[1])}"
    slack = decimal_text(EVENT_BURST_SLACK)
    inside = f"{failures[0]} <= {join} {failures[1]} + {slack}"
    if coarse_read:
        inside += f"\nor\n{failures[0]} <= {join} {coarse_read} + {slack}"
    expr = f"{clean}\nand {events} >= {_floor(EVENT_BURST_EVENTS)}\nand {join}\n({dense})\nand {join}\n({inside})"
    return record(names.SLI_BURST_OVER, expr, {**own, names.LABEL_WINDOW: name[short]})


def _dense_peak(own: dict[str, str], peak: int, burst: int, failed: str) -> str:
    """The busiest `peak` seconds of the `burst` window hold EVENT_BURST_PEAK_LEAST failures or more and
    EVENT_BURST_PEAK_SHARE of its failures (`failed`) or more: the recorded peak rate's highest over the window."""
    busiest = f"max_over_time({series(names.sli_errors_rate(format_duration(peak)), own)}[{format_duration(burst)}])"
    least = f"{busiest} * {peak} >= {_floor(EVENT_BURST_PEAK_LEAST)}"
    return f"({least}) >= ignoring ({names.LABEL_WINDOW}) {failed} * {decimal_text(EVENT_BURST_PEAK_SHARE)}"


def event_burst_records(slo: Slo, own: dict[str, str], alerts: list[AlertDef]) -> tuple[list[Rule], list[Rule]]:
    """`event_burst_record` of each of the `alerts`' pairs whose burst may end it (none for other SLI kinds): the
    fast tier's, and the coarse tier's (a ticket's: its long window, or its burst window, recorded there every
    coarse interval). A record of the 1m group reading a 5m one sees it only part of the time: a sample 5 minutes
    old is past the lookback, so a ticket's record would be absent at every coarse evaluation's edge."""
    ends = event_burst_ends(slo, [a.window for a in alerts if a.window is not None])
    recorded = recorded_windows(slo)
    fast: list[Rule] = []
    coarse: list[Rule] = []
    for short, (burst, long) in sorted(ends.items()):
        tier = coarse if recording_tiers().is_coarse(long) else fast
        young = young_burst_read(slo, own, burst, long)
        tier.append(event_burst_record(own, short, burst, long, young, event_burst_peak(recorded, short, long)))
    return fast, coarse


def young_burst_read(slo: Slo, own: dict[str, str], burst: int, long: int) -> str:
    """The failures of a fast-tier `burst` window as the coarse tier counts them (its samples, the span since the
    SLO was first seen: coarse_history.guard_count_expr), for a pair whose `long` window the guard counts there
    (the 1d/2h ticket's 6h); "" for other pairs. The guard's span gives the first sample its whole 5m, right at
    the coarse interval; evaluated more often (promtool, every generated test and replay) a young SLO's count
    over-read by the share of its first sample: 23.61 of 23 failures 90 minutes after a 30-minute outage at
    0.01 req/s, past the raw 6h window's count and its slack, so a ticket opened in the SLO's first hours waited
    for its 1d window (up 75 -> 1,529). Read with the same span, the burst window's count is the long one's while
    every failure the coarse tier saw lies in it, however often it is evaluated; the raw comparison stays (an SLO
    deployed over old counters ends as before)."""
    tiers = recording_tiers()
    if not tiers.is_coarse(long) or tiers.is_coarse(burst):
        return ""
    bridge = min(w.short_seconds for w in slo.windows if w.long_seconds == long)
    return guard_count_expr(label_selector(own), format_duration(burst), burst, bridge)


def _floor(count: int) -> str:
    """A whole count as the burst record compares with it (burnrate.count_floor)."""
    return decimal_text(count_floor(count))
