"""A short dense burst at very low traffic ends the 6h/30m page once it is over (round 47).

At 1 req/min (99.9%/30d) 5 failures in 5 minutes held the 6h/30m page until its 6h window let them go, 360
minutes: the clean 30m window's 30 requests show 1.2 failures at the 2h window's ratio, under the burst record's
density gate of 2. The record now also passes where the 2h window's busiest 5m holds at least 3 failures and 0.8
of its failures (model/burst_windows.EVENT_BURST_PEAK_SHARE): the pair ends 30 minutes after the burst, when its
30m window is clean. A stream failing at random spreads its failures and keeps one page (test_event_burst_end).
Replayed with promtool on raw counters; the minutes are after the burst began, 6h of healthy history first.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.conftest import require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _of
from tests.test_event_burst_end import START, _rules

MEDIUM = ("medium",)


def _series(requests: list[int], failed: list[int]) -> dict[str, str]:
    return {
        'up{job="stone"}': f"1x{len(requests)}",
        'rpc_calls_total{job="stone"}': " ".join(str(sum(requests[: m + 1])) for m in range(len(requests))),
        'rpc_calls_total{job="stone",outcome="fail"}': " ".join(str(sum(failed[: m + 1])) for m in range(len(failed))),
    }


def _medium(tmp_path: Path, series: dict[str, str], watched: range) -> list[int]:
    tmp_path.mkdir()
    rules = rules_read_by(_rules(tmp_path), alert=_of(MEDIUM))
    fired = pairs_firing(
        tmp_path, rules, series, "avail", MEDIUM, range(START + watched.start, START + watched.stop, watched.step)
    )
    return [m - START for m in fired["medium"]]


def _burst(minutes: int, failures: int, rate: float = 1.0) -> tuple[list[int], list[int]]:
    """Requests a minute at `rate`/min, and `failures` more, all failing, over the 5 minutes from START."""
    requests = [int((m + 1) * rate) - int(m * rate) for m in range(minutes)]
    failed = [0] * minutes
    for i in range(failures):
        requests[START + i * 5 // failures] += 1
        failed[START + i * 5 // failures] += 1
    return requests, failed


def test_five_failures_in_five_minutes_end_the_page_when_the_30m_window_is_clean(tmp_path: Path) -> None:
    """Up from 17 (its `for: 15m`); before: still up at 300 (until 360). The 1h/5m pair holds until its 1h window
    lets the burst go (76), as before: the page as a whole ends there."""
    require_tool("promtool")
    requests, failed = _burst(START + 61, 5)
    assert _medium(tmp_path / "five", _series(requests, failed), range(20, 61, 5)) == [20, 25, 30, 35]


def test_a_dense_burst_inside_a_trickle_of_older_failures_holds(tmp_path: Path) -> None:
    """Every failure of the 6h window must lie in the 2h one: a failure 3 hours before the burst keeps the page
    (the dense gate is no shortcut past the burst record's other gates)."""
    require_tool("promtool")
    requests, failed = _burst(START + 61, 5)
    stray = next(m for m in range(START - 180, START) if requests[m])
    failed[stray] = 1
    assert _medium(tmp_path / "stray", _series(requests, failed), range(20, 61, 20)) == [20, 40, 60]


def test_a_ten_percent_stream_at_one_request_a_minute_pages_once(tmp_path: Path) -> None:
    """A stream failing 10% of 1 req/min at random (seed 3) from START: its busiest 5m holds 1-2 of the 2h
    window's failures, so no clean 30m window reads as a dense burst over: one span of the page."""
    require_tool("promtool")
    rng = random.Random(3)
    minutes = START + 200
    requests = [1] * minutes
    failed = [int(m >= START and rng.random() < 0.1) for m in range(minutes)]
    fired = _medium(tmp_path / "random", _series(requests, failed), range(40, 200, 5))
    assert fired == list(range(fired[0], 200, 5)), fired


def test_a_burst_holding_under_its_share_of_the_2h_windows_failures_holds(tmp_path: Path) -> None:
    """Three failures in the 20 minutes before the five-minute burst: its busiest 5m holds 5 of the 2h window's 8
    failures (0.625, under EVENT_BURST_PEAK_SHARE's 0.8), so no dense burst is read and the page holds as it did
    before round 47 (a hand mutant reading a share of 0.5 ended it at 35)."""
    require_tool("promtool")
    requests, failed = _burst(START + 61, 5)
    for m in (START - 20, START - 15, START - 10):
        requests[m] += 1
        failed[m] += 1
    assert _medium(tmp_path / "share", _series(requests, failed), range(20, 61, 5)) == list(range(20, 61, 5))
