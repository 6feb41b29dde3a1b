"""A time-slice SLO pages once per incident: once its page fired, one more bad slice while the long window still
holds the outage is no new burn (counted_short.started_by_counted_short, round 48).

Drawn incidents, round 47 (seed 4153): a 99.95%/7d probe SLO failing every minute for an hour paged 124-211,
then one bad probe minute 68 minutes after the outage paged again 263-280. Every page window of that SLO is over
its line on one slice (1 in 31 against the 6h/30m pair's 0.07%), and the min_bad_events guard (3 bad slices over
the long window) was met by the outage. A page pair of the SLO now starts, within its long window of a page, only
on its bad slices less one; a real second burn still pages, and so does a first page on one slice (a steady
burn of one bad slice an hour: tests/test_slice_outage_recovery.py).
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _episodes, _of

SPEC = """apiVersion: obsc/v1
service: beacon
team: quarry
selector: {job: probe}
targets: false
metrics: {ok: {selector: probe_success, type: gauge, aggregation: min}}
alerts: {service_down: false}
slos: [{name: reachable, objective: 99.95, period: 7d, min_bad_events: 3, sli: {good_when: ok == 1}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
PAGE = ("fast", "medium")
OUTAGE = range(60, 120)  # minutes of the probe failing, after an hour of healthy probes


def _pages(tmp_path: Path, bad: set[int], minutes: int) -> list[tuple[int, int]]:
    """The pages (first and last minute either page pair fires) over `minutes` of probes, `bad` ones failing."""
    require_tool("promtool")
    (tmp_path / "beacon.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("beacon"))
    rules = rules_read_by(text, alert=_of(PAGE))
    series = {'probe_success{job="probe"}': " ".join("0" if m in bad else "1" for m in range(minutes))}
    fired = pairs_firing(tmp_path, rules, series, "reachable", PAGE, range(OUTAGE.start, minutes))
    return _episodes(*fired.values())


def test_one_bad_slice_after_an_outage_pages_no_more(tmp_path: Path) -> None:
    # 40 minutes after the outage: the 1h window (the fast pair's long one) still holds 20 of its slices and the
    # 6h window all 60, both over their lines with the guard met, and one bad slice puts the 5m and 30m windows over
    # theirs: before round 48 it paged again 162-193 (the outage's page 64-151, as now).
    assert _pages(tmp_path, {*OUTAGE, 160}, 220) == [(64, 151)]


def test_a_second_outage_after_the_first_pages_again(tmp_path: Path) -> None:
    # A new burn (5 failing minutes, 60 after the outage) shows its bad slices less one over the line: it pages.
    assert _pages(tmp_path, {*OUTAGE, *range(180, 185)}, 230) == [(64, 151), (184, 229)]


def test_two_bad_slices_in_one_short_window_after_an_outage_page_no_more(tmp_path: Path) -> None:
    # Two bad probe minutes 10 apart, 40 minutes after the outage: the 30m window's bad slices less one (1) are
    # over the 0.02 its 6h/30m line shows among 31 slices, with the 6h window and the guard holding the outage:
    # before round 50 they paged again 185-202 (round 48's "two bad slices"). After a page the short window must hold
    # the floor (min_bad_events 3) of its own.
    assert _pages(tmp_path, {*OUTAGE, 160, 170}, 230) == [(64, 151)]
