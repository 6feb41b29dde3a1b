"""How a time-slice (probe) SLO's page starts and ends, replayed: one page per incident (a clean window too thin
to show bad slices holds a page: counted_short.py), and a real outage's page still ends soon after it.

A 99.9% / 30d probe SLO, one probe sample a minute (so one slice a minute), evaluated every minute (and every
15s: the same pages, as its counts read one slice a minute, round 36). Failing one slice
in 60, it paged every hour (8 pages in 10 h here; at random 6, 2 and 4): a clean 30m window ended the 6h/30m pair,
which fired again when the next bad slice came. Now a clean window ends a held pair only with slices for the
pair's gate of bad ones at the highest ratio of the windows above it (counted_short.slice_gate: 1.35 here, 2
until round 39): 1 page each. A real outage (every slice failing for 10 or 30 minutes after 6 healthy hours)
pages at the same minutes as before; the 30-minute one ends as before (minute 421), the 10-minute one at 401
(414 at the gate of 2, rounds 35-38). The event counts' gate (`slices x line >= 1`) kept the 30-minute outage's
page until minute 749 (the 6h/30m pair: 167 slices for one bad one at its 0.6% line, thinner than every window but
the 6h at a 1m interval). Short outages of the fewest slices that page: tests/test_slice_blip_recovery.py.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _episodes, _of

SPEC = """apiVersion: obsc/v1
service: beacon
team: quarry
selector: {job: probe}
targets: false
metrics: {ok: {selector: probe_success, type: gauge, aggregation: min}}
alerts: {service_down: false}
slos: [{name: reachable, objective: 99.9, sli: {good_when: ok == 1}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
PAGE = ("fast", "medium")
HEALTHY = 6 * 60  # minutes before the outage: every window of the page's pairs full and clean


def _fired(tmp_path: Path, success: list[int], watched: range, evaluation: str = "1m") -> dict[str, list[int]]:
    """Page pair → the minutes of `watched` it fires in, the probe's `success` one sample a minute, the rules
    evaluated every `evaluation`."""
    (tmp_path / "beacon.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("beacon"))
    rules = rules_read_by(text, alert=_of(PAGE))
    series = {'probe_success{job="probe"}': " ".join(map(str, success))}
    return pairs_firing(tmp_path, rules, series, "reachable", PAGE, watched, evaluation_interval=evaluation)


def _page_after_outage(tmp_path: Path, outage: int, evaluation: str = "1m") -> dict[str, list[int]]:
    """Page pair → the minutes it fires in, around an outage of `outage` minutes after 6 healthy hours, watched
    until 45 minutes after it ends. The latest page ends 31 minutes after the outage; after it every window only
    gets cleaner and a hold never starts a page, so none can start later. promtool evaluates every step up to the
    last check: 90 minutes watched after the outage cost ~10% more steps (four times as many at 15s)."""
    success = [1] * HEALTHY + [0] * outage + [1] * 120
    return _fired(tmp_path, success, range(HEALTHY, HEALTHY + outage + 45), evaluation)


def _pages(tmp_path: Path, bad: list[bool], evaluation: str = "1m") -> list[tuple[int, int]]:
    """The pages (first and last minute either page pair fires) over `bad` slices after 6 healthy hours."""
    success = [1] * HEALTHY + [0 if b else 1 for b in bad] + [1]
    fired = _fired(tmp_path, success, range(HEALTHY, HEALTHY + len(bad)), evaluation)
    return _episodes(sorted({*fired["fast"], *fired["medium"]}))


# At a 15s interval, the probe scraped every minute, the counts read the bits once a 1m slice
# (model/scrape_windows.slice_seconds), so it pages as at 1m. Counted per evaluation, one failed scrape was 4
# bad slices at 15s (meeting min_bad_events 3 alone) and 2 at 30s: the regular probe below paged 10 times in
# 10 h at 15s (the random ones below paged 6, 3 and 7 times at 15s, 4, 3 and 4 at 30s, now once each: replayed,
# not kept here, as each 15s run costs 4 times a 1m one).
# At 15s the first 4 of the 10 hours: counted per evaluation, each failed scrape paged on its own from the first
# (10 pages in 10 h), so 4 hours show it (once now, from 8h45): 2,400 steps of promtool's 3,840 (6 healthy hours).
@pytest.mark.parametrize(("evaluation", "hours"), [("1m", 10), ("15s", 4)], ids=["1m", "15s"])
def test_a_probe_failing_one_slice_in_60_pages_once_in_10_hours(tmp_path: Path, evaluation: str, hours: int) -> None:
    # 1.7% bad (1.7x the 6h/30m pair's line): it pages when the 6h window holds enough (8h45), then every clean
    # 30m window is too thin beside the 6h window's 1.7% (30 x 1.7% = 0.5 bad slices, under the pair's gate of
    # 1.35), as is the 1h (60 x 1.7%)
    assert len(_pages(tmp_path, [m % 60 == 30 for m in range(hours * 60)], evaluation)) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_probe_failing_one_slice_in_60_at_random_pages_at_most_twice_in_10_hours(tmp_path: Path, seed: int) -> None:
    draw = random.Random(seed)
    assert len(_pages(tmp_path, [draw.random() < 1 / 60 for _ in range(600)])) <= 2


def test_a_probe_outage_of_30_minutes_pages_once_and_resolves_32_minutes_after_it_ends(tmp_path: Path) -> None:
    fired = _page_after_outage(tmp_path, 30)
    # The fast pair's 1h window holds 3 bad slices (min_bad_events) at 6h02, and its 2m `for` passes at 6h04;
    # its condition breaks when its 5m window is clean (6h34), kept 15m. The medium pair fires after its 15m
    # `for` (6h17); its condition breaks when its 30m window is clean (6h59), kept 2m: the page ends 32 minutes
    # after the probe recovers (6h30).
    assert _episodes(fired["fast"]) == [(HEALTHY + 4, HEALTHY + 49)]
    assert _episodes(fired["medium"]) == [(HEALTHY + 17, HEALTHY + 61)]


def test_a_probe_outage_of_10_minutes_resolves_when_its_medium_pairs_30m_window_is_clean(
    tmp_path: Path,
) -> None:
    fired = _page_after_outage(tmp_path, 10)
    # The fast pair's clean 5m window (from 6h15) holds 5-6 slices: 1.7-2 bad ones at its 30m window's 33%, over
    # its gate of 1.35 (3 bad slices fire it: 0.45 x 3), so it ends the pair at 6h14, kept 15m: up until 6h29, as
    # before round 35. At the gate of 2 (rounds 35-38) the 30m window had to be clean: up until 6h54 (moved: the
    # gate). The medium pair as before: its clean 30m window (6h40) ends the page at 6h41.
    assert _episodes(fired["fast"]) == [(HEALTHY + 4, HEALTHY + 29)]
    assert _episodes(fired["medium"]) == [(HEALTHY + 17, HEALTHY + 41)]


def test_a_10_minute_outage_at_a_15s_interval_pages_as_at_1m(tmp_path: Path) -> None:
    # One page from 6h04 to 6h41 as at 1m (the medium pair's end; 6h54 at the gate of 2, rounds 35-38; before
    # round 36 6h03 to 6h41, its clean 5m window holding 20 slices). The 30-minute outage's page, replayed at 30s
    # and 15s, is 6h04-6h61 as at 1m (before round 36: 6h03-6h61).
    assert _episodes(*_page_after_outage(tmp_path, 10, "15s").values()) == [(HEALTHY + 4, HEALTHY + 41)]
