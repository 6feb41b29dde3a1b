"""A spec's text printed in a CI job's log must not be read as a command by the runner (round 32, hunt).

GitHub Actions takes a workflow command from a log line that starts, after spaces, with `::` (`::error
file=...::`, `::stop-commands::`, `::add-mask::`) and from `##[...]` anywhere in a line; Azure Pipelines takes
`##vso[...]` anywhere. A description with a line `::error file=specs/auth.yaml,line=1::...` reached
`obsc check`'s unified diff (a context line of a runbook, in every --error-format), and a line break in a
metric name split a text-format error so that its second line started with `::`: a contributor of one team
could put an error annotation on another team's spec in the pull request, or stop the runner reading
commands and hide obsc's own annotations. Label values with `##[` reached every output format.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from compiler.ui import render
from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  identity:
    routing:
      critical: {webhook: {url: "https://hooks.example/identity"}}
      warning: {webhook: {url: "https://hooks.example/identity"}}
"""

FORGED = "::error file=specs/auth.yaml,line=1::forged by another team"

SPEC = """\
apiVersion: obsc/v1
service: evil
team: identity
description: {description}
selector: {{job: evil}}
labels: {{tier: {tier}}}
metrics:
  requests: {requests}
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""


def _spec(folder: Path, *, description: str = "x", tier: str = "x", requests: str = "http_requests_total") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "platform.yaml").write_text(PLATFORM)
    text = SPEC.format(description=json.dumps(description), tier=json.dumps(tier), requests=json.dumps(requests))
    (folder / "evil.yaml").write_text(text)
    return folder


# What the runners read (actions/runner ActionCommand.TryParseV2 and TryParse; Azure's agent likewise).
_V1 = re.compile(r"##(vso|teamcity)?\[", re.IGNORECASE)


def _commands(output: str, ours: str = "") -> list[str]:
    """Lines of `output` a runner would take as a command, but for obsc's own annotations (`ours`: their start)."""
    lines = re.split(r"\r\n|\r|\n", output)
    return [
        line
        for line in lines
        if (line.lstrip().startswith("::") and not (ours and line.startswith(ours))) or _V1.search(line)
    ]


@pytest.mark.parametrize("style", ["text", "json", "github"])
def test_no_error_line_is_a_runner_command_in_any_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str
) -> None:
    specs = _spec(tmp_path / "specs", requests=f"http_requests_total\n{FORGED}", tier="a ##[error]forged")
    (specs / "other.yaml").write_text(SPEC.format(description='"x"', tier='"x"', requests='"x ##vso[task.complete]"'))
    result = run_obsc(capsys, "validate", str(specs), "--error-format", style)
    assert result.code == 2, result.err
    assert "metrics.requests" in result.err and "other.yaml" in result.err
    ours = f"::error file={specs}"  # the github format's own annotations, located at the spec
    assert _commands(result.err + result.out, ours if style == "github" else "") == []
    if style == "json":  # the escape is JSON's own: the message reads back as written
        messages = [json.loads(line)["message"] for line in result.err.splitlines() if line.startswith("{")]
        assert any("##vso[task.complete]" in message for message in messages)
    if style == "text":  # one line per error: a line break in a quoted value is shown as \n
        lines = [line for line in result.err.splitlines() if not line.startswith("obsc:")]
        assert all(line.startswith(str(specs)) for line in lines), lines


@pytest.mark.parametrize("style", ["text", "github"])
def test_check_shows_drift_of_a_hostile_description_without_runner_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str
) -> None:
    description = f"First line.\n{FORGED}\n  ::stop-commands::hide\nlast ##[warning]line"
    specs = _spec(tmp_path / "specs", description=description, tier="a ##[error]forged")
    out = tmp_path / "generated"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q").code == 0
    _spec(specs, description=description.replace("First", "Changed"), tier="b ##[error]forged")
    result = run_obsc(capsys, "check", str(specs), "--out", str(out), "--error-format", style)
    assert result.code == 1, result.err
    assert "forged by another team" in result.out  # the diff shows the text: only its command is broken
    assert _commands(result.out) == []
    assert _commands(result.err, "::error file=" if style == "github" else "") == []


@pytest.mark.parametrize("shape", ["markdown", "json"])
def test_diff_report_holds_no_runner_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str) -> None:
    specs = _spec(tmp_path / "specs", tier="a")
    out = tmp_path / "generated"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q").code == 0
    _spec(specs, tier="##[error file=specs/auth.yaml]forged ##vso[task.complete result=Succeeded]")
    result = run_obsc(capsys, "diff", str(specs), "--out", str(out), "--as", shape)
    assert result.code == 0, result.err
    assert "labels" in result.out
    assert _commands(result.out) == []
    if shape == "json":
        details = [d for row in json.loads(result.out)["changes"] for d in row["details"]]
        assert any("##vso[task.complete result=Succeeded]" in d for d in details)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("::error::x", ":\\x3aerror::x"),
        ("a\n  ::warning::x", "a\n  :\\x3awarning::x"),
        ("a\r::x::y", "a\r:\\x3ax::y"),
        ("\u00a0::x::y", "\u00a0:\\x3ax::y"),  # .NET's TrimStart drops every Unicode space
        ("a ##[error]b", "a \\x23#[error]b"),
        ("a ##VSO[task.complete]", "a \\x23#VSO[task.complete]"),
        ("##teamcity[buildStatus status='SUCCESS']", "\\x23#teamcity[buildStatus status='SUCCESS']"),
        ("a::b ## [c] #[d]", "a::b ## [c] #[d]"),  # not commands: left as they are
    ],
)
def test_ci_inert_breaks_exactly_the_commands(text: str, shown: str) -> None:
    assert render.ci_inert(text) == shown
    assert _commands(shown) == []


def test_check_lists_a_stranger_with_a_line_break_in_its_name_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _spec(tmp_path / "specs")
    out = tmp_path / "generated"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q").code == 0
    (out / "prometheus" / "rules" / "a\nforged.go:1:1: x\n::error::forged.yaml").write_text("groups: []\n")
    result = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert result.code == 1, result.err
    assert "unowned: prometheus/rules/a\\nforged.go:1:1: x\\n::error::forged.yaml\n" in result.out  # one line
    assert _commands(result.out + result.err) == []


def test_a_github_annotations_file_and_title_hold_no_runner_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`##vso[` is Azure's command anywhere in a line, obsc's own annotation lines included: a spec file named
    `x ##vso[task.complete result=Succeeded].yaml` put it raw in the annotation's `file=` (the text and JSON
    formats escaped it), and a spec key in the `title=` JSON path. Properties show it as `%23#vso[`."""
    specs = _spec(tmp_path / "specs")
    hostile = specs / "x ##vso[task.complete result=Succeeded].yaml"
    (specs / "evil.yaml").rename(hostile)
    hostile.write_text(hostile.read_text().replace("slos:", 'slos:\n  - {"##[error]k": 1}\nother:'))
    result = run_obsc(capsys, "validate", str(specs), "--error-format", "github")
    assert result.code == 2, result.err
    annotations = [line for line in result.err.splitlines() if line.startswith("::error ")]
    assert len(annotations) >= 2 and all("%23#vso[task.complete" in line for line in annotations), annotations
    assert any("%23#[error]k" in line.split("::")[1] for line in annotations), annotations  # in the title
    assert _V1.search(result.err) is None


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_verbose_notes_in_the_log_hold_no_runner_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    """`-v` notes go through the log (not the console): the note on which selector labels ServiceDown reads
    quotes the spec's values, and `##vso[` in one reached both log formats raw."""
    specs = _spec(tmp_path / "specs")
    text = (specs / "evil.yaml").read_text()
    job = "evil ##vso[task.complete result=Succeeded] ##[error]forged"
    (specs / "evil.yaml").write_text(text.replace("selector: {job: evil}", f'selector: {{job: "{job}", shard: a}}'))
    out = tmp_path / "generated"
    result = run_obsc(
        capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-v", "--log-format", log_format
    )
    assert result.code == 0, result.err
    assert "ServiceDown and the instance panel read up" in result.err  # the note is there, its command broken
    assert _commands(result.err + result.out) == []
    if log_format == "json":  # JSON's own escape: the note reads back as written
        notes = [json.loads(line)["msg"] for line in result.err.splitlines() if "instance panel" in line]
        assert notes and all(job in note for note in notes), notes


def test_check_lists_a_path_the_manifest_names_without_runner_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The manifest is a file in the repository: a pull request can add a line to it, and `check` lists each
    such path it owns and no longer writes (`removed: ...`). `##vso[` in that path reached the log raw."""
    specs = _spec(tmp_path / "specs")
    out = tmp_path / "generated"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q").code == 0
    forged = "prometheus/rules/x ##vso[task.complete result=Succeeded] ##[error]forged.yaml"
    (out / forged).write_text("groups: []\n")
    manifest = out / ".obsc-manifest"
    manifest.write_text(manifest.read_text() + forged + "\n")
    result = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert result.code == 1, result.err
    assert "x \\x23#vso[task.complete result=Succeeded] \\x23#[error]forged.yaml" in result.out  # listed, inert
    assert _commands(result.out + result.err) == []
