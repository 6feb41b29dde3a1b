"""A relay in a crash loop: the pages held behind it (`relay:`) read the relay's own crash-loop windows.

Replayed (round 49, promtool): the collector down 2.5m and up 2m, again and again from 10m to 50m. Its own
ServiceDown (5m hold, 10m windows) never fired, and the held pages of cart (team web) and checkout (team pay),
whose windows were twice their 6m hold (12m), fired from 25m to 50m: the relayed teams were paged for their relay,
whose owner was not. A held page's windows are now twice its written hold, the relay's at equal holds: it can fire
only where the relay's own condition held a minute longer. 512 loops (down and up 0.5-8m, same or new instance
per restart): 4 paged a relayed team before, none after.

Round 50: the relay's own page now fires for that loop (ServiceDown's crash-loop branches count a share at half or
less at any evaluation of the last hold: service_down.py), from 24m to 54m, one page to its owner; the held pages
still never fire. Round 51: its moments read twice the hold less a millisecond (both ends of the window were read),
and it fires from 20m to 56m.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_relay_down_one_page import _assert_firing_values, _down, _fleet, _two_teams


def _loop(down: int, up: int) -> str:
    """`up` at 30s steps: healthy until 10m, the loop (`down` then `up` steps) until 50m, healthy to 90m."""
    steps: list[str] = []
    while len(steps) < 80:
        steps += ["0"] * down + ["1"] * up
    return " ".join(["1"] * 20 + steps[:80] + ["1"] * 81)


def test_a_crash_loop_pages_the_relays_owner_once_and_no_team_behind_it(tmp_path: Path) -> None:
    _, out = _fleet(tmp_path, _two_teams())
    relay = [_down("otel-collector", "obs", None)]
    expected = {f"{m}m": [] for m in (16, 19, 57, 60)} | {f"{m}m": relay for m in (20, 24, 30, 35, 40, 45, 50, 56)}
    _assert_firing_values(tmp_path, out, _loop(5, 4), "30s", expected)
