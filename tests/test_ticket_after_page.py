"""One outage, one notification: a ticket its page covered stays quiet once the page resolves (round 47).

Alertmanager mutes a ticket only while its page fires. A ticket pair's short window (2h, 6h) still held a
30-minute outage's failures hours after the page resolved, so the ticket then notified about an incident already
over. A ticket pair now stays quiet while a page of its SLO (same group) fired within its short window, unless the
ticket was already firing (compiler/targets/prometheus/page_covered.py). Replayed with promtool on the compiled
burn pairs and the records they read, raw counters a minute apart, 99.9%/30d with a month of history, evaluated
every minute, watched every 5m. ~5 CPU-s each at 1 req/s, less at 0.01."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.conventions import prometheus_rules_path
from tests.conftest import require_tool
from tests.promtool_helpers import month_of_history, page_guard_cut, pairs_firing, rules_read_by
from tests.test_burn_gaps import _of

SPEC = """\
apiVersion: obsc/v1
service: svc
team: t
routing: {critical: sink, warning: sink, info: sink}
selector: {job: svc}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos: [{name: avail, objective: 99.9, period: 30d, sli: {errors: errors, total: requests}}]
"""
PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {sink: {webhook: {url: "http://127.0.0.1:9/"}}}
alertmanager: {default_receiver: sink}
"""
PAGES, TICKETS = ("fast", "medium"), ("slow", "slowest")


def _rules(tmp_path: Path, guarded: bool = True) -> str:
    """The burn pairs and what they read; without `guarded`, the tickets' page guard cut off (the rules before)."""
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "svc.yaml").write_text(SPEC)
    (specs / "platform.yaml").write_text(PLATFORM)
    arts = compile_specs([str(specs)]).bundle.artifacts
    text = next(a.content for a in arts if a.path == prometheus_rules_path("svc"))
    if not guarded:
        text = page_guard_cut(text)
        assert "unless ignoring (alertname" not in text
    return rules_read_by(text, alert=_of(PAGES + TICKETS))


def _counters(stretches: list[tuple[int, float]], per_minute: float) -> dict[str, str]:
    """Request counters a minute apart over (minutes, share failing) stretches at `per_minute` requests."""
    total, failed, sent, bad = [], [], 0.0, 0.0
    for minutes, share in stretches:
        for _ in range(minutes):
            sent, bad = sent + per_minute, bad + per_minute * share
            total.append(int(sent))
            failed.append(int(bad))
    return {
        'up{job="svc"}': f"1x{len(total)}",
        'http_requests_total{job="svc"}': " ".join(map(str, total)),
        'http_requests_total{job="svc",code="500"}': " ".join(map(str, failed)),
    }


def _fired(tmp_path: Path, rules: str, series: dict[str, str], watched: range) -> dict[str, list[int]]:
    (tmp_path / "burns.yaml").write_text(rules)
    fed = {**series, **month_of_history(tmp_path, ["burns.yaml"], [{}])}
    return pairs_firing(tmp_path, rules, fed, "avail", PAGES + TICKETS, watched)


@pytest.mark.parametrize("per_second", [1, 0.01])
def test_a_30_minute_outage_pages_once_and_tickets_nothing_after_the_page(tmp_path: Path, per_second: float) -> None:
    """Every request failing in minutes 60-89, then clean to minute 600. The page fires once; no ticket fires
    outside the page's minutes (where Alertmanager mutes it). Before round 47 the 1d/2h and 3d/6h tickets fired
    past the page's end (at 1 req/s the 3d/6h ticket stayed up to about minute 450)."""
    require_tool("promtool")
    series = _counters([(60, 0.0), (30, 1.0), (510, 0.0)], per_second * 60)
    fired = _fired(tmp_path, _rules(tmp_path), series, range(0, 600, 5))
    paged = sorted({m for p in PAGES for m in fired[p]})
    assert paged, "the outage never paged"
    assert paged == list(range(paged[0], paged[-1] + 5, 5)), f"the page fired more than once: {paged}"
    after = {p: [m for m in fired[p] if m > paged[-1]] for p in TICKETS}
    assert not any(after.values()), f"a ticket notified after the page resolved (minute {paged[-1]}): {after}"


def test_a_slow_burn_that_never_pages_tickets_minute_for_minute_as_before(tmp_path: Path) -> None:
    """1 req/s, 0.4% failing (4x the budget: over both tickets' lines, under both pages'): the tickets fire at
    the same minutes with the guard as without it, and the pages never fire."""
    require_tool("promtool")
    series = _counters([(30, 0.0), (330, 0.004)], 60)
    watched = range(0, 360, 5)
    now = _fired(tmp_path, _rules(tmp_path), series, watched)
    assert not any(now[p] for p in PAGES), now
    assert now["slow"] and now["slowest"], now
    before = _fired(tmp_path, _rules(tmp_path, guarded=False), series, watched)
    assert now == before


def test_a_slow_burn_after_a_page_tickets_at_most_its_short_window_late(tmp_path: Path) -> None:
    """A 30-minute outage (page) then a 4x slow burn that goes on: the 1d/2h ticket opens no later than its
    short window (2h) and its `for` (5m) after the page's last firing minute (watched every 5m: +5). Seen: page last
    up at minute 120, the ticket from 250."""
    require_tool("promtool")
    series = _counters([(60, 0.0), (30, 1.0), (330, 0.004)], 60)
    fired = _fired(tmp_path, _rules(tmp_path), series, range(0, 420, 5))
    paged = sorted({m for p in PAGES for m in fired[p]})
    assert paged
    late = [m for m in fired["slow"] if m > paged[-1]]
    assert late and late[0] <= paged[-1] + 120 + 5 + 5, f"page last up at {paged[-1]}, 1d/2h ticket: {late[:3]}"
