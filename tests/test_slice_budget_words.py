"""A time-slice or freshness SLO's budget and missing-data texts speak of time slices and gauges, not events.

Round 26 fixed the burn pages; the rest still read as an event SLO's: a probe's spent budget said "More than
0.01% of reachable events failed over the last 28d", its runbook "users got more failures", and its
SLODataMissing page asked for "the total-events query" and whether "the threshold" was a histogram bucket
(round 27, a blackbox probe at 99.99% over 28d).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from compiler.api import CompileOptions, compile_specs
from tests.test_pages import HEAD, HTTP, PLATFORM

PROBE = """\
selector: {job: blackbox}
targets: false
metrics:
  probe: {selector: 'probe_success{instance="https://www.example.com/"}', type: gauge, aggregation: min}
slos:
  - {name: reachable, objective: 99.99, period: 28d, sli: {good_when: probe == 1}}
"""
BATCH = """\
selector: {job: export}
targets: false
metrics:
  last: {selector: export_last_success_timestamp_seconds, type: gauge}
slos:
  - {name: fresh, objective: 95, period: 7d, sli: {last_success: last, max_age: 25h}}
"""


def _files(tmp_path: Path, body: str) -> dict[str, str]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "svc.yaml").write_text(HEAD + body)
    return {a.path: a.content for a in compile_specs([str(tmp_path)], CompileOptions()).bundle.artifacts}


def _exhausted_description(files: dict[str, str]) -> str:
    rules = yaml.safe_load(files["prometheus/rules/svc.yaml"])
    found = [
        r["annotations"]["description"]
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "SLOErrorBudgetExhausted"
    ]
    assert len(found) == 1
    return str(found[0])


def test_a_probe_slos_spent_budget_speaks_of_bad_time_slices(tmp_path: Path) -> None:
    files = _files(tmp_path, PROBE)
    assert _exhausted_description(files).startswith(
        "More than 0.01% of reachable time slices were bad over the last 28d: the 99.99% objective is breached"
    )
    impact = files["runbooks/svc/SLOErrorBudgetExhausted-reachable.md"].split("## Impact")[1].split("## Diagnosis")[0]
    assert "users got more bad time slices than the SLO promises over the last 28d; every further bad slice" in impact
    assert "failure" not in impact


def test_a_slice_slos_data_missing_page_asks_for_its_gauge(tmp_path: Path) -> None:
    for body, slo in ((PROBE, "reachable"), (BATCH, "fresh")):
        files = _files(tmp_path, body)
        diagnosis = files[f"runbooks/svc/SLODataMissing-{slo}.md"].split("## Diagnosis")[1].split("## Mitigation")[0]
        assert "- Does the gauge the SLI reads return anything?" in diagnosis
        assert "total-events" not in diagnosis
        assert "bucket" not in diagnosis


def test_an_event_slo_keeps_its_words(tmp_path: Path) -> None:
    files = _files(
        tmp_path, HTTP + "slos:\n  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}\n"
    )
    assert _exhausted_description(files).startswith("More than 0.1% of availability events failed over the last 30d")
    diagnosis = files["runbooks/svc/SLODataMissing-availability.md"].split("## Diagnosis")[1]
    assert "- Does the total-events query return anything?" in diagnosis
    assert "- A latency SLI: is the threshold one of the histogram's bucket boundaries" in diagnosis


LAG = """\
selector: {job: ingest}
metrics:
  lag: {selector: 'kafka_consumergroup_lag{group="ingest"}', service_selector: false, type: gauge, aggregation: sum}
slos:
  - {name: lag-under-5k, objective: 95, period: 28d, sli: {good_when: lag < 5000}}
"""


def test_a_summed_gauges_runbook_does_not_judge_each_series_by_the_line(tmp_path: Path) -> None:
    # Round 32 (a Kafka consumer's lag SLI, summed over partitions): the runbook said "the condition per series
    # (< 5000 is good): which probe fails?", but the sum is compared; every partition may be under the line.
    lag = _files(tmp_path, LAG)["runbooks/svc/SLOErrorBudgetBurnFast-lag-under-5k.md"]
    assert "Each series; the SLI compares their sum (< 5000 is good): which drive it past the line?" in lag
    assert "per series" not in lag and "probe" not in lag
    probe = _files(tmp_path, PROBE)["runbooks/svc/SLOErrorBudgetBurnFast-reachable.md"]
    assert "The condition per series (== 1 is good): which probe fails?" in probe  # min: each series must pass
