"""An event-count SLO at low traffic pages once per outage: once its page fired, one stray failure while the long
window still holds the outage is no new burn (counted_short.started_by_counted_short, round 49).

Round 48 (slice48) replayed it: a ratio SLI at 99.95%/7d (min_bad_events 3) at 0.05 req/s, every request failing
for an hour, paged 62-193 and again 265-309 on one failed request at minute 250. The 6h/30m pair's 30m window holds
~90 requests, where a burn at its 0.07% line shows 0.063 of a failure: one failure started the pair there (the
lone-failure branch, so that a first page at 10 requests an hour can come at all), and the 6h window and the guard
still held the outage. A page pair now takes one failure for a start only while no page of its SLO fired within its
long window; after one it starts on its failures less one over the line, as a busy service's always does.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.promtool_helpers import pairs_firing, rules_read_by
from tests.test_burn_gaps import _counters, _episodes, _of

SPEC = """apiVersion: obsc/v1
service: ledger
team: quarry
selector: {job: ledger}
metrics: {reqs: rpc_calls_total, fails: 'rpc_calls_total{outcome="fail"}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos: [{name: avail, objective: 99.95, period: 7d, min_bad_events: 3, sli: {errors: fails, total: reqs}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
PAGE = ("fast", "medium")
OUTAGE = range(60, 120)  # minutes of every request failing, after an hour of healthy traffic


def _pages(tmp_path: Path, requests: list[int], failed: dict[int, int]) -> list[tuple[int, int]]:
    """The pages (first and last minute either page pair fires) over minutes of `requests` (a count each minute),
    every request of an OUTAGE minute failing and `failed` (minute -> count) of others."""
    require_tool("promtool")
    (tmp_path / "ledger.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("ledger"))
    rules = rules_read_by(text, alert=_of(PAGE))
    bad = [n if m in OUTAGE else failed.get(m, 0) for m, n in enumerate(requests)]
    series = {
        'rpc_calls_total{job="ledger"}': " ".join(map(str, _counters(requests))),
        'rpc_calls_total{job="ledger",outcome="fail"}': " ".join(map(str, _counters(bad))),
    }
    fired = pairs_firing(tmp_path, rules, series, "avail", PAGE, range(OUTAGE.start, len(requests)))
    return _episodes(*fired.values())


def test_one_stray_failure_after_an_outage_pages_no_more(tmp_path: Path) -> None:
    # 0.05 req/s: 2h10 after the outage began (its page resolved at 193), the 6h window holds its 180 failures and
    # one failed request puts the 30m window (90 requests) over its 0.07% line: before round 49 it paged 265-309.
    assert _pages(tmp_path, [3] * 300, {250: 1}) == [(62, 193)]


def test_one_stray_failure_at_a_request_every_three_minutes_pages_no_more(tmp_path: Path) -> None:
    # ~0.0056 req/s: the 5m window holds 1-2 requests, the 30m window 10; before round 49 the stray paged 265-309.
    trickle = [1 if m % 3 == 0 else 0 for m in range(300)]
    assert _pages(tmp_path, trickle, {252: 1}) == [(68, 185)]


def test_a_second_outage_after_the_first_pages_again_as_soon(tmp_path: Path) -> None:
    # A new burn (5 minutes of every request failing, 2h10 after the first began) holds its failures less one over
    # the line from its first minute (3 failures against 0.003 at the 1h/5m pair's line): it pages at the minute
    # it paged before round 49, after its `for: 2m`.
    assert _pages(tmp_path, [3] * 300, dict.fromkeys(range(250, 255), 3)) == [(62, 193), (252, 299)]


def test_two_stray_failures_in_one_short_window_after_an_outage_page_no_more(tmp_path: Path) -> None:
    # Two failed requests 15 minutes apart, 2h10 after the outage began: the 30m window (90 requests) holds 2,
    # less one (1) over the 0.063 a burn at the 6h/30m line shows there, with the 6h window and the guard still
    # holding the outage: before round 50 they paged again 280-329 (round 49's "two failures in one short
    # window"). After a page the short window must hold the floor (min_bad_events 3) of its own.
    assert _pages(tmp_path, [3] * 330, {250: 1, 265: 1}) == [(62, 193)]


def test_the_floor_in_one_short_window_after_an_outage_pages_again(tmp_path: Path) -> None:
    # Three failed requests within 5 minutes meet the floor the spec sets on their own: the fast pair starts on
    # them (their less one, 2, over the 0.003 its line shows among the 5m window's 15 requests), as before.
    paged = _pages(tmp_path, [3] * 330, {250: 1, 252: 1, 254: 1})
    assert paged[0] == (62, 193)
    assert len(paged) == 2 and 254 <= paged[1][0] <= 258
