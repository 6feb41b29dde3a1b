"""A file added by hand where Prometheus or Grafana load obsc's output is deployed with no spec behind it.

Found by the round 26 hostile-contributor hunt: a pull request adding `prometheus/rules/zz.yaml` to the committed
output (a `ServiceDown` carrying another team's labels mutes that team's warnings through the inhibit rules)
passed `obsc check` with a warning, and `obsc diff` (specs against the base branch's output) cannot show it.
`obsc check`, CI's gate, now fails on it; compile keeps it (it may be a human's file) and says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc

INHIBITING = "groups: [{name: x, rules: [{alert: ServiceDown, expr: vector(1), labels: {team: other}}]}]\n"


@pytest.mark.parametrize(
    "path",
    ["prometheus/rules/zz.yaml", "grafana/provisioning/datasources/default.yaml", "grafana/dashboards/fleet/x.json"],
)
def test_check_fails_on_a_file_no_spec_produced_where_the_output_is_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    (out / path).parent.mkdir(parents=True, exist_ok=True)
    (out / path).write_text(INHIBITING)
    checked = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert checked.code == 1, checked.err
    assert f"unowned: {path}\n" in checked.out
    assert "1 file(s) no spec produced, where Prometheus or Grafana load the output; move them out" in checked.err
    as_json = run_obsc(capsys, "--error-format", "json", "check", str(specs), "--out", str(out))
    problems = [json.loads(line) for line in as_json.err.splitlines() if '"status"' in line]
    assert [(p["file"], p["status"]) for p in problems] == [(str(out / path), "unowned")]
    compiled = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert compiled.code == 0 and f"{path}: not obsc's" in compiled.err  # kept: it may be a human's
    assert (out / path).read_text() == INHIBITING
    (out / path).unlink()
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0


def test_a_file_where_nothing_loads_it_is_no_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    (out / "prometheus/rules/README.md").write_text("notes\n")
    (out / "notes.yaml").write_text("a: 1\n")
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0
