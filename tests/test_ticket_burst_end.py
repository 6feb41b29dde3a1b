"""A low-traffic outage's 3d/6h ticket ends when its burst is over (round 45).

At 0.01 req/s a 99.9%/30d SLO's 6h window holds 216 requests (0.22 failures at the 3d/6h pair's 0.1% line): too
thin to end the ticket (counted_short.py), and the pair has no fast-tier step between 6h and 3d. Round 44's rules
held the ticket of a 30-minute outage until the 3d window let the failures go: up from minute 75 to 4,410 (about
3 days; promtool, 1m evaluation). Its burst window is now its 1d window, in the coarse tier beside its long one
(model/burst_windows.event_burst_of): the ticket ends when its 6h window is clean and every failure of its 3d window
lies in its 1d one, six hours after recovery, as the 1d/2h ticket ends two hours after it (tests/test_event_burst_end).
Replayed after a day of healthy history (the 1d window full; round 44 held the ticket as long after three days of it),
the coarse tier's 5m evaluation.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import SPEC, _of

TICKET = ("slowest",)  # the 3d/6h pair: 1x at 99.9% over 30d, a 0.1% line
HISTORY = 1440  # minutes of healthy history: a day (the 3d window holds it all, as a full one would)
RATE = 0.01  # requests a second


def _fired(tmp_path: Path, stray: int | None, watched: range) -> list[int]:
    """The minutes after the outage began (of `watched`) the 3d/6h ticket fires in: 30 minutes of failures from
    HISTORY, and one `stray` failure that many minutes before it (None: none)."""
    (tmp_path / "stone.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("stone"))
    minutes = HISTORY + watched.stop
    requests = [int((m + 1) * RATE * 60) - int(m * RATE * 60) for m in range(minutes)]
    failed = [r if HISTORY <= m < HISTORY + 30 else 0 for m, r in enumerate(requests)]
    if stray is not None:
        failed[next(m for m in range(HISTORY - stray, HISTORY) if requests[m])] = 1
    series = {
        'up{job="stone"}': f"1x{minutes}",
        'rpc_calls_total{job="stone"}': " ".join(str(sum(requests[: m + 1])) for m in range(minutes)),
        'rpc_calls_total{job="stone",outcome="fail"}': " ".join(str(sum(failed[: m + 1])) for m in range(minutes)),
    }
    (tmp_path / "ticket").mkdir()
    shifted = range(HISTORY + watched.start, minutes, watched.step)
    rules = rules_read_by(text, alert=_of(TICKET))
    fired = pairs_firing(tmp_path / "ticket", rules, series, "avail", TICKET, shifted, evaluation_interval="5m")
    return [m - HISTORY for m in fired["slowest"]]


def test_a_low_traffic_outage_3d_ticket_ends_six_hours_after_recovery(tmp_path: Path) -> None:
    """Down from minute 0 to 29: the ticket is up from its 3 failures' `for` until the 6h window is clean (390),
    not for 3 days (round 44: still up at 470, the end of this watch)."""
    require_tool("promtool")
    assert _fired(tmp_path, None, range(360, 480, 20)) == [360, 380], "the ticket outlived its burst"


def test_a_failure_outside_the_1d_window_keeps_the_3d_ticket(tmp_path: Path) -> None:
    """Every failure of the 3d window must lie in the 1d one: one stray failure 20 hours before the outage (out of
    the 1d window from minute 240) is a failure the 1d window does not hold, and the ticket stays up past 390."""
    require_tool("promtool")
    assert _fired(tmp_path, 1200, range(360, 480, 20)) == list(range(360, 480, 20))
