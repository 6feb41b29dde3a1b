"""A counter takes no per-minute Grafana unit (found by round 35's dashboard hunt on a fleet unlike examples/).

obsc draws, records and alerts on a counter as rate(), per second. With `unit: opm` (or cpm, reqpm, rpm, wpm,
epm, mpm, recpm, rowspm) every panel of it labelled 2 ops/s "2 ops/min", 60 times low: the Traffic and
Request rate panels, the metric's business panel, and its threshold panel, whose line for `below: 30/m`
(an alert at 0.5/s) was drawn as "0.5 ops/min". That unit is now a located error naming the per-second id.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_pages import compiled, errors_of

# Grafana's per-minute throughput ids (grafana-schemas units.jsonschema.json) and their per-second siblings
PER_MINUTE = {"cpm": "cps", "opm": "ops", "reqpm": "reqps", "rpm": "rps", "wpm": "wps", "epm": "eps", "mpm": "mps"}
PER_MINUTE |= {"recpm": "recps", "rowspm": "rowsps"}


@pytest.mark.parametrize(("unit", "meant"), sorted(PER_MINUTE.items()))
def test_a_counter_in_a_per_minute_unit_is_refused_with_its_per_second_unit(
    tmp_path: Path, unit: str, meant: str
) -> None:
    body = f"selector: {{job: svc}}\nmetrics:\n  done: {{selector: jobs_done_total, type: counter, unit: {unit}}}\n"
    errors = errors_of(tmp_path, body)
    assert len(errors) == 1 and errors[0].startswith("metrics.done.unit: "), errors
    assert f"unit {unit!r} (per minute) would label 60 times too low; write unit: {meant}" in errors[0]


def test_requests_are_a_counter_too(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, "selector: {job: svc}\nmetrics:\n  requests: {selector: jobs_total, unit: reqpm}\n")
    assert len(errors) == 1 and errors[0].startswith("metrics.requests.unit: ") and "write unit: reqps" in errors[0]


def test_a_gauge_keeps_a_per_minute_unit_and_a_counter_its_per_second_one(tmp_path: Path) -> None:
    """A gauge is drawn as it is scraped: an exporter's own per-minute figure stays in opm."""
    body = (
        "selector: {job: svc}\nmetrics:\n  done: {selector: jobs_done_total, type: counter, unit: ops}\n"
        "  pace: {selector: jobs_per_minute, type: gauge, unit: opm}\n"
        "threshold_alerts: [{name: DoneLow, metric: done, below: 30/m}]\n"
    )
    _, service, files = compiled(tmp_path, body)
    assert {m.name: m.unit for m in service.metrics}.items() >= {"done": "ops", "pace": "opm"}.items()
    board = json.loads(next(text for path, text in files.items() if path.endswith("/svc.json")))
    panels = [p for row in board["panels"] for p in [row, *(row.get("panels") or [])]]
    line = next(p for p in panels if p.get("title") == "done per second")["fieldConfig"]["defaults"]
    assert line["unit"] == "ops" and line["thresholds"]["steps"][-1]["value"] == 0.5  # 30/m, per second


@pytest.mark.parametrize(
    ("unit", "meant"),
    [
        ("OPM", "ops"),
        ("ReqPM", "reqps"),
        ("suffix: req/min", "suffix: req/s"),
        ("jobs/min", "jobs/s"),
        ("suffix:jobs per minute", "suffix:jobs/s"),
        ("rows/minute", "rows/s"),
    ],
)
def test_a_per_minute_unit_in_other_words_is_refused_on_a_counter(tmp_path: Path, unit: str, meant: str) -> None:
    """Grafana shows a unit id it does not know as written ("2 OPM", "2 jobs/min"): per minute still, 60 times low."""
    body = f"selector: {{job: svc}}\nmetrics:\n  done: {{selector: jobs_done_total, type: counter, unit: '{unit}'}}\n"
    errors = errors_of(tmp_path, body)
    assert len(errors) == 1 and errors[0].startswith("metrics.done.unit: "), errors
    assert f"write unit: {meant} " in errors[0], errors


@pytest.mark.parametrize("unit", ["reqps", "OPS", "suffix: req/s", "jobs/sec", "short", "minutes", "m", "suffix: min"])
def test_a_counter_keeps_a_unit_that_does_not_say_per_minute(tmp_path: Path, unit: str) -> None:
    body = f"selector: {{job: svc}}\nmetrics:\n  done: {{selector: jobs_done_total, type: counter, unit: '{unit}'}}\n"
    _, service, _ = compiled(tmp_path, body)
    assert {m.name: m.unit for m in service.metrics}["done"] == unit
