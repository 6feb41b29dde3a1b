"""`obsc diff`: what a spec change does to operations, as a reviewer reads it. Goldens in tests/diff/
(`OBSC_UPDATE_GOLDENS=1` refreshes them; review their git diff)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler import changes
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

GOLDENS = ROOT / "tests" / "diff"
BASE = ROOT / "tests" / "golden" / "minimal" / "specs"


def _edit(old: str, new: str) -> Callable[[Path], None]:
    def apply(specs: Path) -> None:
        spec = specs / "api.yaml"
        assert old in spec.read_text()
        spec.write_text(spec.read_text().replace(old, new))

    return apply


def _add_service(specs: Path) -> None:
    text = (specs / "api.yaml").read_text().replace("service: api", "service: search")
    text = text.replace("job: api", "job: search")
    (specs / "search.yaml").write_text(text)


CASES: dict[str, Callable[[Path], None]] = {
    "objective": _edit("objective: 99.5", "objective: 99.9"),
    "slo-added": _edit(
        "slos:\n",
        "  latency: http_request_duration_seconds\nslos:\n"
        "  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}\n",
    ),
    "route": _edit("8080/ticket", "8080/tickets-v2"),
    "service-added": _add_service,
}


def _summary(tmp_path: Path, change: Callable[[Path], None]) -> changes.Summary:
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    change(specs)
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    return changes.summarise((c.path, c.old, c.new) for c in plan.drift)


@pytest.mark.parametrize("case", sorted(CASES))
def test_summary_matches_its_golden(tmp_path: Path, case: str) -> None:
    text = _summary(tmp_path, CASES[case]).to_markdown()
    golden = GOLDENS / f"{case}.md"
    if os.environ.get("OBSC_UPDATE_GOLDENS"):
        golden.write_text(text)
    assert text == golden.read_text(), f"tests/diff/{case}.md differs; refresh with `make goldens` and review"


def test_no_change_says_so(tmp_path: Path) -> None:
    summary = _summary(tmp_path, lambda specs: None)
    assert summary.changes == [] and summary.to_markdown() == "**obsc**: no operational change.\n"


def test_threshold_changes_name_the_numbers(tmp_path: Path) -> None:
    summary = _summary(tmp_path, CASES["objective"])
    # (the SLO's burn alerts: at 99.5% the error-rate page stays, its 1h pair too slow at 10%; at 99.9% the SLO
    # takes it, a change of its own)
    alerts = [c for c in summary.changes if c.kind == "alert" and c.name.startswith("SLO")]
    assert alerts and all(c.action == "changed" for c in alerts)
    assert all(any(d.startswith("thresholds: 0.005 → 0.001") for d in c.details) for c in alerts), alerts


def test_cli_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    _add_service(specs)
    result = run_obsc(capsys, "diff", str(specs), "--out", str(out), "--as", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    added = {(c["kind"], c["name"]) for c in data["changes"] if c["action"] == "added"}
    assert ("dashboard", "grafana/dashboards/teams/core/search.json") in added
    assert any(kind == "alert" and 'service="search"' in name for kind, name in added)


def test_a_removed_page_tier_is_shown(tmp_path: Path) -> None:
    """Found by a hunt: the critical and warning rules of a key alert shared one key, so turning the page off
    (`critical: false`) showed no alert change at all."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    spec = specs / "api.yaml"
    both = "  cpu: {selector: process_cpu_ratio, type: gauge}\nalerts: {cpu: {critical: 95%, warning: 80%}}\nslos:\n"
    spec.write_text(spec.read_text().replace("slos:\n", both))
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    spec.write_text(spec.read_text().replace("critical: 95%", "critical: false"))
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    alerts = [(c.action, c.name) for c in summary.changes if c.kind == "alert"]
    assert alerts == [("removed", 'ServiceCPUSaturation{service="api", team="core"} [critical]')], alerts
