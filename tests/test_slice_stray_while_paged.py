"""A stray bad slice during or after a time-slice SLO's page starts no second page (round 52).

The time-slice analogue of tests/test_event_stray_while_paged.py: beacon (tests/test_slice_restart.py's probe SLO,
99.95%/7d, min_bad_events 3) probed every minute, an hour healthy, 20 minutes failing, then one bad probe minute.
The page is up +4 to +51 (the 6h/30m pair's, the 1h/5m pair's to +39). Round 51's restart-floor waiver (a page pair
of the SLO up lets a pair start under the floor) never let one bad slice start a pair: after a page a time-slice
pair starts only on its bad slices less one over the line, which one slice is not. A bad slice while a pair is up
(its kept tail too) holds that pair on its plain ratio while the slice is in its short window, as a pair up holds
on any burn (slo.py): one page, to the slice's minute + 32 at most. Passes before round 52 as now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import FULL, require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _episodes, _of
from tests.test_slice_restart import PAGE, SPEC

HEALTHY = 60  # minutes before the outage
OUTAGE = 20  # minutes of the probe failing
WATCH = 160  # minutes from the outage's start


def _pages_after(tmp_path: Path, stray: int) -> list[tuple[int, int]]:
    """The pages (first, last minute from the outage's start either page pair fires) with one bad probe minute
    `stray` minutes after the outage began."""
    require_tool("promtool")
    (tmp_path / "beacon.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("beacon"))
    bad = {*range(HEALTHY, HEALTHY + OUTAGE), HEALTHY + stray}
    series = {'probe_success{job="probe"}': " ".join("0" if m in bad else "1" for m in range(HEALTHY + WATCH))}
    rules = rules_read_by(text, alert=_of(PAGE))
    fired = pairs_firing(tmp_path, rules, series, "reachable", PAGE, range(HEALTHY, HEALTHY + WATCH))
    return [(first - HEALTHY, last - HEALTHY) for first, last in _episodes(*fired.values())]


# every 5 minutes from the outage's start to well past the page (FULL); else the page's tail and either side of it
STRAYS = range(0, 121, 5) if FULL else [30, 50, 55]


@pytest.mark.parametrize("stray", STRAYS)
def test_a_stray_bad_slice_during_or_after_the_page_is_no_new_page(tmp_path: Path, stray: int) -> None:
    held = 51 if stray < 20 or stray > 51 else stray + 32  # its short window's 30m, the 6h/30m keep_firing_for 2m
    assert _pages_after(tmp_path, stray) == [(4, held)]
