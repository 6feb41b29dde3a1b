"""A time-slice SLO counts slices per scrape, not per evaluation (round 36).

`min_bad_events` (the floor a burn pair needs in its long window) and the hold gate (the slices a clean window
holds, counted_short.py) counted evaluations: with 1m scrapes one failed probe was 1 bad slice at a 1m
evaluation interval, 2 at 30s and 4 at 15s, so at 15s it met the floor of 3 on its own. The counts now read the
bits once a slice (`[1h:1m]`): the platform's scrape interval, at least a minute (model/scrape_windows.py).
The probe gauge is fed at its scrape interval and the rules evaluated at each interval, as a server would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import promtool_report, rules_read_by
from tests.test_slice_outage_recovery import SPEC  # the same probe, replayed there

OWN = 'service="beacon",slo="reachable"'
BAD_1H = f"{names.sli_bad_slices('1h')}{{{OWN}}}"
SLICES_30M = f"{names.sli_slices('30m')}{{{OWN}}}"
SEEN = 60  # minutes of probe samples; the checks run at minute 50


def _rules(tmp_path: Path, scrape: str | None) -> str:
    (tmp_path / "beacon.yaml").write_text(SPEC)
    if scrape is not None:
        (tmp_path / "platform.yaml").write_text(
            f"apiVersion: obsc/v1\nkind: Platform\ndefaults: {{slo_alerts: {{scrape_interval: {scrape}}}}}\n"
        )
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("beacon"))
    return rules_read_by(text, exprs=[BAD_1H, SLICES_30M])


def _counts_at_50m(
    tmp_path: Path, scrape: str, declared: str | None, evaluation: str, failed: list[int], bad: int, slices: int
) -> str:
    """promtool's report ('' when both hold) on the 1h bad-slice count being `bad` and the 30m slice count
    `slices` at minute 50, the probe scraped every `scrape` (the platform says `declared`), failing at the
    samples `failed`, the rules evaluated every `evaluation`."""
    (tmp_path / "rules.yaml").write_text(_rules(tmp_path, declared))
    per_minute = {"15s": 4, "30s": 2, "1m": 1, "2m": 0.5}[scrape]
    values = ["0" if i in failed else "1" for i in range(int(SEEN * per_minute))]
    checks = [
        {"expr": expr, "eval_time": "50m", "exp_samples": [{"labels": labelled, "value": value}]}
        for expr, labelled, value in (
            (BAD_1H, f'{names.sli_bad_slices("1h")}{{{OWN},window="1h"}}', bad),
            (SLICES_30M, f'{names.sli_slices("30m")}{{{OWN},window="30m"}}', slices),
        )
    ]
    return promtool_report(
        tmp_path,
        "rules.yaml",
        {'probe_success{job="probe"}': " ".join(values)},
        checks,
        evaluation,
        input_interval=scrape,
    )


@pytest.mark.parametrize("evaluation", ["1m", "30s", "15s"])
def test_one_failed_1m_scrape_is_one_bad_slice_at_every_evaluation_interval(tmp_path: Path, evaluation: str) -> None:
    # Before: 2 bad slices and 61 in 30m at 30s, 4 and 121 at 15s (one per evaluation).
    assert _counts_at_50m(tmp_path, "1m", None, evaluation, [30], bad=1, slices=31) == ""


@pytest.mark.parametrize("evaluation", ["1m", "15s"])
def test_a_platform_scraping_every_2m_counts_one_slice_a_scrape(tmp_path: Path, evaluation: str) -> None:
    # 16 slices of 2m in 30m (20m-50m, both ends), one of them bad; before: 2 bad and 31 slices (8 and 121 at 15s)
    assert _counts_at_50m(tmp_path, "2m", "2m", evaluation, [15], bad=1, slices=16) == ""


def test_a_platform_scraping_every_15s_counts_slices_of_a_minute(tmp_path: Path) -> None:
    # A minute of failed 15s scrapes (samples 120-123: minute 30) is one bad slice at a 15s interval, as at 1m:
    # the rule group may be evaluated only once a minute, and one evaluation is never counted as several slices.
    assert _counts_at_50m(tmp_path, "15s", "15s", "15s", [120, 121, 122, 123], bad=1, slices=31) == ""
