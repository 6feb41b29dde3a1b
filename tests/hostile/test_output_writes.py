"""Writes that fail, and reads that must not write: a file size limit or a full disk in the middle of a compile,
an old tree that cannot be deleted, and `obsc check`/`obsc diff` on outputs in every state.

Found by the round 34 output-safety hunt: a compile stopped by a full disk (simulated with `ulimit -f`, EFBIG as
ENOSPC would be) said "writing failed: File too large" without naming a file, or named a path inside obsc's
hidden staging tree; an old tree holding an immutable file (`chattr +i`) stayed beside the output, in silence,
at every compile.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.output import swap
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT
from tests.hostile.output_helpers import compile_cli, entries, leftovers

LIMIT = 2048  # bytes: the rule files, routing tests and dashboards are larger; the manifest of 1 service too


def _compile_limited(specs: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """obsc in a process (and its workers) whose files may not grow past LIMIT bytes: write() fails with EFBIG,
    as it would with ENOSPC on a full disk (Python ignores SIGXFSZ, so the error reaches obsc)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    argv = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(argv, env=env, preexec_fn=limit, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("state", ["cold", "warm"])
def test_a_full_disk_mid_write_names_the_file_and_leaves_the_output_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    if state == "warm":
        assert compile_cli(capsys, specs, out).code == 0
        write_fleet(tmp_path, services=1, warning_threshold="4%")  # every rule file changes
    before = entries(tmp_path)
    done = _compile_limited(specs, out)
    assert done.returncode == 2, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("obsc: error:")]
    assert len(said) == 1 and "Traceback" not in done.stderr, done.stderr
    assert said[0].startswith(f"obsc: error: {out}: writing failed at "), said[0]
    assert ": File too large; " in said[0] and ".obsc-staging-" not in said[0], said[0]
    assert said[0].endswith("nothing was written" if state == "cold" else "the previous output is untouched")
    assert entries(tmp_path) == before and leftovers(tmp_path) == []


def test_an_old_tree_that_cannot_be_deleted_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An immutable file (`chattr +i`) in the old tree: the swap succeeds, the old tree's removal does not. (Its
    removal fails here by a stand-in: `chattr` needs root and a file system that has the flag.)"""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    write_fleet(tmp_path, services=1, warning_threshold="4%")
    monkeypatch.setattr(swap, "remove_tree", lambda top: None)
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    [left] = [name for name in leftovers(tmp_path) if swap.STAGING in name]
    assert f"obsc: warning: {tmp_path / left}: an earlier output tree obsc could not delete (it still holds " in (
        result.err
    )
    monkeypatch.undo()
    again = compile_cli(capsys, specs, out)  # deletable now: recovery removes it, and nothing is said
    assert again.code == 0 and "could not delete" not in again.err and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "state", ["missing", "missing parent", "up to date", "drifted", "killed run's leftovers", "someone's folder"]
)
@pytest.mark.parametrize("command", ["check", "diff"])
def test_check_and_diff_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], state: str, command: str
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / ("parent/out" if state == "missing parent" else "out")
    if state in ("up to date", "drifted", "killed run's leftovers"):
        assert compile_cli(capsys, specs, out).code == 0
    if state == "drifted":
        write_fleet(tmp_path, services=1, warning_threshold="4%")
        next((out / "runbooks").rglob("*.md")).write_text("# edited\n")
    if state == "killed run's leftovers":
        stale = tmp_path / ".out.obsc-staging-0123456789abcdef"
        (stale / "prometheus").mkdir(parents=True)
        (stale / "prometheus" / "half.yaml").write_text("half a tree\n")
    if state == "someone's folder":
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
    before = entries(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in [*tmp_path.rglob("*"), tmp_path] if not p.is_symlink()}
    result = run_obsc(capsys, command, str(specs), "--out", str(out))
    assert result.code in (0, 1), result.err
    assert entries(tmp_path) == before
    # Only the parent's own mtime may move: the shared lock file beside the output lives while the run reads.
    moved = [p for p, t in mtimes.items() if p.exists() and p.stat().st_mtime_ns != t and p != out.parent]
    assert moved == []
