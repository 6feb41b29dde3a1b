"""`--record-base REV` (a pull request's CI job): a record line counts only when the target revision committed
it and every file of its unit has the bytes committed there, so a line a contributor forged, in the change
or earlier on the branch, never skips a check of bytes that changed (issue 15)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import Compilation, CompileOptions, compile_specs, regenerate_command
from compiler.errors import SettingError, ToolError
from compiler.output import writer
from compiler.toolcheck import _run, record, validate_bundle
from compiler.toolcheck import promtool as pt
from compiler.toolcheck.record_base import Base, committed
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_validation_record import Calls, compile_into, copy_subset, edit


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose one commit holds two examples' specs and their validated output (out/)."""
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    repo = tmp_path_factory.mktemp("repo")
    copy_subset(repo / "specs")
    compile_into(repo / "specs", repo / "out")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    return repo


@pytest.fixture
def repo(base_repo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(base_repo, copy, symlinks=True)
    return copy


def _compiled(repo: Path) -> Compilation:
    """The specs compiled as `obsc compile specs --out out` compiles them (its header command too)."""
    specs, out = str(repo / "specs"), str(repo / "out")
    return compile_specs([specs], CompileOptions(regenerate_command=regenerate_command([specs], out)))


def _validate(repo: Path, base: Base | None) -> record.Record:
    compilation = _compiled(repo)
    return validate_bundle(compilation.bundle, str(repo / "out"), str(repo / "out"), base=base)


def _forge(repo: Path) -> None:
    """What a contributor can do without any secret: compute the keys of bad bytes, write them as passed."""
    out = repo / "out"
    compilation = _compiled(repo)
    forged = record.Record()
    layout = pt.Layout(
        str(out),
        tuple(p for p in compilation.bundle.paths if p.startswith("prometheus/rules/")),
        tuple(p for p in compilation.bundle.paths if p.endswith(".test.yaml")),
        {},
    )
    pt.run_promtool(_run.find(pt.PROMTOOL), layout, forged)
    with open(out / names.VALIDATION_RECORD, "a") as fh:
        fh.writelines(f"{k} {kind} {p}\n" for k, (kind, p) in forged.passed.items())


def test_a_line_the_change_forged_for_bad_bytes_runs_against_the_base(repo: Path) -> None:
    edit(repo / "out/prometheus/rules/order-worker.yaml", "> 0.05", "> 0.5")
    _forge(repo)
    _validate(repo, None)  # the record in --out trusts the forged line (test_validation_record.py)
    with pytest.raises(ToolError, match="order-worker"):
        _validate(repo, committed(str(repo / "out"), "main"))


def test_a_line_forged_earlier_on_the_branch_counts_only_for_the_bytes_committed_there(repo: Path) -> None:
    # The forged line reached the target branch beside good bytes; the change brings the bad bytes it names.
    rules = repo / "out/prometheus/rules/order-worker.yaml"
    good = rules.read_text()
    edit(rules, "> 0.05", "> 0.5")
    _forge(repo)
    rules.write_text(good)
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-am", "a forged line")
    edit(rules, "> 0.05", "> 0.5")
    with pytest.raises(ToolError, match="order-worker"):
        _validate(repo, committed(str(repo / "out"), "main"))


def test_what_the_change_left_as_the_base_committed_it_is_not_run_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(repo / "specs/order-worker.yaml", "objective: 99.5", "objective: 99.6")
    compilation = _compiled(repo)
    calls = Calls(monkeypatch)
    done: list[record.Record] = []
    base = committed(str(repo / "out"), "main")

    def check(tree: str) -> None:
        done.append(validate_bundle(compilation.bundle, tree, str(repo / "out"), base=base))

    writer.compile_into(compilation.bundle, str(repo / "out"), check)
    assert calls.files("promtool", "test", "rules") == [
        "prometheus/tests/order-worker.holds.test.yaml",
        "prometheus/tests/order-worker.long.test.yaml",
        "prometheus/tests/order-worker.scrapes.test.yaml",
        "prometheus/tests/order-worker.test.yaml",
        "prometheus/tests/order-worker.twins.test.yaml",
    ]
    assert done[0].skipped > 0  # nightly-backup's files, the dashboards of both


def test_a_base_that_cannot_be_read_is_exit_2_with_how_to_fix(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs, out = str(repo / "specs"), str(repo / "out")
    missing = run_obsc(capsys, "compile", specs, "--out", out, "--record-base", "no-such-branch")
    assert missing.code == 2 and "--record-base no-such-branch" in missing.err and "git fetch" in missing.err
    flags = run_obsc(capsys, "compile", specs, "--out", out, "--record-base", "main", "--no-validate")
    assert flags.code == 2 and "--record-base" in flags.err
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    with pytest.raises(SettingError, match="--record-base main"):
        committed(str(outside), "main")
    with pytest.raises(SettingError, match="a revision, not an option"):
        committed(out, "--output=/tmp/x")


def test_a_pull_request_job_compiles_with_the_base(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "specs/order-worker.yaml", "objective: 99.5", "objective: 99.6")
    result = run_obsc(capsys, "-v", "compile", str(repo / "specs"), "--out", str(repo / "out"), "--record-base", "main")
    assert result.code == 0, result.err
    ran, skipped = (int(n) for n in re.search(r"validation: (\d+) check\(s\) run, (\d+) skipped", result.err).groups())
    assert 0 < ran < ran + skipped  # order-worker's checks ran, the rest was taken from main


def test_an_out_folder_whose_name_begins_with_a_space_is_read_not_its_namesake(tmp_path: Path) -> None:
    # `--out " ci/out"` read the blobs and record of `ci/out`, a folder no job validated (round 28).
    repo = tmp_path / "repo"
    for folder, text in ((" ci/out", "checked\n"), ("ci/out", "never checked\n")):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "f").write_text(text)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    base = committed(str(repo / " ci/out"), "main")
    assert base.blobs == {"f": _git(repo, "hash-object", " ci/out/f").strip()}


def _commit_all(repo: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")


def test_an_out_reached_through_a_symlink_is_refused_not_read_where_it_points(tmp_path: Path) -> None:
    # The target branch holds out/ (validated) and copy/ (bad bytes beside a forged record, checked by no job);
    # a pull request turns out into a symlink to copy: the base was read at copy/ and its record trusted.
    repo = tmp_path / "repo"
    for folder, text in (("out", "checked\n"), ("copy", "never checked\n")):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "f").write_text(text)
    _git(repo, "init", "-q", "-b", "main")
    _commit_all(repo)
    shutil.rmtree(repo / "out")
    (repo / "out").symlink_to("copy")
    with pytest.raises(SettingError, match="leads through the symlink"):
        committed(str(repo / "out"), "main")
    (repo / "out").unlink()
    (repo / "out").symlink_to(".")  # the repository's top: its every file, and a record committed there
    with pytest.raises(SettingError, match="leads through the symlink"):
        committed(str(repo / "out"), "main")
    (repo / "out").unlink()
    (tmp_path / "workspace").symlink_to(repo)  # a CI workspace reached through a symlink is fine
    assert committed(str(tmp_path / "workspace/copy"), "main").blobs
    assert committed(str(repo / "copy"), "main").blobs  # the folder itself is read


def test_an_out_inside_a_submodule_is_refused_not_read_at_its_own_revision(tmp_path: Path) -> None:
    # A submodule's `main` is another repository's branch: its record and bytes are whatever that one holds.
    inner, repo = tmp_path / "inner", tmp_path / "repo"
    inner.mkdir()
    (inner / "f").write_text("anything\n")
    _git(inner, "init", "-q", "-b", "main")
    _commit_all(inner)
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "out")
    _commit_all(repo)
    with pytest.raises(SettingError, match="inside a git submodule"):
        committed(str(repo / "out"), "main")


def test_rule_groups_extracted_from_an_operator_file_are_not_held_against_a_file_at_their_path(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # promtool reads an Operator file's groups from prometheus/rules/<name>.yaml in a temporary folder. A file
    # committed at that path in --out (obsc check does not mind it) with those bytes, beside a forged line, made
    # the base vouch for groups no job checked (round 28).
    out = repo / "operator-out"
    compiled = run_obsc(capsys, "-q", "compile", str(repo / "specs"), "--out", str(out), "--no-validate", "--format",
                        "prometheus-operator")  # fmt: skip
    assert compiled.code == 0, compiled.err
    written = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    tests = [p for p in written if p.endswith(".test.yaml")]
    layout = pt._layout(str(out), [p for p in written if pt.layout_of(p)], tests, str(tmp_path / "extracted"))
    promtool = _run.find(pt.PROMTOOL)
    forged = record.Record()
    pt.run_promtool(promtool, layout, forged)  # bad groups are keyed the same way, with a stand-in tool
    read = (p for p in Path(layout.workdir).rglob("*") if p.is_file())
    committed_there = {p.relative_to(layout.workdir).as_posix(): record.blob_id(p.read_bytes(), "0" * 40) for p in read}
    again = record.Record(known=frozenset(forged.passed), base_blobs=committed_there)
    pt.run_promtool(promtool, layout, again)
    assert again.ran > 0 and again.skipped == 0
