"""The crash-loop cases' replay (loop_replay.py) does its work once: a fed timeline checked at several minutes is
replayed once for them all, and its reads are integer arithmetic that agrees with the exact one.

Round 53 (perf53): `_churning` and `_flaky_then_loop` built a Timeline for each of their checks on one fed, and each
replayed every minute again; each moment's value scanned back through the lookback, and each share was a Fraction.
Counted here, not timed: the number of timelines built per fed, and the answers beside the exact definitions."""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.targets.prometheus.promtool import down_loop_cases, loop_replay
from compiler.targets.prometheus.promtool.loop_replay import HALF, LOOKBACK, MOMENT, STEP, Timeline
from tests.bench.fleet import write_fleet
from tests.test_group_down import API, PLATFORM

# a 5m page (the flaky stretch is quiet: _flaky_then_loop) and a 10m ticket: both churn (_churning)
TIERS = "{critical: {threshold: true, for: 5m}, warning: {threshold: true, for: 10m}}"


def test_a_fed_timeline_is_replayed_once_for_all_its_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: Counter[tuple[str, ...]] = Counter()
    replayed: Counter[tuple[tuple[str, ...], int, int, bool, bool]] = Counter()
    made = Timeline.__init__
    down = Timeline.down

    def counted_init(self: Timeline, fed: list[str]) -> None:
        built[tuple(fed)] += 1
        made(self, fed)
        self.fed = tuple(fed)  # type: ignore[attr-defined]

    def counted_down(self: Timeline, minute: int, hold: int, whole: bool, absent_is_down: bool) -> bool:
        replayed[(self.fed, minute, hold, whole, absent_is_down)] += 1  # type: ignore[attr-defined]
        return down(self, minute, hold, whole, absent_is_down)

    monkeypatch.setattr(Timeline, "__init__", counted_init)
    monkeypatch.setattr(Timeline, "down", counted_down)
    loop_replay.timeline_of.cache_clear()  # (kept per process: one an earlier test built would not be counted)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM + f"defaults:\n  alerts:\n    service_down: {TIERS}\n")
    (specs / "api.yaml").write_text(API.replace("BY", "cluster"))
    compile_specs([str(specs)])
    assert built, "no crash-loop case was replayed: the spec no longer reaches loop_replay"
    # each minute of a fed, for one hold and branch, replayed once (the old code: 3 times for _churning's fed)
    assert max(replayed.values()) == 1, sorted(Counter(replayed.values()).items())


def test_a_fed_timeline_is_built_once_for_every_service_of_a_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Round 54 (perfcold54): the fed values hold no name, so the services of one template (and the two tokens
    # that prove their shape: targets/shapes.py) feed the same timelines; each generation built them again.
    built: Counter[tuple[str, ...]] = Counter()
    made = Timeline.__init__

    def counted_init(self: Timeline, fed: tuple[str, ...]) -> None:
        built[tuple(fed)] += 1
        made(self, fed)

    monkeypatch.setattr(Timeline, "__init__", counted_init)
    loop_replay.timeline_of.cache_clear()
    specs = write_fleet(tmp_path, 5, teams=1, rich=True)  # one shape: its first service and two tokens generated
    first = compile_specs([str(specs)], CompileOptions(jobs=1))
    assert built, "no crash-loop case was replayed: the fleet no longer reaches loop_replay"
    assert max(built.values()) == 1, sorted(Counter(built.values()).items())  # the old code: once per generation
    loop_replay.timeline_of.cache_clear()
    monkeypatch.setattr(down_loop_cases, "timeline_of", Timeline)  # built anew at each call, as before
    again = compile_specs([str(specs)], CompileOptions(jobs=1))
    files = [(a.path, a.content) for a in first.bundle.artifacts]
    assert [(a.path, a.content) for a in again.bundle.artifacts] == files


def _scanned(series: list[str | None], at: int) -> int | None:
    """A moment's value as defined: the latest sample within the lookback, unless a staleness marker."""
    for minute in range(min(at // STEP, len(series) - 1), -1, -1):
        if at - minute * STEP > LOOKBACK:
            return None
        token = series[minute]
        if token is not None:
            return None if token == "stale" else int(token)
    return None


@pytest.mark.parametrize("seed", range(40))
def test_each_moments_value_is_the_latest_sample_within_the_lookback(seed: int) -> None:
    draw = random.Random(seed)
    series = [draw.choice(["1", "0", None, None, None, "stale"]) for _ in range(draw.randrange(0, 40))]
    moments = max(len(series) - 1, 0) * (STEP // MOMENT) + 1
    assert loop_replay._values(series, moments) == [_scanned(series, k * MOMENT) for k in range(moments)]


def test_the_integer_share_reads_as_the_fraction_does() -> None:
    draw = random.Random(53)
    pairs = [(up, count) for count in range(1, 60) for up in range(count + 1)]
    pairs += [(draw.randrange(0, 10**7), draw.randrange(1, 10**7)) for _ in range(2000)]
    pairs += [(500001 * k, 1000000 * k) for k in (1, 2, 7)] + [(500001 * k - 1, 1000000 * k) for k in (1, 3)]
    for up, count in pairs:
        assert loop_replay._below_half(up, count) == (Fraction(up, count) < HALF), (up, count)


@pytest.mark.parametrize("seed", range(20))
def test_the_replay_agrees_with_the_exact_shares(seed: int) -> None:
    """Every minute's condition, for several holds and branches, against the shares read as Fractions (the
    definition the integer reads replaced)."""
    draw = random.Random(seed)
    minutes = draw.randrange(5, 50)
    fed = [
        " ".join(draw.choice(["1", "0", "_", "stale"]) for _ in range(minutes + 1)) for _ in range(draw.randrange(1, 4))
    ]
    timeline = Timeline(fed)
    exact = _ExactTimeline(fed)
    for hold in (15, 30, 60, 120, 300):
        for whole in (True, False):
            for absent_is_down in (True, False):
                got = timeline.holds(hold, whole, absent_is_down)
                assert got == [exact.down(m, hold, whole, absent_is_down) for m in range(minutes + 1)]


class _ExactTimeline(Timeline):
    """The targets' shares read as Fractions compared with HALF, as they were written first."""

    def _share_below(self, index: int, start: int, end: int) -> bool | None:
        sums, counts = self.sums[index], self.counts[index]
        low, high = max(-(-start // STEP), 0), min(end // STEP, len(sums) - 2)
        if high < low:
            return None
        count = counts[high + 1] - counts[low]
        return Fraction(sums[high + 1] - sums[low], count) < HALF if count else None


def test_a_group_gone_once_is_no_loop_gone_at_each_crash_however_long_it_is_gone() -> None:
    """A group up 5 minutes, then no sample: gone (past the 5m lookback) from minute 10 to 14, within twice the 5m
    hold of its last sample, five minutes of gone moments and one drop: `gone_loop` stays quiet (service_down.loop_gone
    counts drops, `resets`). Gone, back and gone again: two drops, paged from the second. review53 left G14 alive
    (gone moments counted as drops: the generated lanes' groups drop twice or never)."""
    once = Timeline([" ".join(["1"] * 5 + ["_"] * 12)])
    assert not any(once.gone_loop(minute * STEP, 300) for minute in range(17))
    twice = Timeline([" ".join(["1"] * 2 + ["_"] * 7 + ["1"] * 2 + ["_"] * 8)])
    assert [minute for minute in range(19) if twice.gone_loop(minute * STEP, 300)] == [16, 17, 18]
