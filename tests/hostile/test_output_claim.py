"""`--out` pointing at a folder that is not obsc's: a project's git checkout, a folder of someone's files, `.`,
a symlink to one, a spelling with `..` or a trailing slash, the spec tree under another name.

Found by the round 34 output-safety hunt: `obsc compile specs --out ~/src/project` (a checkout with `src/`,
`README.md`, `.git`) wrote 50 files among the project's and exit 0, moving every entry of the checkout into a
new tree and back; and `--out alias/generated`, where `alias` is the spec folder bind-mounted elsewhere (or
`Specs` on a case-insensitive file system), compiled into the spec tree. Both are now refused, exit 2, with
nothing written; `--adopt-out` says "yes, this folder is meant for obsc's output".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.errors import OutputError
from compiler.output import claim
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT
from tests.hostile.output_helpers import compile_cli, entries, leftovers


def _project(root: Path) -> Path:
    """Someone's project checkout: files obsc never wrote, no manifest."""
    project = root / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text("print('hello')\n")
    (project / "README.md").write_text("# project\n")
    (project / ".git" / "refs").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "runbooks").mkdir()
    (project / "runbooks" / "oncall.md").write_text("call Ana\n")
    return project


@pytest.mark.parametrize("spelling", ["plain", "trailing slash", "dot-dot", "symlink", "dot"])
def test_a_folder_of_someone_elses_files_is_refused_until_adopted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    specs = write_fleet(tmp_path, services=1)
    project = _project(tmp_path)
    os.symlink(project, tmp_path / "link")
    monkeypatch.chdir(project if spelling == "dot" else tmp_path)
    out = {"plain": "project", "trailing slash": "project/", "dot-dot": "project/src/..", "symlink": "link"}.get(
        spelling, "."
    )
    before, mine = entries(tmp_path), entries(project)
    result = run_obsc(capsys, "compile", str(specs), "--out", out, "--no-validate")
    assert result.code == 2, result.err
    assert f"--out {out}: not an obsc output folder: it holds .git/, README.md, runbooks/, src/ and no " in result.err
    assert "--adopt-out" in result.err and "Nothing was written" in result.err and "Traceback" not in result.err
    assert entries(tmp_path) == before, "a refused compile changed something"
    adopted = run_obsc(capsys, "compile", str(specs), "--out", out, "--no-validate", "--adopt-out")
    assert adopted.code == 0, adopted.err
    after = entries(project)
    assert {rel: after.get(rel) for rel in mine} == mine, "the adopting compile changed a file of the project's"
    assert (project / ".obsc-manifest").is_file() and leftovers(tmp_path) == []
    monkeypatch.chdir(project if spelling == "dot" else tmp_path)  # (the folder was swapped: `cd "$PWD"`)
    again = run_obsc(capsys, "compile", str(specs), "--out", out, "--no-validate")  # obsc's now: no flag needed
    assert again.code == 0, again.err


@pytest.mark.parametrize("state", ["missing", "empty", "placeholders", "an output of obsc's", "a manifest link"])
def test_a_new_empty_or_obsc_output_folder_needs_no_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    if state != "missing":
        out.mkdir()
    if state == "placeholders":
        for name in (".gitkeep", ".gitignore", ".gitattributes", ".keep"):
            (out / name).write_text("")
    if state == "an output of obsc's":
        assert compile_cli(capsys, specs, out).code == 0
        (out / "notes.txt").write_text("mine\n")
    if state == "a manifest link":  # any manifest makes the folder obsc's, one the writer does not trust too
        (out / ".obsc-manifest").symlink_to(tmp_path / "gone")
        (out / "notes.txt").write_text("mine\n")
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert (out / ".obsc-manifest").is_file()
    assert state not in ("an output of obsc's", "a manifest link") or (out / "notes.txt").read_text() == "mine\n"


def test_an_output_whose_manifest_was_lost_is_refused_then_adopted_without_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files obsc wrote are taken over by the adopting compile; a human's page among them is kept."""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    page = next((out / "runbooks").rglob("*.md"))
    page.write_text("# my page\n")
    (out / ".obsc-manifest").unlink()
    result = compile_cli(capsys, specs, out)
    assert result.code == 2 and "not an obsc output folder" in result.err, result.err
    assert compile_cli(capsys, specs, out, "--adopt-out").code == 0
    assert page.read_text() == "# my page\n"


def test_check_and_diff_compare_with_such_a_folder_without_refusing_or_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    project = _project(tmp_path)
    before = entries(tmp_path)
    assert run_obsc(capsys, "check", str(specs), "--out", str(project)).code == 1
    assert run_obsc(capsys, "diff", str(specs), "--out", str(project)).code == 0
    assert entries(tmp_path) == before


def _unshare_works() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "mount", "--make-rprivate", "/"], capture_output=True, timeout=60)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs a private mount namespace (root, or CAP_SYS_ADMIN)")
def test_the_spec_folder_under_another_name_is_refused(tmp_path: Path) -> None:
    """A bind mount gives the spec folder a second path that realpath does not join to the first, as a
    case-insensitive file system does for `Specs` (macOS, Windows: not testable on Linux here). (`--out alias`
    itself is a mount point, refused as one.)"""
    specs = write_fleet(tmp_path, services=1)
    (tmp_path / "alias").mkdir()
    before = entries(specs)
    script = f"mount --make-rprivate / && mount --bind specs alias && exec {sys.executable} -m compiler compile "
    script += "specs --out alias/generated --no-validate"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2, done.stderr
    assert "--out alias/generated: refusing this output directory: it is inside the input directory specs" in (
        done.stderr
    )
    assert entries(specs) == before, "compile wrote into the spec folder"
    script = script.replace("--out alias/generated", "--out alias")  # the folder itself, by its other name
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2, done.stderr
    assert "--out alias: refusing this output directory: it is the input directory specs. " in done.stderr
    assert entries(specs) == before, "compile wrote into the spec folder"


def test_an_output_written_inside_the_spec_tree_is_one_located_error_not_a_flood(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out` is refused when it overlaps the paths given, so a compile of one team's folder may write inside the
    fleet's spec tree (`obsc compile specs/teams/a --platform specs/platform.yaml --out specs/teams/b/gen`). The next
    compile of the fleet read that output as specs: 72 errors at its rule files and alertmanager.yml (2 services)."""
    specs = write_fleet(tmp_path, services=2)
    for team, spec in (("a", "svc-0000.yaml"), ("b", "svc-0001.yaml")):
        (specs / "teams" / team).mkdir(parents=True)
        (specs / spec).rename(specs / "teams" / team / spec)
    platform = str(specs / "platform.yaml")
    inside = specs / "teams" / "b" / "gen"
    assert compile_cli(capsys, specs / "teams" / "a", inside, "--platform", platform).code == 0
    for command in ("compile", "validate"):
        out = ["--out", str(tmp_path / "gen"), "--no-validate"] if command == "compile" else []
        result = run_obsc(capsys, command, str(specs), *out)
        assert result.code == 2, result.err
        errors = [line for line in result.err.splitlines() if not line.startswith("obsc:")]
        assert errors == [
            f"{inside} $: an obsc output folder (it holds .obsc-manifest), not specs: not read; move it "
            "out of the spec folders (e.g. to generated/ beside them)"
        ], result.err
    assert not (tmp_path / "gen").exists()


def test_a_compile_run_from_inside_the_output_says_to_cd_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap replaces the output folder whole: a shell inside it is left in the deleted old tree and lists
    the old files (an `ls` after the compile showed none of its changes), without a word."""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    write_fleet(tmp_path, services=1, warning_threshold="4%")
    monkeypatch.chdir(out)
    result = run_obsc(capsys, "compile", str(specs), "--out", ".", "--no-validate")
    assert result.code == 0, result.err
    assert 'obsc: note: the working directory was inside ., which was replaced whole: run `cd "$PWD"`' in result.out
    monkeypatch.chdir(out)
    unchanged = run_obsc(capsys, "compile", str(specs), "--out", ".", "--no-validate")  # nothing replaced
    assert unchanged.code == 0 and "working directory" not in unchanged.out


def test_the_refusal_lists_four_entries_as_they_are_and_counts_the_rest(tmp_path: Path) -> None:
    """A name with a line break is quoted (it would split the message), a link to a folder is listed as the link,
    a folder ends in `/`; past four, the rest are counted. (Round 35 review: mutants of each survived.)"""
    out = tmp_path / "out"
    (out / "a-folder").mkdir(parents=True)
    (out / "b\nline").write_text("")
    (out / "c-link").symlink_to("a-folder")
    for name in ("d", "e", "f"):
        (out / name).write_text("")
    with pytest.raises(OutputError) as raised:
        claim.refuse_unclaimed(str(out), adopt=False)
    assert f"--out {out}: not an obsc output folder: it holds a-folder/, 'b\\nline', c-link, d and 2 more and no " in (
        str(raised.value)
    )
    claim.refuse_unclaimed(str(out), adopt=True)


def test_a_folder_obsc_cannot_list_is_left_to_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unreadable (no read permission; root reads every folder, so the listing is made to fail): no refusal and no
    traceback here, the writer's own error says why."""

    def unreadable(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("")
    monkeypatch.setattr(claim.os, "scandir", unreadable)
    claim.refuse_unclaimed(str(tmp_path / "out"), adopt=False)
