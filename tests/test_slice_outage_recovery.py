"""How a time-slice (probe) SLO's page starts and ends around a real outage, replayed: the timing a gate on
thin short windows for time slices (README "Known limits, round 34": a held pair still ends on a window too thin
to show one bad slice) must keep.

A 99.9% / 30d probe SLO, one probe sample and one evaluation a minute (so one slice a minute), failing every
slice for 10 or 30 minutes after 6 healthy hours. Round 34 measured the obvious gate, the event counts' `slices
x line >= 1` (counted_short.py): at a 1m interval every short window and step of the 6h/30m pair is too thin
(167 slices for one bad one at its 0.6% line), so this page stayed up until the 6h window was clean: minute 749
after the 30m outage, not 421 (and 90 minutes late at a 30s interval, 30 at 15s). Both tests failed on it.
"""

from __future__ import annotations

from pathlib import Path

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


def _page_after_outage(tmp_path: Path, outage: int) -> dict[str, list[int]]:
    """Page pair → the minutes it fires in, around an outage of `outage` minutes after 6 healthy hours."""
    (tmp_path / "beacon.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("beacon"))
    rules = rules_read_by(text, alert=_of(PAGE))
    success = [1] * HEALTHY + [0] * outage + [1] * 120
    series = {'probe_success{job="probe"}': " ".join(map(str, success))}
    return pairs_firing(tmp_path, rules, series, "reachable", PAGE, range(HEALTHY, HEALTHY + outage + 90))


def test_a_probe_outage_of_30_minutes_pages_once_and_resolves_32_minutes_after_it_ends(tmp_path: Path) -> None:
    fired = _page_after_outage(tmp_path, 30)
    # The fast pair's 1h window holds 3 bad slices (min_bad_events) at 6h02, and its 2m `for` passes at 6h04;
    # its condition breaks when its 5m window is clean (6h34), kept 15m. The medium pair fires after its 15m
    # `for` (6h17); its condition breaks when its 30m window is clean (6h59), kept 2m: the page ends 32 minutes
    # after the probe recovers (6h30).
    assert _episodes(fired["fast"]) == [(HEALTHY + 4, HEALTHY + 49)]
    assert _episodes(fired["medium"]) == [(HEALTHY + 17, HEALTHY + 61)]


def test_a_probe_outage_of_10_minutes_resolves_as_soon_as_its_short_windows_are_clean(tmp_path: Path) -> None:
    fired = _page_after_outage(tmp_path, 10)
    assert _episodes(fired["fast"]) == [(HEALTHY + 4, HEALTHY + 29)]
    assert _episodes(fired["medium"]) == [(HEALTHY + 17, HEALTHY + 41)]
