"""The min_bad_events guard of the 1d and 3d ticket pairs counts the events the window holds, not its mean rate
times its length (found by a hunt, round 24).

The coarse tier's guard read the window's mean 5m bad rate times the window's seconds: with only hours of
history (an SLO just deployed, a `by:` group first seen today) one failure read as many. Raw counters sampled
and evaluated every minute, one request a minute, on a 99.9% / 30d SLO (tickets: 3x 1d/2h, 1x 3d/6h, both
needing 3 failed events, the default).
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import pairs_firing, rules_read_by

SPEC = """apiVersion: obsc/v1
service: ferry
team: harbour
selector: {job: ferry}
metrics: {crossings: ferry_trips_total, sunk: 'ferry_trips_total{result="lost"}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos: [{name: trips, objective: 99.9, BY sli: {errors: sunk, total: crossings}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
TICKETS = ("slow", "slowest")


def _ticketing(
    tmp_path: Path, series: dict[str, str], watched: range, by: str = "", evaluation_interval: str = "1m"
) -> dict[str, list[int]]:
    """Ticket pair → the minutes of `watched` it fires in (for the `by` group `route="b"`, if any), for raw
    series with these values at each minute, evaluated every `evaluation_interval`."""
    (tmp_path / "ferry.yaml").write_text(SPEC.replace("BY ", f"by: [{by}], " if by else ""))
    bundle = compile_specs([str(tmp_path)]).bundle
    content = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("ferry"))
    rules = rules_read_by(
        content, alert=lambda r: isinstance(r["labels"], dict) and r["labels"].get("burn_window") in TICKETS
    )
    group = f',{by}="b"' if by else ""
    return pairs_firing(tmp_path, rules, series, "trips", TICKETS, watched, group, evaluation_interval)


def _trips(first: int, minutes: int, failed_at: list[int], labels: str = "") -> dict[str, str]:
    """One trip a minute from minute `first` (no series before) to `minutes`, those at `failed_at` lost."""
    before = [f"_x{first}"] if first else []
    trips = [str(m - first + 1) for m in range(first, minutes)]
    lost = [str(sum(1 for f in failed_at if f <= m)) for m in range(first, minutes)]
    return {
        f'ferry_trips_total{{job="ferry"{labels}}}': " ".join(before + trips),
        f'ferry_trips_total{{job="ferry",result="lost"{labels}}}': " ".join(before + lost),
    }


def test_one_failure_two_hours_after_deploy_tickets_nobody(tmp_path: Path) -> None:
    # One failure at 2h: the 1d and 3d windows hold 1 failed event, under min_bad_events (3). Before the fix each
    # guard read the mean of 2h of 5m rates times its whole window: the slow pair ticketed from 2h10 until its 2h
    # window dropped the failure (4h), the slowest pair from 2h05 until its 6h window did (8h).
    fired = _ticketing(tmp_path, _trips(0, 9 * 60, [120]), range(120, 9 * 60, 5))
    assert fired == {"slow": [], "slowest": []}, fired


def test_a_real_burn_soon_after_deploy_still_tickets(tmp_path: Path) -> None:
    # Every request fails from 1h on: the 1d window holds 3 failed events at 1h03 and its ratio is far above the
    # line; both tickets fire within minutes (their `for: 5m`) and stay up.
    fired = _ticketing(tmp_path, _trips(0, 3 * 60, list(range(60, 3 * 60))), range(60, 3 * 60, 5))
    for pair in TICKETS:
        assert fired[pair] and fired[pair][0] <= 80 and fired[pair][-1] == 3 * 60 - 5, fired


def test_a_route_first_seen_today_with_one_failure_tickets_nobody(tmp_path: Path) -> None:
    # Grouped by route: route a runs from the deploy, route b is first seen at 10h and loses one trip at 11h. b's
    # windows hold 1 failed event. Before the fix b's guards read its hour of history as whole windows and both
    # tickets fired for b from 11h05: the slow pair until its 2h window dropped the failure (13h), the slowest
    # pair to the last minute watched (13h55).
    series = {**_trips(0, 14 * 60, [], ',route="a"'), **_trips(10 * 60, 14 * 60, [11 * 60], ',route="b"')}
    fired = _ticketing(tmp_path, series, range(11 * 60, 14 * 60, 5), by="route", evaluation_interval="5m")
    assert fired == {"slow": [], "slowest": []}, fired


def test_a_route_back_after_a_drain_with_one_failure_tickets_nobody(tmp_path: Path) -> None:
    # Grouped by route (found by a hunt, round 29): route b runs its first hour, is drained (its series gone) for
    # ten hours and comes back at 11h on new counters, losing one trip at 11h30. b's windows hold 1 failed event.
    # Before the fix b's first-seen time was carried across the gap, so its guards read b's two hours of samples
    # as 13h of history (~4 failures in 1d and in 3d) and both ticket pairs fired for b from 11h40. Evaluated every
    # 5m, the coarse tier's interval on a server: after a gap the span is counted back from b's coarse samples.
    first, back = _trips(0, 60, [], ',route="b"'), _trips(11 * 60, 14 * 60, [11 * 60 + 30], ',route="b"')
    drained = {name: f"{first[name]} _x{10 * 60} {values.split(' ', 1)[1]}" for name, values in back.items()}
    series = {**_trips(0, 14 * 60, [], ',route="a"'), **drained}
    fired = _ticketing(tmp_path, series, range(11 * 60, 14 * 60, 5), by="route", evaluation_interval="5m")
    assert fired == {"slow": [], "slowest": []}, fired
