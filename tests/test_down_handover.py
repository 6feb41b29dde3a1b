"""One outage behind a long scrape gap pages once: ServiceDown is held into the SLO burn page of the same outage
(compiler/targets/prometheus/down_handover.py).

Round 47's drawn incidents (seeds from 4000, `long_gap`): ServiceDown paged while the targets were unscraped and
resolved when they came back, and the burn page only came 12-21 minutes later, while the outage went on: the
service's critical group went page, resolve, page (4 of 17 seeds)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.drawn_incidents import run_seed
from tests.test_group_down import API, PLATFORM

TWO_TIERS = PLATFORM + "defaults:\n  alerts:\n    service_down: {critical: true, info: {threshold: true, for: 1m}}\n"


@pytest.mark.parametrize("seed", [4048, 4160])
def test_an_outage_behind_a_long_scrape_gap_pages_once(seed: int) -> None:
    """4048: 95%/90d at ~5 req/s, every request failing from 120m for 90m, targets unscraped 135-157m. Before:
    ServiceDown 140-161m, the burn page 173-225m (nothing paging 162-172m). 4160: time slices, 95%/30d, targets
    unscraped 135-146m: ServiceDown 140-151m, the burn page 167-195m. Now ServiceDown holds until the burn page
    is up, and the page starts when it did (~5 CPU-s each)."""
    require_tool("promtool")
    _, what, found = run_seed(seed, keep=None, tail=60)
    assert found == [], what
    assert "ServiceDown=[(140, " in what, what  # the page starts at the same minute


def test_only_the_page_is_held_and_only_by_its_own_firing_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The critical ServiceDown reads its own firing ALERTS series (its team's, round 50; severity included: an
    info tier held 1m firing would otherwise start the page on a burn alone) and each page pair's short window;
    the info tier has no such branch. The compile runs the generated handover case with both tiers (promtool)."""
    require_tool("promtool", "PROMTOOL")
    code, err, text = compile_one(capsys, tmp_path, TWO_TIERS, "api", API.replace("BY", "route"))
    assert code == 0, err
    rules = [r for g in yaml.safe_load(text)["groups"] for r in g["rules"] if r.get("alert") == "ServiceDown"]
    held = {r["labels"]["severity"]: "ALERTS{" in r["expr"] for r in rules}
    assert held == {"critical": True, "info": False}
    (page,) = (r for r in rules if r["labels"]["severity"] == "critical")
    assert 'alertstate="firing",down_group="",service="api",severity="critical",team="web"}' in page["expr"]
    assert 'count(slo:sli_error:ratio_rate5m{service="api",slo="availability"} > (14.4 * 0.001))' in page["expr"]
    tests = (tmp_path / "out" / "prometheus" / "tests" / "api.scrapes.test.yaml").read_text()
    assert "ServiceDown: held after its targets return" in tests


def test_a_page_without_a_hold_is_shown_resolving_past_its_keep_firing_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ServiceDown page with `for: 0s` keeps firing 5m after its condition breaks (`keep_firing_for`): the
    generated case expected it resolved 3 minutes under the line, and promtool rejected the compile."""
    require_tool("promtool", "PROMTOOL")
    platform = PLATFORM + "defaults:\n  alerts:\n    service_down: {critical: {threshold: true, for: 0s}}\n"
    code, err, text = compile_one(capsys, tmp_path, platform, "api", API.replace("BY", "route"))
    assert code == 0, err
    assert 'ALERTS{alertname="ServiceDown"' in text
