"""The constant inputs of an SLO alert case (`_State`) and their series (state_packing.py joins them)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.burnrate import recorded_windows, recording_tiers
from compiler.model.burst_windows import (
    EVENT_BURST_EVENTS,
    EVENT_BURST_SHOWN,
    EVENT_BURST_SLACK,
    burst_ends_of,
    event_burst_ends_of,
)
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import BurnWindow, Service, Slo, Tier
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.alerts_reads import owned_by
from compiler.targets.prometheus.counted_short import (
    ONE_SHOWN,
    SLICE_GATE,
    kept_within_one,
    short_counted,
    start_counted,
)
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.promtool.coarse_seen import coarse_read_inside, history_start, seen_since
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.pair_start import floored, starts
from compiler.targets.prometheus.promtool.peak_gate import dense_peak, rule_floor
from compiler.targets.prometheus.promtool.series import constant, fed
from compiler.targets.prometheus.promtool.slice_counts import counted, sliced_windows
from compiler.targets.prometheus.slo import own_alert_labels, since_recorded, slo_labels, window_labels

_Numbers = tuple[Decimal, Decimal, float, float]  # see _State.window


@dataclass
class _State:
    """Constant inputs of one case: an error ratio per fast window, one for the coarse tier, and traffic.
    Set it up before reading it: what a window holds is worked out on the first read (`window`)."""

    ratios: dict[int, Decimal] = field(default_factory=dict)  # fast window seconds → error ratio
    coarse: Decimal = Decimal(0)
    total: Decimal = Decimal(1)  # events/s, in every window not listed in `totals`
    totals: dict[int, Decimal] = field(default_factory=dict)  # window seconds (or _COARSE) → events/s
    # names (`burn_window`) of the pairs whose alert is already pending or firing (their ALERTS series fed): only
    # those hold through a short window with no events (slo.py). Not their long windows: two pairs may share one
    held: frozenset[str] = frozenset()
    # names of the pairs whose alert is only pending (ALERTS{alertstate="pending"} fed): a pair of the fast tier
    # reads its plain ALERTS and holds on it; a coarse one (a ticket) reads the firing state alone (slo.py
    # `_own_alerts`), so a pending ticket is held by its start side only (`holding`)
    pending: frozenset[str] = frozenset()
    # time slices: window seconds → bad slices fed for its count in place of its bad rate times its seconds (a
    # coarse window apart from the coarse tier's one ratio: a burst over, slo_pair_states.burst_states)
    counts: dict[int, Decimal] = field(default_factory=dict)
    # seconds of history the coarse tier has seen at every evaluation (0: a whole period): each coarse window then
    # reads `coarse` times the share of it they cover, and its failures those of that history alone (`rates` feeds
    # names.SLI_COARSE_SINCE so: coarse_history.py). A day seen: every failure of a 3d window lies in its 1d one
    # (an event-count burst over: slo_pair_states.event_burst_states)
    coarse_seen: int = 0
    # a page of the SLO fired within the long windows and resolved (its firing ALERTS fed without a pair's
    # `burn_window`, which counted_short.paged_now does not read): a time-slice page pair then starts only on its
    # bad slices less one, either kind on its restart floor (counted_short.started_by_counted_short)
    paged: bool = False
    _windows: dict[int, _Numbers] = field(default_factory=dict, repr=False)  # memo of window()

    def holding(self, w: BurnWindow) -> bool:
        """Whether the pair `w`'s own alert, as its rule reads it, is already up (its hold may hold it)."""
        return w.name in self.held or (w.name in self.pending and not _is_coarse(w.long_seconds))

    def window(self, seconds: int) -> _Numbers:
        """(events/s, bad events/s, bad events/s as Prometheus reads them, the ratio rule's value) of a window:
        the oracle reads each window of a state for every rule of the SLO."""
        known = self._windows.get(seconds)
        if known is None:
            if _is_coarse(seconds):
                ratio, total = self.coarse, self.totals.get(_COARSE, self.total)
                if self.coarse_seen:
                    ratio = ratio * min(Decimal(1), Decimal(self.coarse_seen) / seconds)
            else:
                ratio, total = self.ratios.get(seconds, _ZERO), self.totals.get(seconds, self.total)
            known = self._windows[seconds] = (total, *_numbers(ratio, total))
        return known

    def fed(self, seconds: int) -> bool:
        """Whether the window's ratio has a value: `rates` feeds it, with events. A window the state leaves
        alone, or sets to no events (a total of 0), has none; a burn pair reads its short window so as
        "no evidence of recovery" (slo.py)."""
        if _is_coarse(seconds):
            return bool(self.coarse or _COARSE in self.totals) and self.totals.get(_COARSE, self.total) > 0
        return bool(self.ratios.get(seconds) or seconds in self.totals) and self.totals.get(seconds, self.total) > 0

    def bad_slices(self, seconds: int) -> Decimal:
        """The bad slices `rates` feeds for a counted window (a time-slice SLI's min_bad_events guard)."""
        return self.counts.get(seconds, self.window(seconds)[1] * seconds)

    def total_of(self, seconds: int) -> Decimal:
        return self.window(seconds)[0]

    def bad_of(self, seconds: int) -> Decimal:
        return self.window(seconds)[1]

    def keys(self) -> frozenset[int]:
        """The windows this state sets (the coarse tier as _COARSE): what another state must leave alone."""
        fast = {_COARSE if _is_coarse(s) else s for s in (*self.ratios, *self.totals, *self.counts)}
        return frozenset(fast | ({_COARSE} if self.coarse else set()))

    def ratio(self, seconds: int) -> float:
        """As the ratio rule computes it: the input bad rate over the input total rate."""
        return self.window(seconds)[3]


def short_holds(
    state: _State,
    w: BurnWindow,
    threshold: float,
    steps: tuple[int, ...],
    thin: bool = False,
    sliced: bool = False,
    gate: float = float(SLICE_GATE),
    burst: Burst = None,
    pages: frozenset[str] = frozenset(),
    floor: int = 0,
) -> bool:
    """The pair's short window is over the line (a page pair: `starts`, `pages` the pairs whose firing it reads,
    `floor` what it holds of its own after a page: counted_short.restart_floor), or
    has no ratio (no events: no sign of recovery), or with `thin`
    (event counts) too few events to show one failure at the line, with `sliced` (time slices) too few slices to
    show `gate` bad ones at the highest ratio of the windows above it, and the newest events say the burn goes
    on: the first of `steps` that could end it too, else the long window, over the line (counted_short.py)."""
    thin = thin and short_counted(w)  # a coarse short window: its plain ratio (counted_short.short_counted)
    if state.fed(w.short_seconds) and state.window(w.short_seconds)[3] > threshold:
        started = (thin or sliced) and short_counted(w) and start_counted(w)  # a page pair's (counted_short.py)
        up = bool(state.held & pages)  # a held page pair's ALERTS: firing now (the injected page resolved: Feed)
        paged = state.paged or up
        starting = starts(state, w.short_seconds, threshold, sliced, paged, floor, up=up)
        # the floor refuses its own pending hold too, not its firing one (counted_short._floored, round 53)
        refused = paged and w.name not in state.held and floored(state, w.short_seconds, threshold, sliced, floor, up)
        if not started or starting or (state.holding(w) and not refused):
            return True
    reads = (*steps, w.long_seconds)
    kept = thin and kept_within_one(w)  # a ticket pair's: one failure more than it holds
    if ends(state, w.short_seconds, threshold, thin, reads if sliced else (), gate, burst, kept) or not state.holding(
        w
    ):
        return False  # the branch holds a pending or firing alert, never starts one
    above = [reads[i + 1 :] if sliced else () for i in range(len(steps))]
    reading = zip(steps, above, strict=True)
    newest = next((s for s, a in reading if ends(state, s, threshold, thin, a, gate)), w.long_seconds)
    if not state.fed(newest):
        return False
    return state.window(newest)[3] > threshold


def ends(
    state: _State,
    seconds: int,
    line: float,
    thin: bool,
    above: tuple[int, ...] = (),
    gate: float = float(SLICE_GATE),
    burst: Burst = None,
    kept: bool = False,
) -> bool:
    """Whether a short window's ratio can end a held pair (counted_short.py): it has events, with `thin` enough
    that a burn at `line` shows one failure in it (`kept`, a ticket pair's: one more than it holds), in float64; with
    `above` (time slices) slices enough to show `gate` bad ones at the highest ratio of those windows (and of
    names.SLI_BURST_OVER, 1 when the `burst` is over: `burst_over`)."""
    if above:
        return state.fed(seconds) and shows_slices(state, seconds, above, gate=gate, burst=burst)
    shown = shows_room if kept else shows_failure
    return state.fed(seconds) and (not thin or shown(state, seconds, line) or event_burst_over(state, seconds, burst))


_ONE_SHOWN = float(ONE_SHOWN)


def shows_failure(state: _State, seconds: int, line: float, failures: float = 1.0) -> bool:
    """Whether a window holds events enough that a burn at `line` shows one failure in it (or `failures`)."""
    return float(decimal_text(state.total_of(seconds))) * seconds * line >= _ONE_SHOWN * failures


def shows_room(state: _State, seconds: int, line: float, failures: float = 1.0) -> bool:
    """Whether a burn at `line` shows `failures` more than the window holds: `T * N * line - E * N` (tickets)."""
    total, _, bad, _ = state.window(seconds)
    return float(decimal_text(total)) * seconds * line - bad * seconds >= _ONE_SHOWN * failures


def shows_slices(
    state: _State,
    seconds: int,
    above: tuple[int, ...],
    share: float = 1.0,
    gate: float = float(SLICE_GATE),
    burst: Burst = None,
) -> bool:
    """Whether a time-slice window's slices (its fed count) times the highest ratio of the fed windows `above`
    (and 1 where the `burst` of the short window `seconds` is over) reach the pair's `gate` of bad slices (or
    `share` of it); none of them: no (`max` of nothing)."""
    over = [1.0] if burst_over(state, seconds, burst) else []
    highest = max([*(state.window(s)[3] for s in above if state.fed(s)), *over], default=None)
    if highest is None:
        return False
    return float(decimal_text(slice_count(state, seconds))) * highest >= rule_floor(gate) * share


# A time-slice pair's (burst window, long window) when the cases feed both windows' bad-slice counts (the
# burn alerts' min_bad_events guard), or an event-count page pair's (`event_bursts`): model/burst_windows.py.
# None: names.SLI_BURST_OVER is never recorded.
Burst = tuple[int, int] | None


def burst_over(state: _State, short: int, burst: Burst) -> bool:
    """names.SLI_BURST_OVER as recorded from the state: the short window fed and clean, and the long window's
    fed count of bad slices at most the burst window's (`rates` feeds a count where a window has bad ones)."""
    if burst is None or not state.fed(short) or state.window(short)[3] != 0:
        return False
    window, long = burst
    counts = [state.bad_slices(s) for s in (long, window)]
    return all(counts) and counts[0] <= counts[1]


def event_burst_over(state: _State, short: int, burst: Burst) -> bool:
    """names.SLI_BURST_OVER of an event-count pair as recorded from the state (counted_short.event_burst_record):
    its short window fed and clean with EVENT_BURST_EVENTS events or more, those times the burst window's ratio at
    least EVENT_BURST_SHOWN, the long window's failures at most the burst window's (+ EVENT_BURST_SLACK), or at most
    the coarse tier's count of the burst window (coarse_seen.py)."""
    if burst is None or not state.fed(short) or state.window(short)[3] != 0 or not state.fed(burst[0]):
        return False
    window, long = burst
    events = float(decimal_text(state.total_of(short))) * short
    dense = events * state.window(window)[3] >= rule_floor(EVENT_BURST_SHOWN) or dense_peak(state, short, burst)
    if events < rule_floor(EVENT_BURST_EVENTS) or not dense:
        return False
    long_read = state.window(long)[2]
    inside = long_read * long <= state.window(window)[2] * window + float(EVENT_BURST_SLACK)
    return inside or coarse_read_inside(long_read, state.coarse_seen, window, long)  # a young SLO's too


def event_bursts(
    recorded: tuple[int, ...], windows: Sequence[BurnWindow], lines: Sequence[Decimal], counted: bool = True
) -> tuple[Burst, ...]:
    """Per pair of `windows` (in order, at their error-ratio `lines`): its (burst window, long window) where its
    burst may end it, an SLO that counts events (model/burst_windows.event_burst_of; `counted`: min_bad_events)."""
    ends = event_burst_ends_of(recorded, windows, lines, counted)
    return tuple(
        e if (e := ends.get(w.short_seconds)) is not None and e[1] == w.long_seconds else None for w in windows
    )


def fed_bursts(recorded: tuple[int, ...], windows: Iterable[BurnWindow], counted: tuple[int, ...]) -> tuple[Burst, ...]:
    """Per pair of `windows` (in order): its Burst where the cases feed the counts it reads (`counted`)."""
    windows = tuple(windows)
    ends = burst_ends_of(recorded, windows)
    out: list[Burst] = []
    for w in windows:
        end = ends.get(w.short_seconds)
        out.append(end if end is not None and end[1] == w.long_seconds and set(end) <= set(counted) else None)
    return tuple(out)


def slice_count(state: _State, seconds: int) -> Decimal:
    """The slices a time-slice window holds: its rate of slices times its seconds (what `rates` feeds)."""
    return (state.total_of(seconds) * seconds).normalize()


_COARSE = -1  # key of the coarse tier in _State.totals
_HELD = -2  # key in `Rates` of a pair's ALERTS series: its window name in place of the bad rate
_PENDING = -3  # the same, pending
_PAGED = -4  # key in `Rates` of the SLO's page fired (`_State.paged`)
_ZERO = Decimal(0)

# The numbers of a case depend on the SLO's shape (objective, windows, traffic), which most services of a
# fleet share: these pure steps are cached across services; only names and labels are filled in per service.


@functools.cache
def _is_coarse(seconds: int) -> bool:
    return recording_tiers().is_coarse(seconds)


def _bad(ratio: Decimal, total: Decimal) -> Decimal:
    """Bad events/s at `ratio` of `total`, as written in the inputs (equal Decimals: the same text)."""
    return fed(ratio * total)


@functools.lru_cache(maxsize=4096)
def _numbers(ratio: Decimal, total: Decimal) -> tuple[Decimal, float, float]:
    """A window at `ratio` of `total` events/s: its bad rate (as written in the inputs, and as read back) and
    the ratio rule's value, the input bad rate over the input total rate as promtool reads them."""
    bad = _bad(ratio, total)
    bad_read = float(decimal_text(bad))
    return bad, bad_read, bad_read / float(decimal_text(total)) if total else 0.0  # no events: not fed


@functools.lru_cache(maxsize=4096)
def _constant(value: Decimal, samples: int) -> str:
    return constant(value, samples)


_window_name = functools.cache(format_duration)


# (window seconds or _COARSE, bad-rate values, total-rate values, bad-slice count values); "" where not fed
Rates = tuple[tuple[int, str, str, str], ...]


def rates(
    state: _State,
    recorded: tuple[int, ...],
    period: int,
    samples: int,
    slices: bool = False,
    counted: tuple[int, ...] = (),
    sliced: tuple[int, ...] = (),
    step: int = 60,
) -> Rates:
    """The values of the bad and total rates of every window (of `recorded`) the state sets (`_State.fed`); a
    window with no errors and default traffic is left out (the files stay small), as is one set to no events:
    either has no ratio. Names, no: a plan's states are shared by every SLO of its shape (slo_plan.py).

    `slices`: a time-slice SLI, whose windows record their share of bad slices (the state's ratio) and derive
    their totals; the state's traffic is then slices a second, and each window of `counted` (its min_bad_events
    guard) is fed its count of bad slices, its bad rate times its seconds, and each fed window of `sliced` (that
    may end a held pair: counted_short.py) its count of slices in place of a total rate. The coarse tier's entry
    carries the first-seen times a state with `coarse_seen` feeds (`step` seconds a sample), "" for a whole period."""
    out = []
    ratios = state.ratios
    for seconds in recorded:
        if not _is_coarse(seconds) and state.fed(seconds):
            events, bad = state.window(seconds)[:2]
            if slices:
                count = _constant(slice_count(state, seconds), samples) if seconds in sliced else ""
                out.append((seconds, _constant(ratios.get(seconds, _ZERO), samples), count, ""))
            else:
                out.append((seconds, _constant(bad, samples), _constant(events, samples), ""))
    if state.fed(period):
        events = state.totals.get(_COARSE, state.total)
        seen = seen_since(state.coarse_seen, step, samples)
        if slices:
            out.append((_COARSE, _constant(state.coarse, samples), "", seen))
        else:
            bad = _numbers(state.coarse, events)[0]  # the 5m base: each coarse window scales it (coarse_seen)
            out.append((_COARSE, _constant(bad, samples), _constant(events, samples), seen))
    for seconds in counted:
        bad = state.bad_slices(seconds)
        if bad:
            out.append((seconds, "", "", _constant(bad.normalize(), samples)))
    out += [(_HELD, name, _constant(Decimal(1), samples), "") for name in sorted(state.held)]
    out += [(_PENDING, name, _constant(Decimal(1), samples), "") for name in sorted(state.pending)]
    out += [(_PAGED, "", _constant(Decimal(1), samples), "")] if state.paged else []
    return tuple(out)


class Feed:
    """The recorded window series an SLO's alert cases feed, named and labelled once per SLO (and `group`
    labels) for all its cases. A grouped SLO's series carry `group` (by default its first test group)."""

    def __init__(self, service: Service, slo: Slo, group: dict[str, str] | None = None) -> None:
        self.recorded, self.period = recorded_windows(slo), slo.period_seconds
        # window seconds (or _COARSE) → (bad-rate name, total-rate name, the window's labels without `group`)
        self._plain: dict[int, tuple[str, str, dict[str, str]]] = {}
        for seconds in self.recorded:
            if not _is_coarse(seconds):
                window = _window_name(seconds)
                errors = names.sli_errors_rate(window)
                total = names.sli_slices(window) if slo.sli.kind in SLICE_KINDS else names.sli_total_rate(window)
                self._plain[seconds] = (errors, total, window_labels(service, slo, window))
        self._plain[_COARSE] = (names.SLI_ERRORS_COARSE, names.SLI_TOTAL_COARSE, window_labels(service, slo, "5m"))
        self._own = slo_labels(service, slo)
        self._pairs = {  # window name → the labels that tell the pair's ALERTS series (slo.py `own_alert_labels`)
            a.window.name: {**owned_by(service, slo), **own_alert_labels(a), names.LABEL_ALERTSTATE: "firing"}
            for a in service_alerts(service)
            if a.slo is not None and a.slo.name == slo.name and a.window is not None
        }
        # the SLO's page fired, as a page pair's start reads it (counted_short.paged_within): no pair's burn_window
        mine = [a for a in service_alerts(service) if a.slo is not None and a.slo.name == slo.name and a.window]
        page = next((a.name for a in mine if a.window is not None and a.window.tier is Tier.CRITICAL), "")
        self._paged = {**owned_by(service, slo), names.LABEL_ALERTNAME: page, names.LABEL_ALERTSTATE: "firing"}
        self._group = sample_group(slo) if group is None else group
        self._windows = self._labelled(self._group)
        self.since = since_recorded(service, slo)

    def _labelled(self, group: dict[str, str]) -> dict[int, tuple[str, str, tuple[tuple[str, str], ...]]]:
        return {key: (e, t, tuple(sorted({**labels, **group}.items()))) for key, (e, t, labels) in self._plain.items()}

    def beside(self, group: dict[str, str]) -> Feed:
        """The same series with other `group` labels (a lane's: see lanes.py)."""
        other = object.__new__(Feed)
        other.recorded, other.period, other._plain, other._own = self.recorded, self.period, self._plain, self._own
        other._pairs, other._paged = self._pairs, self._paged
        other._group, other._windows, other.since = group, self._labelled(group), self.since
        return other

    def series(self, fed: Rates) -> tuple[InputSeries, ...]:
        """The input series of `rates`."""
        out: list[InputSeries] = []
        windows = self._windows
        for seconds, bad, total, count in fed:
            if seconds == _PAGED:
                out.append(
                    InputSeries(names.ALERTS_SERIES, tuple(sorted({**self._paged, **self._group}.items())), total)
                )
                continue
            if seconds in (_HELD, _PENDING):
                state = {names.LABEL_ALERTSTATE: "pending"} if seconds == _PENDING else {}
                labels = tuple(sorted({**self._pairs[bad], **state, **self._group}.items()))
                out.append(InputSeries(names.ALERTS_SERIES, labels, total))
                continue
            if count and seconds != _COARSE:
                name = names.sli_bad_slices(_window_name(seconds))
                labels = tuple(sorted({**self._own, names.LABEL_WINDOW: _window_name(seconds), **self._group}.items()))
                out.append(InputSeries(name, labels, count))
                continue
            errors_name, total_name, labels = windows[seconds]
            out.append(InputSeries(errors_name, labels, bad))
            if total:
                out.append(InputSeries(total_name, labels, total))
            if seconds == _COARSE and self.since:
                since = InputSeries(names.SLI_COARSE_SINCE, labels, count) if count else None
                out.append(since or history_start(labels, self.period, bad))
        return tuple(out)


def _inputs(
    service: Service, slo: Slo, state: _State, samples: int, group: dict[str, str] | None = None
) -> tuple[InputSeries, ...]:
    """The input series of one state (see `rates`)."""
    feed = Feed(service, slo, group)
    slices = slo.sli.kind in SLICE_KINDS
    fed = rates(state, feed.recorded, feed.period, samples, slices, counted(slo), sliced_windows(slo))
    return feed.series(fed)
