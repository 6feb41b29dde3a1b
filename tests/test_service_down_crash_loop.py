"""A service in a crash loop raises ServiceDown (found by round 27's hunt on a Kafka consumer).

ServiceDown held `(sum(up) or vector(0)) == 0` for 5m, and a crash-looping service is up for a scrape at each
restart: up one minute in four (down 3/4 of the time, its clients refused, which its own metrics never count)
restarted the hold every time, and nothing paged. ServiceDown now also holds while every instance was up at fewer
than half of its scrapes in the last twice its hold (round 45: each target's samples, not 1m steps; at 15s scrapes,
tests/test_service_down_every_scrape.py). A healthy service failing a scrape now and then, or down for less
than the hold and back, still pages nothing; a long outage resolves at most a hold later than before. promtool,
1m steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: consumer
team: core
selector: {job: consumer}
metrics:
  consumed: {selector: events_consumed_total}
"""
SEL = 'job="consumer",instance="c1"'
MINUTES = 90


def _up(is_up: list[bool]) -> dict[str, str]:
    return {f"up{{{SEL}}}": " ".join("1" if u else "0" for u in is_up)}


@pytest.mark.parametrize("every", [3, 4, 6])
def test_a_service_up_one_minute_in_a_few_pages(tmp_path: Path, every: int) -> None:
    rules = _rules(tmp_path, "consumer", SPEC)
    series = _up([m < 30 or m % every == 0 for m in range(MINUTES + 1)])  # healthy, then a crash loop from 30m
    checks = [_firing("ServiceDown", "29m", 0)]
    checks += [_firing("ServiceDown", at, 1) for at in ("45m", "60m", "72m", "75m", "90m")]  # 60m, 72m, 90m: up
    assert _promtool(tmp_path, rules, "consumer", series, checks) == ""


def test_failed_scrapes_or_an_outage_shorter_than_the_hold_page_nothing(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "consumer", SPEC)
    # one scrape in three fails until 40m; then down 4 minutes (under the 5m hold) from 50m, and back
    series = _up([not ((m < 40 and m % 3 == 2) or 50 <= m < 54) for m in range(MINUTES + 1)])
    checks = [_firing("ServiceDown", at, 0) for at in ("20m", "39m", "53m", "55m", "58m", "60m", "90m")]
    assert _promtool(tmp_path, rules, "consumer", series, checks) == ""


def test_a_long_outage_pages_after_its_hold_and_resolves_after_recovery(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "consumer", SPEC)
    series = _up([not 30 <= m < 60 for m in range(MINUTES + 1)])  # down from 30m to 60m
    checks = [_firing("ServiceDown", "34m", 0), _firing("ServiceDown", "35m", 1), _firing("ServiceDown", "64m", 1)]
    # back at 60m: the share falls to a half within the hold (ServiceDown keeps nothing firing after it)
    checks += [_firing("ServiceDown", "70m", 0), _firing("ServiceDown", "90m", 0)]
    assert _promtool(tmp_path, rules, "consumer", series, checks) == ""


def test_after_an_outage_a_scrape_failing_now_and_then_lets_it_resolve(tmp_path: Path) -> None:
    """A single instance back from a 20-minute outage whose scrape fails one time in five: each failure made
    `sum(up) == 0` true again and `keep_firing_for` (5m) bridged to the next, so the page never resolved (round
    27's hunt). The crash-loop branch holds through a loop on its own, so ServiceDown keeps nothing firing after
    its condition: it resolves once the share of down minutes falls to a half (a hold at most)."""
    rules = _rules(tmp_path, "consumer", SPEC)
    series = _up([not (10 <= m < 30 or (m >= 30 and m % 5 == 4)) for m in range(MINUTES + 1)])
    checks = [_firing("ServiceDown", "16m", 1), _firing("ServiceDown", "29m", 1)]
    checks += [_firing("ServiceDown", at, 0) for at in ("45m", "59m", "60m", "74m", "89m", "90m")]
    assert _promtool(tmp_path, rules, "consumer", series, checks) == ""
