"""Behavioural conformance with Sloth for its `raw-home-wifi.yml` example (an error ratio computed from a gauge
of ratios, `1 - sum(sum_over_time(g)) / sum(count_over_time(g))`, 95%): the rules Sloth generated for it
(`examples/_gen/raw-home-wifi.yml`) and obsc's for the imported spec, loaded side by side in one promtool
run over the same three wifi clients' satisfaction gauges. tests/test_sloth_behaviour.py does this for
`in-base.yaml`'s event SLIs; no test replayed an example whose SLI is a gauge of ratios, where "no traffic"
is no samples at all. obsc pages and tickets when Sloth does (late by no more than its holds) and is quiet
when Sloth is; when the gauges stop, neither alerts on the budget and obsc's SLODataMissing says so.
The corpus is read from ../shared at test time, never copied into the repository."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_shared
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import minutes_of, promtool_report, rules_checked_by
from tests.test_sloth_behaviour import _assert_obsc_follows_sloth, _spans

GAUGE = 'unifipoller_client_satisfaction_ratio{client="CLIENT"}'
FIRING = {
    ("sloth", "page"): 'ALERTS{alertname="WifiClientSatisfaction",alertstate="firing",sloth_severity="page"}',
    ("sloth", "ticket"): 'ALERTS{alertname="WifiClientSatisfaction",alertstate="firing",sloth_severity="ticket"}',
    ("obsc", "page"): 'ALERTS{alertname="SLOErrorBudgetBurnFast",alertstate="firing"}',
    ("obsc", "ticket"): 'ALERTS{alertname="SLOErrorBudgetBurnSlow",alertstate="firing"}',
    ("obsc", "missing"): 'ALERTS{alertname="SLODataMissing",alertstate="firing"}',
}
STEP = 5  # minutes between checks
HOUR = 60
# A stretch: (minutes, each client's satisfaction ratio, or None: no samples at all)
Stretch = tuple[int, tuple[float, float, float] | None]
HEALTHY = (0.97, 0.96, 0.98)  # 3% dissatisfied on average: under the 5% budget


def _firing(tmp_path: Path, stretches: Sequence[Stretch], evaluation: str = "1m") -> dict[tuple[str, str], list[int]]:
    """(tool, tier) → the minutes, every STEP, at which the alert fires: one check a minute sums a bit per alert
    and expects -1, so promtool's report says what it got. The gauges are scraped every minute, the rules
    evaluated every `evaluation`."""
    example = require_shared("corpus/sloth/examples/raw-home-wifi.yml")
    sloth = require_shared("corpus/sloth/examples/_gen/raw-home-wifi.yml").read_text()
    _, compiled = import_and_compile("sloth", [example], tmp_path / "specs")
    rules = compiled.bundle.get("prometheus/rules/home-wifi.yaml")
    assert rules is not None
    bits = " + ".join(f"{1 << i} * (clamp_max(count({e}), 1) or vector(0))" for i, e in enumerate(FIRING.values()))
    files = {"sloth.yaml": sloth, "obsc.yaml": rules.content}
    for name, text in files.items():  # cut to what the checks read: the rest only costs promtool CPU
        (tmp_path / name).write_text(rules_checked_by(text, [bits]))
    order = [g["name"] for name in files for g in yaml.safe_load((tmp_path / name).read_text())["groups"]]
    values: list[list[str]] = [[], [], []]
    for minutes, ratios in stretches:
        for client, column in enumerate(values):
            column.extend(["_" if ratios is None else str(ratios[client])] * minutes)
    series = {GAUGE.replace("CLIENT", f"c{i}"): " ".join(column) for i, column in enumerate(values)}
    total = sum(minutes for minutes, _ in stretches)
    checks = [
        {"expr": bits, "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": -1}]}
        for minute in range(0, total, STEP)
    ]
    report = promtool_report(
        tmp_path,
        list(files),
        series,
        checks,
        evaluation_interval=evaluation,
        group_eval_order=order,
        recorded_for_a_month=({},),  # as Sloth's rules read it: a service with history
    )
    got = re.findall(r"time: (\S+?),.*?got: \{\} (\S+)", report, re.DOTALL)
    assert len(got) == len(checks), report[-3000:]
    out: dict[tuple[str, str], list[int]] = {key: [] for key in FIRING}
    for at, value in got:
        for i, key in enumerate(FIRING):
            if int(float(value)) >> i & 1:
                out[key].append(minutes_of(at))
    return out


SHAPES: dict[str, tuple[list[Stretch], bool, bool]] = {
    # name: (stretches, Sloth pages, Sloth tickets)
    "healthy for 12 hours": ([(12 * HOUR, HEALTHY)], False, False),
    "every client at 0.2 for 90 minutes (16x)": (
        [(3 * HOUR, HEALTHY), (90, (0.2, 0.2, 0.2)), (3 * HOUR, HEALTHY)],
        True,
        True,
    ),
    "one client of three at 0 for 2 hours (7x: under the 1h and 6h pages' lines)": (
        [(3 * HOUR, HEALTHY), (2 * HOUR, (0.97, 0.97, 0.0)), (3 * HOUR, HEALTHY)],
        False,
        True,
    ),
    "every client at 0.85 for 12 hours (3x)": ([(6 * HOUR, HEALTHY), (12 * HOUR, (0.85, 0.85, 0.85))], False, True),
    "the gauges stop for 3 hours while healthy": (
        [(3 * HOUR, HEALTHY), (3 * HOUR, None), (2 * HOUR, HEALTHY)],
        False,
        False,
    ),
}


# A shape only tickets decide (no page line near it) is evaluated every 5m, the coarse tier's interval on a
# server where obsc's tickets live: 18 hours at 1m steps cost five times the promtool CPU for the same tickets.
TICKETS_ONLY = {"every client at 0.85 for 12 hours (3x)"}


@pytest.mark.parametrize("shape", SHAPES)
def test_obsc_pages_and_tickets_when_sloth_does_on_a_gauge_of_ratios(tmp_path: Path, shape: str) -> None:
    stretches, pages, tickets = SHAPES[shape]
    firing = _firing(tmp_path, stretches, "5m" if shape in TICKETS_ONLY else "1m")
    _assert_obsc_follows_sloth(firing, STEP)
    assert bool(firing["sloth", "page"]) is pages and bool(firing["sloth", "ticket"]) is tickets, firing
    stopped = any(ratios is None for _, ratios in stretches)
    missing = _spans(firing["obsc", "missing"], STEP)
    assert len(missing) == (1 if stopped else 0), f"SLODataMissing fired {missing} (minutes)"
