"""A ticket pair's guard survives an evaluation whose 5m rate is empty (found by a hunt on slow scrapes, round 30).

A target scraped every 2m whose exporter times out one scrape in three leaves gaps of 4m between samples: one
coarse evaluation in three finds a single sample in its 5m window, so `slo:sli_errors:coarse_rate5m` has no
value then. The guard of the 1d and 3d ticket pairs (`slo:sli_errors:rate1d` and `rate3d`) read when the coarse
tier first saw the SLO from that instant only, so it vanished at each such evaluation, the pairs' `for: 5m`
started over, and a 0.4% error rate on a 99.9% SLO (over both ticket lines, under the pages') never
ticketed (promtool, 1m evaluations). The guard now reads the newest first-seen time of the last 15 minutes,
the gap the record itself already bridges. Inputs written here by hand at 1m steps: `_` between scrapes,
`stale` for a failed scrape.

The SLO has been recorded for a month (its first-seen time fed once, at 0, and carried by its own rule from the
first evaluation): since round 43 a young SLO's 1d and 3d windows read the time their samples do not cover as good
(coarse_history.py), and a 0.4% burn from the rules' first minute tickets only when it has spent each ticket's
share of the budget (~18h in), as one starting on a service recorded for months does.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import pairs_firing, rules_read_by

SPEC = """apiVersion: obsc/v1
service: ledger
team: books
selector: {job: ledger}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code="500"}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos: [{name: writes, objective: 99.9, sli: {errors: errors, total: requests}}]
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
TICKETS = ("slow", "slowest")
MINUTES = 240


def _scraped(per_minute: float, every: int, failing: int) -> str:
    """A counter growing `per_minute`, scraped every `every` minutes (`_` between), each `failing`th scrape
    failed (`stale`; 0: none fails)."""
    out = []
    for minute in range(MINUTES + 1):
        scrape, between = divmod(minute, every)
        if between:
            out.append("_")
        elif failing and (scrape + 1) % failing == 0:
            out.append("stale")
        else:
            out.append(str(round(per_minute * minute, 3)))
    return " ".join(out)


def _ticketing(tmp_path: Path, every: int, failing: int) -> dict[str, list[int]]:
    (tmp_path / "ledger.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)]).bundle
    content = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("ledger"))
    rules = rules_read_by(
        content, alert=lambda r: isinstance(r["labels"], dict) and r["labels"].get("burn_window") in TICKETS
    )
    series = {  # 10 requests a second, 0.4% failing: 1.33x the 1d pair's line (3x), 4x the 3d pair's (1x)
        'http_requests_total{job="ledger",code="200"}': _scraped(597.6, every, failing),
        'http_requests_total{job="ledger",code="500"}': _scraped(2.4, every, failing),
        f'{names.SLI_COARSE_SINCE}{{service="ledger",slo="writes",window="5m"}}': str(-30 * 86400),
    }
    # every 30s: an evaluation between two scrapes, as on a server whose rule groups are not in step with them
    return pairs_firing(
        tmp_path, rules, series, "writes", TICKETS, range(60, MINUTES + 1, 20), evaluation_interval="30s"
    )


def test_a_steady_burn_tickets_though_one_scrape_in_three_of_two_minutes_fails(tmp_path: Path) -> None:
    firing = _ticketing(tmp_path, every=2, failing=3)
    assert firing == {"slow": list(range(60, MINUTES + 1, 20)), "slowest": list(range(60, MINUTES + 1, 20))}


def test_the_same_burn_scraped_every_minute_tickets_alike(tmp_path: Path) -> None:
    firing = _ticketing(tmp_path, every=1, failing=0)
    assert firing == {"slow": list(range(60, MINUTES + 1, 20)), "slowest": list(range(60, MINUTES + 1, 20))}
