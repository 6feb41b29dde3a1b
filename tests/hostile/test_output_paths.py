"""Where `--out` may point, and what a killed run leaves beside it.

An output directory that is `/`, a home directory, or overlaps the specs is refused (exit 2, nothing
written). Leftovers of a killed run are repaired before planning (so a restored tree is planned against,
not replaced blindly), are matched by their literal name (`--out 'gen*'` is not a pattern), and are
cleaned even when the next run has nothing to change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.hostile.output_helpers import compile_cli, entries, leftovers

PAGE = "runbooks/svc-0000/ServiceHighErrorRate.md"


@pytest.mark.parametrize(
    ("out", "why"),
    [
        ("specs", "it is the input directory"),
        ("specs/generated", "it is inside the input directory"),
        (".", "it contains the input directory"),
        ("home", "it is or contains the home directory"),
        ("/", "it is the root directory /"),
    ],
)
@pytest.mark.parametrize("command", ["compile", "check"])
def test_an_output_directory_among_the_inputs_or_at_the_top_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    out: str,
    why: str,
    command: str,
) -> None:
    specs = write_fleet(tmp_path, services=1)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    target = out if out == "/" else str(tmp_path / out)
    before = entries(tmp_path)
    extra = ["--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, str(specs), "--out", target, *extra)
    assert result.code == 2, result.err
    assert "refusing this output directory" in result.err and why in result.err
    assert "nothing was written" in result.err and "Traceback" not in result.err
    assert entries(tmp_path) == before
    assert not os.path.lexists("/.obsc-manifest") and not os.path.lexists("/..obsc-lock")


def test_an_output_containing_a_spec_file_or_a_library_path_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    spec = specs / "svc-0000.yaml"
    result = run_obsc(capsys, "compile", str(spec), "--out", str(specs), "--no-validate")
    assert result.code == 2 and "contains the input file" in result.err
    lib = tmp_path / "gen" / "lib"
    lib.mkdir(parents=True)
    result = run_obsc(capsys, "compile", str(specs), "-J", str(lib), "--out", str(tmp_path / "gen"), "--no-validate")
    assert result.code == 2 and "contains the input directory" in result.err
    beside = compile_cli(capsys, spec, tmp_path / "generated", "--platform", str(specs / "platform.yaml"))
    assert beside.code == 0, beside.err


def test_an_interrupted_swap_is_restored_before_planning_so_human_edits_survive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    (out / PAGE).write_text("# ServiceHighErrorRate\nCall the on-call DBA.\n")
    before = entries(out)
    os.rename(out, tmp_path / ".out.obsc-old-4242")  # killed between the two renames of a swap without exchange
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert (out / PAGE).read_text() == "# ServiceHighErrorRate\nCall the on-call DBA.\n"
    assert entries(out) == before
    assert leftovers(tmp_path) == []


def test_leftovers_are_matched_by_their_literal_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_fleet(tmp_path, services=1)
    others = [tmp_path / ".gen1.obsc-staging-abc123", tmp_path / ".gen1.obsc-old-77", tmp_path / ".gen*.obsc-old-x"]
    for other in others:
        other.mkdir()
        (other / "work.txt").write_text("another output's\n")
    result = compile_cli(capsys, specs, tmp_path / "gen*")
    assert result.code == 0, result.err
    for other in others:
        assert (other / "work.txt").read_text() == "another output's\n", f"{other.name} was touched"
    assert not (tmp_path / "gen1").exists(), "another output's old tree was restored"


def test_a_leftover_staging_tree_is_cleaned_even_when_nothing_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    inode = out.stat().st_ino
    stale = tmp_path / ".out.obsc-staging-k1ll3d"
    (stale / "prometheus").mkdir(parents=True)
    (stale / "prometheus" / "half.yaml").write_text("half a tree\n")
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert "0 added, 0 changed, 0 removed" in result.out
    assert out.stat().st_ino == inode
    assert leftovers(tmp_path) == []
