"""A platform file's `output: {format:}`: the fleet's layout is the platform's, not whatever --out records.

Found by the round-28 hostile-contributor hunt: `obsc check` compares in the layout the committed manifest
records, so a pull request that recompiled the output with another `--format` (every rule file moved where the
servers do not look) passed `check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.output import writer
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

DECLARED = "\noutput: {format: vmalert}\n"


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    shutil.copytree(ROOT / "examples", folder)
    return folder


def _declare(specs: Path) -> int:
    """Declare vmalert in the platform file; the line it is on."""
    platform = specs / "platform.yaml"
    text = platform.read_text()
    platform.write_text(text + DECLARED)
    return text.count("\n") + 2


def _compile(capsys: pytest.CaptureFixture[str], specs: Path, out: Path, *extra: str) -> int:
    return run_obsc(capsys, "-q", "compile", str(specs), "--out", str(out), "--no-validate", *extra).code


def test_compile_writes_the_declared_layout_and_check_agrees(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _declare(specs)
    out = tmp_path / "out"
    assert _compile(capsys, specs, out) == 0
    assert writer.recorded_format(str(out)) == "vmalert"
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0


def test_an_output_moved_to_another_layout_is_drift(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _compile(capsys, specs, out) == 0  # before the declaration: the default layout
    line = _declare(specs)  # the platform team declares vmalert; the committed output is still prometheus
    check = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert check.code == 1
    assert f"platform.yaml:{line}:" in check.err and "declares --format vmalert" in check.err
    assert "holds --format prometheus" in check.err
    diff = run_obsc(capsys, "diff", str(specs), "--out", str(out))
    assert diff.code == 2 and "declares --format vmalert" in diff.err
    assert _compile(capsys, specs, out) == 0  # a whole compile moves the output into the declared layout
    assert writer.recorded_format(str(out)) == "vmalert"
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0


def test_another_format_given_is_refused_where_the_platform_declares_it(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _declare(specs)
    out = tmp_path / "out"
    assert _compile(capsys, specs, out) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "--format", "prometheus")
    assert result.code == 2
    assert f"platform.yaml:{line}:" in result.err and "--format prometheus was given" in result.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing written


def test_a_subset_compile_cannot_move_the_layout(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _compile(capsys, specs, out) == 0
    _declare(specs)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = run_obsc(capsys, "compile", str(specs / "checkout.yaml"), "--out", str(out), "--no-validate")
    assert result.code == 2 and "which named spec files cannot move" in result.err, result.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_layout_the_schema_does_not_know_is_located(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = specs / "platform.yaml"
    platform.write_text(platform.read_text() + "\noutput: {format: thanos}\n")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2 and "$.output.format" in result.err
