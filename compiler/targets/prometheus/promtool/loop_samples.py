"""How many samples one evaluation of a grouped ServiceDown holds at once in promtool, for a case's series.

`promtool test rules` runs its queries with a cap of 10,000 samples held at once (Prometheus 2.42,
cmd/promtool/unittest.go: the test engine's MaxSamples), not the 50,000,000 of a server's `--query.max-samples`.
Past it the rule fails the test ("query processing would load too many samples into memory"). The crash-loop
branches (service_down.py) hold, at their moments' step (15s up to LONG_HOLD, coarser past it: moment_seconds),
every series of the group's `up` at each step of their span before aggregating it: the moments read three holds (the
last hold's minutes, each twice the hold back), and a gone loop (holds up to GONE_MAX_HOLD) reads eight holds, each
series kept twice the hold after its last sample (last_over_time). A grouped case of every lane side by side, its
timeline twice the longest tier's hold and 10m, held 12,000 or more there: a 10m tier beside a 1h one (drawn
settings seeds 1073 and 1081, round 53), a 2h tier alone. The estimate counts a series at each moment it is read (a
sample within the 5m look-back, none stale after it), the aggregated groups at every moment and one group's window
of moments, the largest branch at the worst evaluation; past LONG_HOLD, beside them, three results (a chunk sum, a
count, their ratio) at each look of the hold for every series read in the last three holds (round 54). It is no
replay: at a 4h hold a lane estimated 7,856 without the window still failed in promtool, so the budget keeps a fifth
of the cap spare and a lane over it alone is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import accumulate

from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.service_down import look_seconds, moment_seconds, reads_chunks

PROMTOOL_MAX_SAMPLES = 10_000  # promtool's unit-test engine, per query (Prometheus 2.42)
# What a case may be estimated at: the rest for what the estimate leaves out (the outer subquery's results, the
# whole-service branches' single series, a shares window per target).
SAMPLE_BUDGET = 8_000
LOOK_BACK_MINUTES = 5  # Prometheus's default look-back: a sample is read up to 5m after it


class LoopRule:
    """One ServiceDown tier as its crash-loop branches read: the hold their windows are twice of (seconds), and
    whether it reads a group gone at each crash (service_down.reads_gone_loops)."""

    def __init__(self, hold_seconds: int, reads_gone: bool) -> None:
        self.hold_minutes = -(-hold_seconds // 60)
        self.reads_gone = reads_gone
        self.moment = moment_seconds(hold_seconds)  # 15s up to LONG_HOLD, then coarser (round 54)
        self.chunk = look_seconds(hold_seconds) if reads_chunks(hold_seconds) else 0


def peak_samples(groups: Sequence[Sequence[InputSeries]], rules: Sequence[LoopRule]) -> int:
    """The most samples any of `rules` holds at once over the `groups`' series (1m samples), at any minute."""
    series = [s for group in groups for s in group]
    if not series or not rules:
        return 0
    length = max(len(s.values.split()) for s in series)
    read = _prefix(_each(series, LOOK_BACK_MINUTES, length))
    grouped = _prefix(_any(group, LOOK_BACK_MINUTES, length) for group in groups)
    worst = 0
    for rule in rules:
        hold = rule.hold_minutes
        step = rule.moment
        window = -(-2 * hold * 60 // step) + 1  # sum_over_time's range over the moments, one group's at a time
        moments = [
            _held(read, at, 3 * hold, step) + _held(grouped, at, 3 * hold, step) + window for at in range(length)
        ]
        if rule.chunk:  # past LONG_HOLD the shares: each target read in the last 3 holds has a chunk sum, a count
            looks = 3 * (hold * 60 // rule.chunk + 1)  # and their ratio at each look of the hold, held at once
            live = _live(series, 3 * hold, length)
            moments = [m + looks * live[at] for at, m in enumerate(moments)]
        worst = max(worst, *moments)
        if rule.reads_gone:  # resets over eight holds: `up` grouped, beside each series' last_over_time and its groups
            kept = _prefix(_each(series, 2 * hold, length))
            known = _prefix(_any(group, 2 * hold, length) for group in groups)
            gone = (
                _held(kept, at, 8 * hold) + _held(known, at, 8 * hold) + _held(grouped, at, 8 * hold)
                for at in range(length)
            )
            worst = max(worst, *gone)
    return worst


Lane = tuple[tuple[InputSeries, ...], dict[str, str]]  # a group's series, and its labels


def fitting_parts(lanes: Sequence[Lane], kept: tuple[InputSeries, ...], rules: Sequence[LoopRule]) -> list[list[Lane]]:
    """The lanes (each a group) in order, in as few test groups as keep every evaluation under SAMPLE_BUDGET, each
    beside `kept` (a group up throughout, so the whole service reports). A lane over the budget on its own is left
    out: its test group could not run (a hold of hours, GONE_MAX_HOLD's limit in docs/input-limits.md)."""
    parts: list[list[Lane]] = []
    for lane in lanes:
        if parts and _cost([*parts[-1], lane], kept, rules) <= SAMPLE_BUDGET:
            parts[-1].append(lane)
        elif _cost([lane], kept, rules) <= SAMPLE_BUDGET:
            parts.append([lane])
    return parts


def _cost(lanes: Sequence[Lane], kept: tuple[InputSeries, ...], rules: Sequence[LoopRule]) -> int:
    return peak_samples([kept, *(series for series, _ in lanes)], rules)


def _live(series: Sequence[InputSeries], span: int, length: int) -> list[int]:
    """How many of the series were read in the `span` minutes up to each minute."""
    out = [0] * length
    for flags in _each(series, LOOK_BACK_MINUTES, length):
        read = _prefix([flags])
        for at in range(length):
            out[at] += read[at + 1] > read[max(0, at - span)]
    return out


def _each(series: Sequence[InputSeries], look_back: int, length: int) -> list[list[int]]:
    return [_read_minutes(s.values, look_back, length) for s in series]


def _any(group: Sequence[InputSeries], look_back: int, length: int) -> list[int]:
    """1 for each minute at which the group has a series read (its aggregate has a sample)."""
    return [max(minute) for minute in zip(*_each(group, look_back, length), strict=True)]


def _read_minutes(values: str, look_back: int, length: int) -> list[int]:
    """1 for each minute at which a read of `look_back` minutes finds a sample of the series, else 0 (a stale
    marker ends the 5m look-back's read at once; a range, last_over_time's, keeps the samples before it)."""
    out = [0] * length
    last: int | None = None
    stale = False
    for minute, token in enumerate(values.split()):
        if token == "stale":
            stale = look_back == LOOK_BACK_MINUTES
        elif token != "_":
            last, stale = minute, False
        out[minute] = int(last is not None and not stale and minute - last <= look_back)
    for minute in range(len(values.split()), length):
        out[minute] = int(last is not None and not stale and minute - last <= look_back)
    return out


def _prefix(flags: Iterable[list[int]]) -> list[int]:
    """The running count of the series read, minute by minute (the first entry 0)."""
    return [0, *accumulate(sum(minute) for minute in zip(*flags, strict=True))]


def _held(prefix: list[int], minute: int, span: int, step: int = 15) -> int:
    """Samples the series hold over the `span` minutes up to `minute`, at `step` seconds (15s: four a minute)."""
    return -(-60 * (prefix[minute + 1] - prefix[max(0, minute - span)]) // step)
