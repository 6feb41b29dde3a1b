"""Whether an SLO's alert cases may run side by side in lanes (lanes.py) and still catch what each catches alone.

A budget alert reads its own lane only. A burn-rate alert compares its lane's long window, but joins its short
window and traffic guard `and on (service, slo)`, where the lane label is dropped: it fires in a lane whose
long window is over the line when any lane's short window and any lane's guard hold. The short window also
holds when it has no ratio (`or` the long window `unless on (service, slo)` the short one) and the pair is
already up (`and on (service, slo)` its ALERTS): side by side, only when no lane's short window has one and
some lane's pair is up. A lane whose pair is not up is quiet alone on that branch, and may not share a group
where another lane's short window would complete it. So two checks:

- every lane fires side by side as it does alone (the expected alerts stay right), and
- every fault the mutation sweep makes in one rule (a threshold raised by half or lowered by 40%, a
  comparison flipped, a joined operand dropped, a window read as another) that shows in some lane's checks
  alone still shows in the group: a case burning at 1.25x its guard must not find its guard met by a busier
  lane once the guard is raised by half.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple

from compiler.model.burnrate import count_floor
from compiler.model.units import decimal_text
from compiler.targets.prometheus.promtool.pair_start import Over, starts
from compiler.targets.prometheus.promtool.slo_state import (
    Burst,
    _State,
    ends,
    event_burst_over,
    shows_failure,
    shows_room,
    shows_slices,
)

_FAULTS = (1.5, 0.6)  # a threshold raised by half, lowered by 40%
Verdicts = list[bool]  # one per lane
_START_FAULTS: tuple[Over, ...] = ((1.5, False), (0.6, False), (1.0, True))  # a start's `S > L`: _FAULTS, flipped


class Lane(NamedTuple):
    state: _State
    asks: frozenset[str]  # the alert names the case checks
    last: int  # its last check (seconds)


class Burn(NamedTuple):
    """What the check reads of a burn-rate rule."""

    alert: str
    for_seconds: int
    long_seconds: int
    short_seconds: int
    line: float  # the error-ratio line both windows compare with
    steps: tuple[int, ...] = ()  # burnrate.recovery_windows: whose newest ratio decides when the short has none
    window: str = ""  # the pair's name (`burn_window`): what a held state names (slo_state._State.held)
    thin: bool = False  # event counts: a short window too thin to show a failure at `line` holds (slo_state.ends)
    sliced: bool = False  # time slices: one whose slices show too few bad ones at the windows above holds
    gate: float = 2.0  # time slices: the bad slices they must show (counted_short.slice_gate)
    burst: Burst = None  # the short window's gate (or count) also reads whether the burst is over (slo_state)
    started: bool = False  # an event-count page pair: starts without its newest failure (counted_short.start_counted)
    kept: bool = False  # an event-count ticket pair: its short window ends it with room for one more failure
    pages: frozenset[str] = frozenset()  # the page pairs whose firing a page pair's start reads
    floor: float = 0  # a page pair's failures (bad slices) of its own to start after a page (counted_short)

    def paged(self, state: _State) -> bool:
        """Whether the state feeds a page of the SLO fired (its own, or a held page pair's firing ALERTS)."""
        return state.paged or bool(state.held & self.pages)

    def starts(
        self, state: _State, paged: bool | None = None, over: Over = (1.0, False), up: bool | None = None
    ) -> bool:
        """slo_state.starts of the pair's short window (`paged`: as another lane's page is read, joined
        `unless on (service, slo)`; `up`: a page pair firing now, which waives the floor; the state's own by
        default; `over`: the start's `S > L` faulted)."""
        paged = self.paged(state) if paged is None else paged
        up = bool(state.held & self.pages) if up is None else up
        return starts(state, self.short_seconds, self.line, self.sliced, paged, self.floor, over, up)

    def start_faults(self) -> list[tuple[Burn, Over]]:
        """The start as written, then each fault of its own `S > L` (raised, lowered, flipped) and of its restart
        floor (raised, lowered, its count dropped): what a start reads under the sweep's faults of one comparison."""
        written: Over = (1.0, False)
        faults = [(self, written), *((self, fault) for fault in _START_FAULTS)]
        if self.floor:
            faults += [(self._replace(floor=self.floor * f), written) for f in (*_FAULTS, 1e9)]
        return faults

    def above(self, seconds: int) -> tuple[int, ...]:
        """The windows whose highest ratio a time-slice window's slices are counted against (counted_short.py)."""
        return tuple(w for w in (*self.steps, self.long_seconds) if w > seconds) if self.sliced else ()


class Short(NamedTuple):
    """The short window's side, `over or (branch unless on (service, slo) present)`, per lane: the short
    window over the line; the branch (the long window present, or with steps between the two windows the
    newest of them and the long window over the line, slo.py), where the lane's pair is up; the short window
    present."""

    over: Verdicts
    branch: Verdicts
    present: Verdicts


def side_by_side(burns: Sequence[Burn], needed: float, windows: Sequence[int], lanes: Sequence[Lane]) -> bool:
    """Whether `lanes` can share a test group. `needed`: min_bad_events (0: no guard); `windows`: every window
    the SLO records (what a swapped window reads instead)."""
    return Judge(burns, needed, windows).fits(lanes)


Count = tuple[int, float, bool] | None  # a step's count comparison faulted: (its seconds, failures, flipped)
Fault = tuple[int, int, int]  # which variant of (long window, short window, guard): (0, 0, 0) as written


class Columns(NamedTuple):
    """One lane's verdicts on one burn-rate rule, per operand, as written and then under each fault: what
    `_variants` gives for that lane alone (a lane's verdicts read its own state only)."""

    long: tuple[bool, ...]
    short: tuple[tuple[bool, bool, bool], ...]  # Short's (over, branch, present)
    guard: tuple[bool, ...]
    alone: bool  # the alert fires in this lane alone, as written
    changed: frozenset[Fault]  # the faults that change that


class Judge:
    """`side_by_side` for one SLO, each lane's verdicts worked out once: a plan asks whether each case fits
    beside each group in turn, so the same states come back many times (most of a cold compile's planning)."""

    def __init__(self, burns: Sequence[Burn], needed: float, windows: Sequence[int]) -> None:
        self._burns, self._needed, self._windows = burns, needed, windows
        self._known: dict[int, tuple[_State, list[Columns]]] = {}  # id(state) → the state (kept alive), its columns
        # (which fact, id(state), rule index) → (the state, kept alive, the fact): `fits` asks each of these of the same
        # lanes for every group a lane is tried beside (the start faults were ~half a cold compile's planning)
        self._facts: dict[tuple[str, int, int], tuple[_State, bool]] = {}

    def columns(self, state: _State) -> list[Columns]:
        """The state's verdicts per rule (a state is not changed once planning asks about it)."""
        known = self._known.get(id(state))
        if known is None or known[0] is not state:
            found = [_columns(rule, self._needed, self._windows, state) for rule in self._burns]
            known = self._known[id(state)] = (state, found)
        return known[1]

    def _pages(self, lane: Lane, rule: Burn) -> bool:
        """Whether a page pair (of `rule.pages`) fires in the lane alone."""
        return any(
            c.alone for r, c in zip(self._burns, self.columns(lane.state), strict=True) if r.window in rule.pages
        )

    def _fact(self, what: str, state: _State, r: int, work: Callable[[], bool]) -> bool:
        """`work()`, a fact of the state and the rule `self._burns[r]` alone, worked out once (a state is not
        changed once planning asks about it)."""
        key = (what, id(state), r)
        known = self._facts.get(key)
        if known is None or known[0] is not state:
            known = self._facts[key] = (state, work())
        return known[1]

    def _paged(self, lane: Lane, r: int) -> bool:
        """Whether the lane feeds a page the start of `self._burns[r]` reads, or a page pair of it fires there."""
        rule = self._burns[r]
        return self._fact("paged", lane.state, r, lambda: rule.paged(lane.state) or self._pages(lane, rule))

    def _start_turns(self, lane: Lane, r: int, up: bool) -> bool:
        """Whether the start of `self._burns[r]` (as written or under one of its faults) says otherwise in the
        lane when another lane's page is read (`up`: with a page pair of the SLO up in the group, which waives the
        restart floor): only for a pair whose long window holds failures."""
        rule, state = self._burns[r], lane.state

        def turns() -> bool:
            if not _burning(state, rule):
                return False
            return any(f.starts(state, over=o) != f.starts(state, True, o, up) for f, o in rule.start_faults())

        return self._fact("turns, a pair up" if up else "turns", state, r, turns)

    def fits(self, lanes: Sequence[Lane]) -> bool:
        held = frozenset().union(*(lane.state.held for lane in lanes))
        for r, rule in enumerate(self._burns):
            # A pair's ALERTS join drops the lane label too: one lane's alert holds every lane's short window that
            # has no events. Lanes whose short window has none share a group only when all of them hold the pair.
            # Its short window over the line holds it the same way: lanes whose pair is not up and whose short
            # window would not start it (slo_state.starts) are kept apart from a lane whose pair is up.
            if rule.window in held and any(
                rule.window not in lane.state.held
                and rule.started
                and lane.state.fed(rule.short_seconds)
                and lane.state.window(rule.short_seconds)[3] > rule.line
                and not (rule.starts(lane.state) and rule.starts(lane.state, up=False))  # the floor's waiver alone too
                for lane in lanes
            ):
                return False
            # A page pair's start reads the SLO's page `unless on (service, slo)`: any lane's page (fed, or firing
            # in it) stops every lane's start on one bad slice or one lone failure; lanes whose start that changes
            # are kept apart from it.
            # So do the start's faults (its `S > L` lowered: a lane at 0.8x the line with no page of its own starts
            # alone, and another lane's page would hide that), and a page pair up in another lane, which waives the
            # restart floor (counted_short.paged_now).
            paged = rule.started and any(self._paged(lane, r) for lane in lanes)
            up = paged and any(lane.state.held & rule.pages or self._pages(lane, rule) for lane in lanes)
            if paged and any(self._start_turns(lane, r, up) for lane in lanes):
                return False
            if rule.window in held and any(
                rule.window not in lane.state.held
                and not ends(
                    lane.state,
                    rule.short_seconds,
                    rule.line,
                    rule.thin,
                    rule.above(rule.short_seconds),
                    rule.gate,
                    rule.burst,
                    rule.kept,
                )
                for lane in lanes
            ):
                return False
        each = [self.columns(lane.state) for lane in lanes]
        for r, rule in enumerate(self._burns):
            mine = [lane[r] for lane in each]
            expected = [c.alone for c in mine]
            if _together(mine, (0, 0, 0)) != expected:
                return False  # a lane fires side by side where it would not alone, or the other way round
            shows = [rule.alert in lane.asks and lane.last >= rule.for_seconds for lane in lanes]
            caught = set().union(*(c.changed for c, show in zip(mine, shows, strict=True) if show))
            # a fault caught alone is asked about in the group (the group asks what its lanes do): it must show
            if any(_together(mine, fault) == expected for fault in caught):
                return False
        return True


def _burning(state: _State, rule: Burn) -> bool:
    """Whether the pair's long window holds failures: with none it fires under no threshold (nor fault), so its start
    is never read (a dense burst's 5m under the restart floor beside a clean 1h: counted_short.restart_floor)."""
    return state.fed(rule.long_seconds) and state.window(rule.long_seconds)[3] > 0


def _columns(rule: Burn, needed: float, windows: Sequence[int], state: _State) -> Columns:
    long, short, guard = _variants(rule, needed, windows, [state])
    lone = tuple((s.over[0], s.branch[0], s.present[0]) for s in short)
    columns = Columns(tuple(v[0] for v in long), lone, tuple(v[0] for v in guard), False, frozenset())
    alone = _alone(columns, (0, 0, 0))
    faults = [(i, 0, 0) for i in range(1, len(long))]
    faults += [(0, j, 0) for j in range(1, len(short))]
    faults += [(0, 0, k) for k in range(1, len(guard))]
    return columns._replace(alone=alone, changed=frozenset(f for f in faults if _alone(columns, f) != alone))


def _alone(lane: Columns, fault: Fault) -> bool:
    over, branch, present = lane.short[fault[1]]
    return lane.long[fault[0]] and (over or (branch and not present)) and lane.guard[fault[2]]


def _together(lanes: Sequence[Columns], fault: Fault) -> list[bool]:
    """Each lane's verdict side by side: its own long window, any lane's short window and guard."""
    i, j, k = fault
    shorts = [lane.short[j] for lane in lanes]
    short = any(s[0] for s in shorts) or (any(s[1] for s in shorts) and not any(s[2] for s in shorts))
    joined = short and any(lane.guard[k] for lane in lanes)
    return [lane.long[i] and joined for lane in lanes]


def _both(a: Verdicts, b: Verdicts) -> Verdicts:
    return [x and y for x, y in zip(a, b, strict=True)]


def _variants(
    rule: Burn, needed: float, windows: Sequence[int], states: list[_State]
) -> tuple[list[Verdicts], list[Short], list[Verdicts]]:
    """Per operand (long window, short window, guard): its verdict per lane as written, then under each fault."""
    # Each window's reads once: the faults below ask the same windows over and over (most of a cold plan).
    asked = {*windows, rule.long_seconds, rule.short_seconds, *rule.steps}
    fed = {w: [s.fed(w) for s in states] for w in asked}
    ratios = {w: [s.window(w)[3] if f else None for s, f in zip(states, fed[w], strict=True)] for w in asked}

    def present(seconds: int) -> Verdicts:
        return list(fed[seconds])

    def compared(seconds: int) -> Iterator[Verdicts]:
        values = ratios[seconds]  # None: no ratio
        for factor in (1.0, *_FAULTS):
            yield [v is not None and v > rule.line * factor for v in values]
        yield [v is not None and v < rule.line for v in values]  # flipped
        for other in windows:
            if other != seconds:
                yield [v is not None and v > rule.line for v in ratios[other]]  # read as another window

    def newest(reads: Sequence[int], factor: float = 1.0, flip: bool = False, count: Count = None) -> Verdicts:
        """The first window of `reads` with a ratio (a step: with events enough to show a failure, for event
        counts; `count`: that comparison of one step faulted), over the line (per lane; none: False)."""
        out = []
        for n, state in enumerate(states):
            value = next((ratios[w][n] for w in reads if fed[w][n] and counts(state, w, count)), None)
            out.append(value is not None and (value < rule.line if flip else value > rule.line * factor))
        return out

    def counts(state: _State, seconds: int, count: Count) -> bool:
        """Whether a fed window of the branch's reads shows a failure at the line (the long window: always)."""
        if not (rule.thin or rule.sliced) or seconds == rule.long_seconds:
            return True
        failures, flip = (1.0, False) if count is None or count[0] != seconds else count[1:]
        if failures == 0.0:  # the count's `and` dropped
            return True
        return counted_in(state, seconds, failures) != flip

    def counted_in(state: _State, seconds: int, failures: float, burst_read: bool = True) -> bool:
        """The window's count (events or slices) as compared, its number times `failures` (`burst_read`: False, the
        short window's gate without its burst entry, names.SLI_BURST_OVER)."""
        burst = rule.burst if seconds == rule.short_seconds and burst_read else None
        if rule.sliced:
            return shows_slices(state, seconds, rule.above(seconds), failures, rule.gate, burst)
        shown = shows_room if rule.kept and seconds == rule.short_seconds else shows_failure
        return shown(state, seconds, rule.line, failures) or event_burst_over(state, seconds, burst)

    everyone, nobody = [True] * len(states), [False] * len(states)
    others = [w for w in windows if w != rule.short_seconds]
    long = list(compared(rule.long_seconds))

    def ending(seconds: int, failures: float = 1.0, flip: bool = False, burst_read: bool = True) -> Verdicts:
        """Whether the window ends the pair (slo_state.ends); `failures`, `flip`: its count's comparison faulted;
        `burst_read`: False, the burst's entry of its gate dropped."""
        read = zip(states, fed[seconds], strict=True)
        counted = [
            not (rule.thin or rule.sliced) or counted_in(s, seconds, failures, burst_read) != flip for s in states
        ]
        return [f and c for (_, f), c in zip(read, counted, strict=True)]

    shown = ending(rule.short_seconds)
    # An event-count page pair's short window starts it only over the line without its newest failure and holds one up
    # over the line (counted_short.started_by_counted_short): the hold's comparison as written and faulted, then
    # the start dropped, the hold dropped, the hold's ALERTS operand dropped.
    up = [rule.window in s.held for s in states]
    over = list(compared(rule.short_seconds))
    if rule.started:
        starting = [rule.starts(s) for s in states]
        plain = over[0]
        over = [[s or v for s, v in zip(starting, _both(o, up), strict=True)] for o in over]
        over += [_both(plain, up), starting, [s or v for s, v in zip(starting, plain, strict=True)]]
        for fault in _START_FAULTS:  # the start's own `S > L` raised, lowered, flipped
            started = [rule.starts(s, over=fault) for s in states]
            over.append([s or v for s, v in zip(started, _both(plain, up), strict=True)])
        if rule.sliced:  # the less-one dropped: a start only where no page fired
            unpaged = [p and not rule.paged(s) for p, s in zip(plain, states, strict=True)]
            over.append([s or v for s, v in zip(unpaged, _both(plain, up), strict=True)])
        else:  # the page's `unless` dropped: one failure starts it after a page too
            lone = [rule.starts(s, False) for s in states]
            over.append([s or v for s, v in zip(lone, _both(plain, up), strict=True)])
        if rule.floor:  # the restart floor raised, lowered, its count dropped (any page stops it), its page dropped,
            # its waiver dropped (a page pair up no longer lifts it: another lane's short window must not hide that)
            floors = [rule._replace(floor=rule.floor * f) for f in (*_FAULTS, 1e9)]
            faulted = [[r.starts(s) for s in states] for r in floors] + [[rule.starts(s, True) for s in states]]
            faulted.append([rule.starts(s, up=False) for s in states])
            over += [[s or v for s, v in zip(f, _both(plain, up), strict=True)] for f in faulted]
    if rule.steps:
        reads = [*rule.steps, rule.long_seconds]
        branch = newest(reads)
        branches = [newest(reads, factor) for factor in _FAULTS] + [newest(reads, flip=True)]
        if rule.thin or rule.sliced:  # each step's count (counted_short.counted_step): raised, lowered, flipped, cut
            for seconds in rule.steps:
                branches += [newest(reads, count=(seconds, f, False)) for f in (*_FAULTS, 0.0)]
                branches.append(newest(reads, count=(seconds, 1.0, True)))
        for i, seconds in enumerate(reads):
            branches.append(newest(reads[:i] + reads[i + 1 :]))  # an operand of the `or` dropped
            branches += [newest([*reads[:i], w, *reads[i + 1 :]]) for w in windows if w != seconds]  # swapped
    else:
        branch = present(rule.long_seconds)
        branches = [present(w) for w in windows if w != rule.long_seconds]  # branch swapped
    # The branch holds only a lane whose pair is already up: it is joined `and on (...)` with the pair's ALERTS,
    # fed as a lane's `held` (with the label dropped, any lane's: Judge.fits keeps lanes apart where that matters).
    # Not a constant input's own alert: that is up only where the side already held without it.
    unheld = branch
    branch = _both(branch, up)
    short = [Short(x, branch, shown) for x in over]
    short += [Short(over[0], _both(b, up), shown) for b in branches]
    short.append(Short(over[0], unheld, shown))  # the ALERTS join dropped: the branch starts a page too
    # the short window `unless` reads, swapped (time slices: the ratio read as another, the short's gate kept)
    swapped = [ending(w) for w in others]
    if rule.sliced:
        swapped = [[f and g for f, g in zip(fed[w], shown, strict=True)] for w in others]
    short += [Short(over[0], branch, ends_it) for ends_it in swapped]
    if rule.thin or rule.sliced:  # the count's comparison (`>= 1`, `>= 2`) raised, lowered, flipped
        short += [Short(over[0], branch, ending(rule.short_seconds, f)) for f in _FAULTS]
        short.append(Short(over[0], branch, ending(rule.short_seconds, flip=True)))
    if rule.burst is not None:  # the burst's entry of the short window's gate dropped or read as another window
        short.append(Short(over[0], branch, ending(rule.short_seconds, burst_read=False)))
    short += [Short(over[0], nobody, shown), Short(over[0], branch, nobody)]  # the branch, its `unless` dropped
    short.append(Short(everyone, branch, shown))  # the short side dropped
    if not needed:
        return long, short, [everyone]
    events = [s.window(rule.long_seconds)[2] * rule.long_seconds for s in states]
    floor = float(decimal_text(count_floor(Decimal(str(needed)))))  # as the guard compares (slo.py)
    guard = [[e >= floor * factor for e in events] for factor in (1.0, *_FAULTS)]
    guard += [[e < floor for e in events], everyone]  # flipped, dropped
    return long, short, guard
