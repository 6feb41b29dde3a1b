"""A young SLO's 1d/2h ticket ends when its burst is over, however often the coarse tier is evaluated (round 47).

The burst record of the 1d/2h ticket (window="2h") asks that every failure of the 1d window (the guard's count,
coarse tier) lie in the 6h one. The guard's span gives the coarse tier's first sample its whole 5m, right at the
coarse interval; evaluated every minute (promtool: every generated test and replay) an SLO whose counters start
with it over-read by the share of that sample, past the raw 6h count and its 0.1 slack, so a 30-minute outage in
its first hours kept the ticket until the 1d window let it go (round 46: up 75 -> 1,529). The record now also
reads the 6h window from the coarse tier's own samples and span (counted_short.young_burst_read). 99.9%/30d at
0.01 req/s (1 request every 100 s), raw counters from minute 0, evaluated every minute.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import SPEC, _of

TICKET = ("slow",)  # the 1d/2h pair: 3x at 99.9% over 30d, a 0.3% line
RATE = 0.01  # requests a second


def _fired(tmp_path: Path, outage: int, watched: range) -> list[int]:
    """The minutes after the outage began (of `watched`) the 1d/2h ticket fires in: 30 minutes of failures from
    minute `outage` of the SLO's life."""
    (tmp_path / "stone.yaml").write_text(SPEC)
    text = next(
        a.content
        for a in compile_specs([str(tmp_path)]).bundle.artifacts
        if a.path == names.prometheus_rules_path("stone")
    )
    minutes = outage + watched.stop
    requests = [int((m + 1) * RATE * 60) - int(m * RATE * 60) for m in range(minutes)]
    failed = [r if outage <= m < outage + 30 else 0 for m, r in enumerate(requests)]
    series = {
        'up{job="stone"}': f"1x{minutes}",
        'rpc_calls_total{job="stone"}': " ".join(str(sum(requests[: m + 1])) for m in range(minutes)),
        'rpc_calls_total{job="stone",outcome="fail"}': " ".join(str(sum(failed[: m + 1])) for m in range(minutes)),
    }
    (tmp_path / "ticket").mkdir()
    shifted = range(outage + watched.start, minutes, watched.step)
    fired = pairs_firing(tmp_path / "ticket", rules_read_by(text, alert=_of(TICKET)), series, "avail", TICKET, shifted)
    return [m - outage for m in fired["slow"]]


def test_an_outage_in_a_young_slos_first_hour_ends_its_ticket_two_hours_after_recovery(tmp_path: Path) -> None:
    """Down from minute 60 of the SLO's life for 30 minutes: the ticket ends 2h after recovery (150 after the
    outage began), not when the 1d window lets the failures go (round 46: still up at 1,469)."""
    require_tool("promtool")
    assert _fired(tmp_path, 60, range(120, 200, 10)) == [120, 130, 140, 150], "the young ticket outlived its burst"


def test_an_outage_after_five_hours_ends_its_ticket_too(tmp_path: Path) -> None:
    """Down from minute 300: the 6h window is past the SLO's first sample when the ticket may end (minute 450), so
    holding "inside" while the history is shorter than the burst window would not end it; the coarse read does
    (round 46's rules: still up at 780)."""
    require_tool("promtool")
    assert _fired(tmp_path, 300, range(120, 200, 10)) == [120, 130, 140, 150], "the young ticket outlived its burst"


def test_an_older_outage_the_6h_window_left_keeps_the_ticket(tmp_path: Path) -> None:
    """A 12-minute outage at minute 60 and a 30-minute one at minute 400: after the second, the 1d window holds
    both and the 6h window the second alone, so not every failure lies inside and the ticket holds past 2h after
    recovery. The coarse read spans at most its own 6h (a hand mutant spanning up to the 1d window read the 6h
    window's failures x1.5 at minute 550, past the 1d count, and ended the ticket at 150)."""
    require_tool("promtool")
    (tmp_path / "stone.yaml").write_text(SPEC)
    text = next(
        a.content
        for a in compile_specs([str(tmp_path)]).bundle.artifacts
        if a.path == names.prometheus_rules_path("stone")
    )
    first, second, minutes = 60, 400, 600
    requests = [int((m + 1) * RATE * 60) - int(m * RATE * 60) for m in range(minutes)]
    failed = [r if first <= m < first + 12 or second <= m < second + 30 else 0 for m, r in enumerate(requests)]
    series = {
        'up{job="stone"}': f"1x{minutes}",
        'rpc_calls_total{job="stone"}': " ".join(str(sum(requests[: m + 1])) for m in range(minutes)),
        'rpc_calls_total{job="stone",outcome="fail"}': " ".join(str(sum(failed[: m + 1])) for m in range(minutes)),
    }
    (tmp_path / "ticket").mkdir()
    watched = range(second + 120, minutes, 10)
    fired = pairs_firing(tmp_path / "ticket", rules_read_by(text, alert=_of(TICKET)), series, "avail", TICKET, watched)
    assert [m - second for m in fired["slow"]] == [m - second for m in watched]
