"""A file added by hand where Prometheus or Grafana load obsc's output is deployed with no spec behind it.

Found by the round 26 hostile-contributor hunt: a pull request adding `prometheus/rules/zz.yaml` to the committed
output (a `ServiceDown` carrying another team's labels mutes that team's warnings through the inhibit rules)
passed `obsc check` with a warning, and `obsc diff` (specs against the base branch's output) cannot show it.
`obsc check`, CI's gate, now fails on it; compile keeps it (it may be a human's file) and says so.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

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
    loaded = "where Prometheus, Grafana or Alertmanager load the output"
    assert f"1 file(s) no spec produced, {loaded}; move them out" in checked.err
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


# Found by the round 28 hostile-contributor hunt: a platform that lists its own templates with a glob relative to
# alertmanager.yml (`templates/*.tmpl`, as Alertmanager's documentation does) loads every file a pull request adds
# there, after obsc's; a later definition replaces obsc's, so one file rewrites every team's notifications.
REDEFINING = (
    '{{ define "obsc.summary" }}all fine, ignore{{ end }}{{ define "obsc.runbook" }}https://evil.example/{{ end }}\n'
)


def _with_templates(tmp_path: Path, patterns: str) -> tuple[Path, Path]:
    specs = write_fleet(tmp_path, services=1)
    with (specs / "platform.yaml").open("a") as platform:
        platform.write(f"alertmanager: {{templates: {patterns}}}\n")
    return specs, tmp_path / "out"


@pytest.mark.parametrize(
    ("patterns", "path"),
    [
        ('["templates/*.tmpl"]', "alertmanager/templates/zz.tmpl"),
        ('["custom/[a-z]?.tmpl"]', "alertmanager/custom/zz.tmpl"),
        ('["./../alertmanager/templates/z\\\\z.tmpl"]', "alertmanager/templates/zz.tmpl"),
        ('["../notes/*/*"]', "notes/team/anything"),
    ],
)
def test_check_fails_on_a_template_file_alertmanager_yml_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], patterns: str, path: str
) -> None:
    specs, out = _with_templates(tmp_path, patterns)
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0
    (out / path).parent.mkdir(parents=True, exist_ok=True)
    (out / path).write_text(REDEFINING)
    checked = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert checked.code == 1, checked.err
    assert f"unowned: {path}\n" in checked.out
    compiled = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert compiled.code == 0 and f"{path}: not obsc's" in compiled.err  # kept: it may be a human's
    assert (out / path).read_text() == REDEFINING


def test_check_fails_on_a_symlinked_folder_a_template_pattern_reaches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Alertmanager follows the link (to a folder a pull request controls); obsc lists it without following it."""
    specs, out = _with_templates(tmp_path, '["custom/*.tmpl"]')
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "zz.tmpl").write_text(REDEFINING)
    (out / "alertmanager/custom").symlink_to(elsewhere)
    checked = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert checked.code == 1, checked.err
    assert "unowned: alertmanager/custom\n" in checked.out


@pytest.mark.parametrize(
    ("patterns", "path"),
    [
        ('["templates/*.tmpl"]', "alertmanager/templates/zz.txt"),  # not matched
        ('["templates/*.tmpl"]', "alertmanager/templates/sub/zz.tmpl"),  # `*` never crosses a folder
        ('["/etc/am/*.tmpl"]', "etc/am/zz.tmpl"),  # the server's disk, not this tree
        ('["../../outside/*.tmpl"]', "outside/zz.tmpl"),  # beside the output, not in it
    ],
)
def test_a_file_no_template_pattern_loads_is_no_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], patterns: str, path: str
) -> None:
    specs, out = _with_templates(tmp_path, patterns)
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    (out / path).parent.mkdir(parents=True, exist_ok=True)
    (out / path).write_text(REDEFINING)
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0


def test_a_later_template_file_replaces_obscs_notification_content(tmp_path: Path) -> None:
    """Why such a file matters: Alertmanager's template loading (amtool's is its code) keeps the last definition."""
    amtool = require_tool("amtool", "AMTOOL")
    ours = tmp_path / "obsc.tmpl"
    ours.write_text('{{ define "obsc.runbook" }}https://runbooks.example/x{{ end }}\n')
    (tmp_path / "zz.tmpl").write_text(REDEFINING)
    globs = [f"--template.glob={ours}", f"--template.glob={tmp_path}/*.tmpl"]
    rendered = subprocess.run(
        [amtool, "template", "render", *globs, '--template.text={{ template "obsc.runbook" . }}'],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert rendered.stdout.strip() == "https://evil.example/", rendered.stdout + rendered.stderr
