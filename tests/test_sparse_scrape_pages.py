"""Key alerts page on a target scraped every 2m that fails one scrape in three (found by a hunt on slow
scrapes, round 30).

Samples 4m apart leave a 5m rate with one sample, so the error ratio, the failed-request rate, the p99 and
its evidence had no value at one evaluation in three or so (between two scrapes), and each such evaluation
restarted the alert's hold: a service without an SLO failing half its requests at a 10s p99 never paged in
two hours (promtool, 30s evaluations). The alerts now read each signal's last value of the past 5 minutes,
as the saturation and threshold alerts do. Inputs written here by hand at 1m steps: `_` between scrapes,
`stale` for a failed scrape.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: 'http_requests_total{code="500"}'
  latency: {selector: http_request_duration_seconds, type: histogram}
"""
MINUTES = 120
SEL = 'job="api",instance="i1"'


def _scraped(per_minute: float, every: int = 2, failing: int = 3) -> str:
    """A counter growing `per_minute`, scraped every `every` minutes (`_` between), each `failing`th scrape
    failed (`stale`)."""
    out = []
    for minute in range(MINUTES + 1):
        scrape, between = divmod(minute, every)
        if between:
            out.append("_")
        elif (scrape + 1) % failing == 0:
            out.append("stale")
        else:
            out.append(str(round(per_minute * minute, 3)))
    return " ".join(out)


def _up() -> str:
    return " ".join("_" if m % 2 else ("0" if (m // 2 + 1) % 3 == 0 else "1") for m in range(MINUTES + 1))


def test_half_the_requests_failing_at_a_10s_p99_pages_though_one_scrape_in_three_fails(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "api", SPEC)
    series = {  # 10 requests a second, half of them failing, every one slower than 1s
        f'http_requests_total{{{SEL},code="200"}}': _scraped(300),
        f'http_requests_total{{{SEL},code="500"}}': _scraped(300),
        f'http_request_duration_seconds_bucket{{{SEL},le="1"}}': _scraped(0),
        f'http_request_duration_seconds_bucket{{{SEL},le="10"}}': _scraped(600),
        f'http_request_duration_seconds_bucket{{{SEL},le="+Inf"}}': _scraped(600),
        f"up{{{SEL}}}": _up(),
    }
    # both error-rate tiers (10% critical, 1% warning) and the p99's one (5s)
    fired = {names.KEY_ALERT_NAMES["error_rate"]: 2, names.KEY_ALERT_NAMES["latency_p99"]: 1}
    checks = [_firing(alert, at, count) for alert, count in fired.items() for at in ("30m", "60m", "90m", "119m")]
    report = _promtool(tmp_path, rules, "api", series, checks)
    assert report == "", report
