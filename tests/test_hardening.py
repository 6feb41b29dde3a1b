"""Faults around compile: a hanging or failing validator, a full disk. The previous tree always survives."""

from __future__ import annotations

import errno
import re
import stat
from pathlib import Path

import pytest

from compiler.output import direct
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import tree


def _fake_tool(tmp_path: Path, name: str, script: str) -> Path:
    fake = tmp_path / "bin" / name
    fake.parent.mkdir(exist_ok=True)
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return fake


@pytest.fixture
def compiled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, dict[str, bytes]]:
    """A fleet compiled once (the 'previous' tree), then changed so the next compile rewrites files."""
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    write_fleet(tmp_path, services=2, warning_threshold="5%")
    return specs, out, tree(out)


def test_a_hanging_promtool_is_cut_by_the_timeout_and_nothing_lands(
    compiled: tuple[Path, Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    specs, out, before = compiled
    monkeypatch.setenv("PROMTOOL", str(_fake_tool(tmp_path, "promtool", "sleep 30\n")))
    monkeypatch.setenv("OBSC_TOOL_TIMEOUT", "0.5")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out))
    assert result.code == 2  # the machine, not a rejection (1 reads as rules promtool refused)
    assert "promtool did not finish within 0.5s" in result.err
    assert "not a finding about it" in result.err
    assert "Traceback" not in result.err
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if ".obsc-" in p.name]


def test_a_promtool_timeout_names_the_files_it_was_reading(
    compiled: tuple[Path, Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Round 44: in a shared repository one team's spec at the generation limits made validation time out, and
    the message named no file: nobody could tell whose output was too large to check in time."""
    specs, out, before = compiled
    version = 'if [ "$1" = "--version" ]; then echo "promtool, version 2.42.0"; exit 0; fi\n'
    monkeypatch.setenv("PROMTOOL", str(_fake_tool(tmp_path, "promtool", version + "sleep 30\n")))
    monkeypatch.setenv("OBSC_TOOL_TIMEOUT", "0.5")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out))
    assert result.code == 2, result.err
    assert re.search(r"promtool did not finish within 0\.5s reading prometheus/\S+\.yaml", result.err), result.err
    assert tree(out) == before


def test_output_promtool_rejects_never_replaces_the_previous_tree(
    compiled: tuple[Path, Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    specs, out, before = compiled
    script = 'echo "Checking $2"; echo "  FAILED:" >&2; echo "bad rule" >&2; exit 1\n'
    monkeypatch.setenv("PROMTOOL", str(_fake_tool(tmp_path, "promtool", script)))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out))
    assert result.code == 1, result.err
    assert tree(out) == before


def test_a_full_disk_is_a_clear_error_and_the_previous_tree_survives(
    compiled: tuple[Path, Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    specs, out, before = compiled
    written = {"files": 0}
    real_write = direct.write_bytes

    def filling_write(path: str, data: bytes) -> None:
        written["files"] += 1
        if written["files"] > 5:  # the disk fills up a few files into the new tree
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(direct, "write_bytes", filling_write)  # every file write goes through direct.write_bytes
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert result.code == 2
    assert "No space left on device; the previous output is untouched" in result.err
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if ".obsc-" in p.name]
    assert written["files"] > 5, "the fault was never injected"
