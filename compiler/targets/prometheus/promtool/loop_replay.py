"""ServiceDown's condition replayed on the crash-loop cases' `up` series (one sample a minute), as Prometheus 2.42
evaluates it at 1m steps: which tiers fire at a check, for any hold.

The cases' own arithmetic (a third of the scrapes up reads under half in any window of 3 minutes or more) holds
for a window of twice the hold of 3 minutes and more. A hold under 90s reads one or two samples: a 15s tier
beside a 5m page never fired where the case expected it, and a 30s tier's churn branch read the loop's last
life as up (exit 1, round 48's drawn settings). Replaying each branch (service_down.py) on the fed samples
predicts every hold alike. Ranges and subqueries take both ends (2.42); a staleness marker ends a series'
lookback; the burn-page hold reads SLO series these cases never feed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from fractions import Fraction

from compiler.targets.prometheus.promtool.cases import fires_at
from compiler.targets.prometheus.rule_model import Rule
from compiler.targets.prometheus.service_down import (
    GONE_LOOK_HOLDS,
    look_seconds,
    moment_seconds,
    reads_chunks,
    reads_gone_loops,
)

STEP = 60
MOMENT = 15  # service_down.CHURN_STEP
LOOKBACK = 300
HALF = Fraction("0.500001")  # service_down.HALF_AND_ROUNDING


Samples = list[str | None]  # per minute: "1", "0", "stale", or None (no sample)


def samples(values: str) -> Samples:
    """An input series' values (one token a minute: 1, 0, _, stale) as samples."""
    return [None if token == "_" else token for token in values.split()]


@functools.lru_cache(maxsize=64)
def timeline_of(fed: tuple[str, ...]) -> Timeline:
    """The Timeline of `fed`, kept by the values themselves: they hold no name (one token a minute), so every
    service of a template feeds the same few, and each generation replayed them again (three per shape: 1,000
    rich services spent ~3% of a cold compile there). A Timeline only remembers what it worked out from `fed`."""
    return Timeline(fed)


class Timeline:
    """The fed series (the service's, or one group's, targets) read at every moment (15s) and summed per minute,
    so each evaluation costs a few lookups."""

    def __init__(self, fed: Sequence[str]) -> None:
        """`fed`: each input series' values (one token a minute: 1, 0, _, stale)."""
        series = [samples(values) for values in fed]
        minutes = max(len(s) for s in series) - 1
        self.minutes = minutes
        count = minutes * (STEP // MOMENT) + 1
        # the highest value of a target read at each moment (None: no target), each series' readings only where it
        # has some (round 54: a week's hold fed thousands of short lives, each read at every moment of the fed)
        best: list[int | None] = [None] * count
        for s in series:
            for k, value in _readings(s, count):
                seen = best[k]
                best[k] = value if seen is None or value > seen else seen
        self.best = best
        self._strided: dict[int, tuple[list[int], list[int]]] = {}
        # a minute with a sample of some target (not a staleness marker): what last_over_time reads
        sampled = [any(m < len(s) and s[m] in ("0", "1") for s in series) for m in range(minutes + 1)]
        self.sampled = [0]
        for seen_now in sampled:
            self.sampled.append(self.sampled[-1] + seen_now)
        self.sums = [_prefix(s, lambda t: int(t == "1")) for s in series]
        self.counts = [_prefix(s, lambda t: int(t in ("0", "1"))) for s in series]
        self._holds: dict[tuple[int, bool, bool], list[bool]] = {}
        self._points: dict[tuple[int, bool], tuple[list[int], list[int]]] = {}

    def fires(self, rule: Rule, whole: bool, absent_is_down: bool, loop_hold: int) -> list[bool]:
        """Whether `rule` fires at each minute. `whole`: the service's own condition (else a group's branch: its
        targets all 0, or the same crash-loop branches read on the group's targets while it reports);
        `absent_is_down`: no series at all is down (and the churn branch is read); `loop_hold`: the hold its
        crash-loop windows are twice of (its `for`, but a page held behind its relay's reads its written hold, two
        intervals shorter: model/relays.py)."""
        return fires_at(self.holds(loop_hold, whole, absent_is_down), rule.for_seconds, rule.keep_firing_seconds, STEP)

    def holds(self, loop_hold: int, whole: bool, absent_is_down: bool) -> list[bool]:
        """Whether the condition holds at each minute: the same for every tier of one loop hold, and for every check
        of one fed timeline, so replayed once (a case checking its timeline at three minutes replayed it thrice)."""
        key = (loop_hold, whole, absent_is_down)
        if key not in self._holds:
            self._holds[key] = [self.down(m, loop_hold, whole, absent_is_down) for m in range(self.minutes + 1)]
        return self._holds[key]

    def lately(self, at: int, hold: int, absent_is_down: bool, whole: bool = True, reports: bool = True) -> bool:
        """The crash-loop branches (service_down.loop_shares, loop_moments) at `at` seconds on the fed targets (the
        service's, or one group's while it reports now, `reports`): every target's share, or the moments' (the
        service's absent as down, with a target before the window; a group's only those with a target), at half or
        less at some evaluation of the last hold (at the hold's look steps: service_down.look_seconds)."""
        if not (whole or reports):
            return False
        look = look_seconds(hold)
        first, last = max(-(-(at - hold) // look), 0), at // look
        if first > last:
            return False
        shares, moments = self._point_reads(hold, whole)
        if shares[last + 1] > shares[first]:
            return True
        if whole and (not absent_is_down or not self._sampled_before(at, hold)):
            return False
        return moments[last + 1] > moments[first]

    def _point_reads(self, hold: int, whole: bool) -> tuple[list[int], list[int]]:
        """For each look step from 0 on, whether the shares' branch, and the moments', read a loop there, as running
        counts: every evaluation of a hold then reads its last hold's steps in two lookups."""
        key = (hold, whole)
        if key not in self._points:
            look, window = look_seconds(hold), 2 * hold
            shares, moments = [0], [0]
            for point in range(0, self.minutes * STEP + 1, look):
                start = point - window
                if reads_chunks(hold):  # chunks of a look at its steps, each (step - look, step]: after the first's
                    start = ((point - window) // look) * look + 1  # start, which is the span's start or before
                shares.append(shares[-1] + self._every_share_below(start, point))
                moments.append(moments[-1] + self._moments_below(point, window, whole, moment_seconds(hold)))
            self._points[key] = (shares, moments)
        return self._points[key]

    def _sampled_before(self, at: int, hold: int) -> bool:
        """Whether some target has a sample in the window the churn branch's target-before reads (twice the hold,
        twice the hold back; past LONG_HOLD in chunks of a look, at their steps)."""
        start, end = at - 4 * hold, at - 2 * hold
        if reads_chunks(hold):
            look = look_seconds(hold)
            start, end = (start // look) * look + 1, (end // look) * look
        low, high = max(-(-start // STEP), 0), min(end // STEP, len(self.sampled) - 2)
        return high >= low and self.sampled[high + 1] > self.sampled[low]

    @property
    def indices(self) -> range:
        return range(len(self.sums))

    def _every_share_below(self, start: int, end: int) -> bool:
        """Whether some target has samples in [start, end] and every such target's share there is under HALF."""
        seen = False
        for i in self.indices:
            below = self._share_below(i, start, end)
            if below is False:
                return False
            seen = seen or below is not None
        return seen

    def _moments_below(self, at: int, window: int, whole: bool, step: int = MOMENT) -> bool:
        """Whether the up share of the moments (every `step`) in (at - window, at] is under HALF, a moment with no
        target read as 0 (`whole`) or left out (a group's); False when no moment there has a target."""
        ups, targeted_sums = self._stride(step // MOMENT)
        first, last = (at - window) // step + 1, at // step
        low, high = min(max(first, 0), len(ups) - 1), min(max(last + 1, 0), len(ups) - 1)
        targeted = targeted_sums[high] - targeted_sums[low]
        if not targeted:
            return False
        return _below_half(ups[high] - ups[low], last - first + 1 if whole else targeted)

    def _stride(self, every: int) -> tuple[list[int], list[int]]:
        """Running counts over every `every`th moment: up moments, and moments with a target."""
        if every not in self._strided:
            ups, targeted = [0], [0]
            for value in self.best[::every]:
                ups.append(ups[-1] + (value or 0))
                targeted.append(targeted[-1] + (value is not None))
            self._strided[every] = (ups, targeted)
        return self._strided[every]

    def down(self, minute: int, hold: int, whole: bool, absent_is_down: bool) -> bool:
        at = minute * STEP
        now = self.best[minute * (STEP // MOMENT)]
        plain = now == 0 if now is not None else whole and absent_is_down
        if plain or hold <= 0:
            return plain
        gone = not whole and absent_is_down and reads_gone_loops(hold) and self.gone_loop(at, hold)
        return self.lately(at, hold, absent_is_down, whole, now is not None) or gone

    def gone_loop(self, at: int, hold: int) -> bool:
        """A group's loop gone at each crash (service_down.loop_gone) at `at` seconds: gone at least twice in the
        last GONE_LOOK_HOLDS holds, and gone now or its moments (gone as 0 within twice the hold of a sample) at
        half or less at some evaluation of the last hold."""
        window, look = 2 * hold, STEP if hold >= STEP else MOMENT
        drops, last = 0, None
        for k in range(-(-(at - GONE_LOOK_HOLDS * hold) // MOMENT), at // MOMENT + 1):
            now = self._presence(k, window)
            drops += last == 1 and now == 0
            last = now if now is not None else last
        if drops < 2:
            return False
        if self._presence(at // MOMENT, window) == 0:
            return True
        for point in range(-(-(at - hold) // look) * look, at + 1, look):
            read = [self._gone_moment(k, window) for k in range((point - window) // MOMENT + 1, point // MOMENT + 1)]
            counted = [v for v in read if v is not None]
            if counted and _below_half(sum(counted), len(counted)):
                return True
        return False

    def _presence(self, k: int, window: int) -> int | None:
        """1: some target at moment k; 0: none, but a sample within `window` before; None: neither."""
        if k >= 0 and self.best[k] is not None:
            return 1
        t = k * MOMENT
        low, high = max(-(-(t - window) // STEP), 0), min(t // STEP, len(self.sampled) - 2)
        return 0 if high >= low and self.sampled[high + 1] > self.sampled[low] else None

    def _gone_moment(self, k: int, window: int) -> int | None:
        """The group's moment k, gone read as 0 within `window` of a sample."""
        if self._presence(k, window) == 1:
            return self.best[k] or 0
        return self._presence(k, window)

    def _share_below(self, index: int, start: int, end: int) -> bool | None:
        """Whether the mean of a series' samples in [start, end] seconds is under HALF (None: no sample there)."""
        sums, counts = self.sums[index], self.counts[index]
        low, high = max(-(-start // STEP), 0), min(end // STEP, len(sums) - 2)
        if high < low:
            return None
        count = counts[high + 1] - counts[low]
        return _below_half(sums[high + 1] - sums[low], count) if count else None


def _below_half(up: int, count: int) -> bool:
    """up / count < HALF for a positive count, in integers: a Fraction made and compared for each of ~100,000 reads
    of a 1,000-service fleet's crash-loop cases cost more than the replay's own arithmetic."""
    return up * HALF.denominator < HALF.numerator * count


def _prefix(series: Samples, weight: Callable[[str], int]) -> list[int]:
    out = [0]
    for token in series:
        out.append(out[-1] + (weight(token) if token is not None else 0))
    return out


def _values(series: Samples, moments: int) -> list[int | None]:
    """The series' value at each of the first `moments` moments: its latest sample within the lookback, unless a
    staleness marker."""
    out: list[int | None] = [None] * moments
    for k, value in _readings(series, moments):
        out[k] = value
    return out


def _readings(series: Samples, moments: int) -> list[tuple[int, int]]:
    """(moment, value) for each of the first `moments` moments at which the series reads a value: a sample's from its
    minute until the next sample or marker, or the lookback's end."""
    per_minute, reach = STEP // MOMENT, LOOKBACK // MOMENT
    marks = [m for m, token in enumerate(series) if token is not None]
    out: list[tuple[int, int]] = []
    for i, minute in enumerate(marks):
        token = series[minute]
        if token == "stale":
            continue
        end = marks[i + 1] * per_minute if i + 1 < len(marks) else moments
        value = int(token)  # type: ignore[arg-type]
        out.extend((k, value) for k in range(minute * per_minute, min(end, minute * per_minute + reach + 1, moments)))
    return out
