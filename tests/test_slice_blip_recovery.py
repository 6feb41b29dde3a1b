"""A time-slice outage just long enough to page (the fewest bad slices that fire a pair) ends its page within the
hour, at every floor (min_bad_events) and objective, not when the 6h window lets it go (round 39).

Replayed (a 99.9% / 30d `pg_up == 1` SLO over two hosts, a replica down 3 minutes): paged at 7:04 and the 6h/30m
pair stayed up until 13:02. A clean window ends a held pair only if the highest ratio above it would show the
pair's gate of bad slices in it (counted_short.slice_gate); a burst of k slices shows k/2 at most (a clean 30m
window against the 1h window holding it), so at a gate of 2 the burst of 3 that fires the pair at 99.9% (3 over
the 0.6% line, and the default floor) held it for 6 hours, as did 2 slices at 99.95% (floor 2 or 1) and 1 at
99.99% (floor 1). The gate is now 0.45 times the fewest bad slices that fire the pair where that is under 2, and
one slice counts as two: against a 1h window it shows what one slice in 60 shows, which must hold its page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _episodes, _of

SPEC = """apiVersion: obsc/v1
service: orders-db
team: data
selector: {{job: postgres}}
targets: false
metrics: {{pg: {{selector: pg_up, type: gauge, aggregation: min}}}}
alerts: {{service_down: false}}
slos: [{{name: reachable, objective: {objective}, min_bad_events: {floor}, sli: {{good_when: pg == 1}}}}]
routing:
  critical: {{webhook: {{url: "http://relay:8080/page"}}}}
  warning: {{webhook: {{url: "http://relay:8080/ticket"}}}}
  info: {{webhook: {{url: "http://relay:8080/digest"}}}}
"""
PAGE = ("fast", "medium")
HEALTHY = 6 * 60  # minutes before the blip: every window of the page's pairs (6h the longest) full and clean
WATCHED = 80  # minutes after the blip: the latest page ends at 75


def _pages(
    tmp_path: Path, objective: str, floor: int, success: list[int], watched: range, evaluation: str = "1m"
) -> list[tuple[int, int]]:
    """The pages (first and last minute either page pair fires, in `watched`) over the `success` bits, one a
    minute, the rules evaluated every `evaluation`."""
    (tmp_path / "orders-db.yaml").write_text(SPEC.format(objective=objective, floor=floor))
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("orders-db"))
    rules = rules_read_by(text, alert=_of(PAGE))
    series = {'pg_up{job="postgres"}': " ".join(map(str, success))}
    fired = pairs_firing(tmp_path, rules, series, "reachable", PAGE, watched, evaluation_interval=evaluation)
    return _episodes(sorted({*fired["fast"], *fired["medium"]}))


def _page(tmp_path: Path, objective: str, floor: int, down: int, evaluation: str = "1m") -> list[tuple[int, int]]:
    """The pages (in minutes from the blip's start) of `down` bad slices after 6 healthy hours (the longest page
    window full), watched 80 minutes. After the blip every window only gets cleaner and a pair's hold never starts
    a page, so none can start once the first has ended; a page held past the hour (to minute 362 before round 39)
    shows as one up to the end of the watch. promtool evaluates every step up to the last check: 7 hours watched
    cost 840 steps, 7 healthy hours and 2 watched 540, 6 and 80 minutes 440 (and four times that at 15s)."""
    success = [1] * HEALTHY + [0] * down + [1] * WATCHED
    pages = _pages(tmp_path, objective, floor, success, range(HEALTHY, HEALTHY + down + WATCHED), evaluation)
    return [(a - HEALTHY, b - HEALTHY) for a, b in pages]


# (objective, floor, bad slices): the fewest that fire the 6h/30m pair. Before, each page lasted until minute 362
# (the 6h window let the blip go at 360, the pair kept 2m): now it ends when the fast pair's does. The fast pair
# holds until its clean 30m window shows the gate against the 1h window (min 30-33), then keeps firing 15m.
@pytest.mark.parametrize(
    ("objective", "floor", "down", "page"),
    [
        ("99.9", 3, 3, (4, 47)),  # the default floor: gate 1.35 (3 slices over the 0.6% line too)
        ("99.9", 2, 3, (3, 47)),  # 3 slices over the line still: 1.35 at floors 1 and 2 (the fast pair: 0.9)
        ("99.9", 1, 3, (2, 47)),
        ("99.95", 2, 2, (3, 46)),  # 2 over the 0.3% line: gate 0.9
        ("99.95", 1, 2, (2, 46)),
        ("99.99", 1, 2, (2, 46)),  # 1 over the 0.06% line, counted as 2: gate 0.9
        # One slice fires both page pairs; the 6h/30m pair held it until its 6h window let it go (2 to 362, rounds
        # 39 and before). Its burst is over once its 30m window is clean and the 6h window holds no bad slice the 1h
        # does not (model/burst_windows.py): it ends at 32; the fast pair holds until its 1h window lets the
        # slice go (61) and keeps firing 15m, so that one slice in 60 still pages once (the last test here).
        ("99.99", 1, 1, (2, 75)),
    ],
)
def test_a_blip_of_the_fewest_bad_slices_that_page_ends_its_page_within_the_hour(
    tmp_path: Path, objective: str, floor: int, down: int, page: tuple[int, int]
) -> None:
    assert _page(tmp_path, objective, floor, down) == [page]


@pytest.mark.parametrize("evaluation", ["30s", "15s"])
def test_the_3_minute_blip_at_30s_and_15s_pages_as_at_1m(tmp_path: Path, evaluation: str) -> None:
    # The counts read one slice a scrape (1m), so the page is the 1m one (before: 4 to 362 at both intervals).
    assert _page(tmp_path, "99.9", 3, 3, evaluation) == [(4, 47)]


def test_a_probe_failing_one_slice_in_60_pages_once_where_one_slice_fires_the_fast_pair(tmp_path: Path) -> None:
    # min_bad_events 1: each bad slice fires the 1h/5m pair (1/61 over its 1.44% line). A clean 30m window shows
    # 0.5 bad slices against the 1h window's one, as after a blip of one slice: at a gate of 0.45 (one slice's)
    # the pair ended each hour, 3 pages in 10 h (32-75, 92-135, 152 on, the 6h/30m pair holding from 165).
    success = [1] * HEALTHY + [0 if m % 60 == 30 else 1 for m in range(600)] + [1]
    assert len(_pages(tmp_path, "99.9", 1, success, range(HEALTHY, HEALTHY + 600))) == 1


TICKET = ("slow", "slowest")
DAY = 24 * 60 + 10  # minutes of healthy history: the 1d window full and clean


def test_a_3_minute_outage_ends_its_3d_ticket_once_its_6h_window_is_clean(tmp_path: Path) -> None:
    """99.95% at the default floor: 3 bad slices fire both ticket pairs (gate 1.35). Against the 3d window they show
    0.25 in the clean 6h window (6h/3d: a twelfth, not the half the gate assumes), so the 3d/6h pair held the
    ticket until its 3d window let the outage go: 3 days (4,325 minutes replayed after 3 healthy days; here, to
    the end of the 8 hours watched). Its burst is over when its 6h window is clean and the 3d window holds no bad
    slice the 1d does not: it ends at minute 365. Evaluated every 5m (the coarse tier's interval, where the
    tickets live), so the fast tier sees one bad minute of the three and the 1d/2h pair is ended by its gate at
    125 either way; at 1m (replayed, 1 day healthy: 8 CPU-s) the 1d/2h pair held to the end of the 8 hours
    before (its 1d window: a day) and ends at 127 now, the 3d/6h at 367."""
    (tmp_path / "orders-db.yaml").write_text(SPEC.format(objective="99.95", floor=3))
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("orders-db"))
    rules = rules_read_by(text, alert=_of(TICKET))
    success = [1] * DAY + [0] * 3 + [1] * 480
    watched = range(DAY, DAY + 480, 5)
    fired = pairs_firing(
        tmp_path,
        rules,
        {'pg_up{job="postgres"}': " ".join(map(str, success))},
        "reachable",
        TICKET,
        watched,
        evaluation_interval="5m",
    )
    shifted = {pair: [m - DAY for m in minutes] for pair, minutes in fired.items()}
    assert _episodes(shifted["slow"], step=5) == [(10, 125)]
    assert _episodes(shifted["slowest"], step=5) == [(10, 365)]
