"""A stray failure in the last minutes of an event-count SLO's page starts no second page (round 52).

tests/e2e/test_event_page_once_live.py's input replayed with promtool: ledger (tests/test_event_restart.py's spec,
99.95%/7d, min_bad_events 3) at 3 requests a minute, an hour healthy, 20 minutes of every request failing, then one
failed request. The fast pair's page is up to +93 (its keep_firing_for). Round 51's restart-floor waiver ("while a
page is up a pair may start on fewer failures than the floor") waived one failure's start too: one failure at +85
or +90 started the medium pair while the fast page was up only in its kept tail; its 15m `for` outlived that page,
so it fired as a new page (+100 to +116, +105 to +159), and one at +75 held the page to +106. The waiver now waives
the floor only (counted_short.started_by_counted_short): one failure is every stray minute's one page, (2, 93).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import FULL, require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _counters, _episodes, _of
from tests.test_event_restart import PAGE, SPEC

HEALTHY = 60  # minutes before the outage
OUTAGE = 20  # minutes of every request failing
WATCH = 160  # minutes from the outage's start


def _pages_after(tmp_path: Path, stray: int) -> list[tuple[int, int]]:
    """The pages (first, last minute from the outage's start either page pair fires) with one failed request
    `stray` minutes after the outage began."""
    require_tool("promtool")
    (tmp_path / "ledger.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("ledger"))
    requests = [3] * (HEALTHY + WATCH)
    bad = [n if HEALTHY <= m < HEALTHY + OUTAGE else 0 for m, n in enumerate(requests)]
    bad[HEALTHY + stray] += 1
    series = {
        'rpc_calls_total{job="ledger"}': " ".join(map(str, _counters(requests))),
        'rpc_calls_total{job="ledger",outcome="fail"}': " ".join(map(str, _counters(bad))),
    }
    rules = rules_read_by(text, alert=_of(PAGE))
    fired = pairs_firing(tmp_path, rules, series, "avail", PAGE, range(HEALTHY, len(requests)))
    return [(first - HEALTHY, last - HEALTHY) for first, last in _episodes(*fired.values())]


# every 5 minutes from the outage's start to well past the page (FULL); else the page's tail and either side of it
STRAYS = range(0, 121, 5) if FULL else [60, 75, 85, 90, 95]


@pytest.mark.parametrize("stray", STRAYS)
def test_a_stray_failure_during_or_after_the_page_is_no_new_page(tmp_path: Path, stray: int) -> None:
    # before round 52: +75 held the page to +106, +85 paged again 100-116, +90 105-159
    assert _pages_after(tmp_path, stray) == [(2, 93)]
