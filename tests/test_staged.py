"""`obsc check --staged` and `obsc validate --staged` read what the next commit holds (the git index).

Found by a hunt (round 21): the pre-commit hooks ran on the working tree, and pre-commit hides only the unstaged
changes of tracked files. A generated file left on disk but out of the commit (`git rm --cached`, never added)
or a spec never added passed the hook, and CI's fresh clone failed the commit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT
from tests.git_helpers import committed_project, git

RULES = "generated/prometheus/rules/auth.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose last commit holds this project's specs and their output; the working directory."""
    repo = committed_project(tmp_path / "repo")
    monkeypatch.chdir(repo)
    return repo


def test_a_generated_file_out_of_the_commit_is_drift(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "rm", "-q", "--cached", RULES)  # still on disk: the working tree reads as up to date
    assert run_obsc(capsys, "check", "specs", "--out", "generated").code == 0
    staged = run_obsc(capsys, "check", "--staged", "specs", "--out", "generated")
    assert staged.code == 1, staged.out + staged.err
    assert "missing: prometheus/rules/auth.yaml" in staged.out
    assert "obsc compile specs --out generated && git add -A specs generated`" in staged.out + staged.err
    assert Path.cwd() == repo and (repo / RULES).is_file()  # the working directory and tree as they were


def test_a_spec_out_of_the_commit_is_drift(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "specs" / "auth.yaml").rename(repo / "specs" / "auth.yml")  # renamed, and only the deletion staged
    git(repo, "rm", "-q", "--cached", "specs/auth.yaml")
    assert run_obsc(capsys, "check", "specs", "--out", "generated").code == 0
    staged = run_obsc(capsys, "check", "--staged", "specs", "--out", "generated")
    assert staged.code == 1 and "prometheus/rules/auth.yaml" in staged.out


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_working_tree_file_git_does_not_vouch_for_is_not_taken(
    repo: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    # Files whose working-tree bytes are the index's are linked into the copy, not written again; git says a
    # file marked so is clean whatever it holds, so the index's bytes are taken for it.
    rules = repo / RULES
    good = rules.read_text()
    rules.write_text(good + "# hand edit\n")
    git(repo, "add", RULES)
    rules.write_text(good)
    git(repo, "update-index", flag, RULES)
    assert run_obsc(capsys, "check", "specs", "--out", "generated").code == 0
    staged = run_obsc(capsys, "check", "--staged", "specs", "--out", "generated")
    assert staged.code == 1 and "changed: prometheus/rules/auth.yaml" in staged.out, staged.out + staged.err


def test_a_spec_marked_intent_to_add_is_not_in_the_commit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `git add -N specs/new.yaml` puts an empty entry in the index that `git commit` leaves out. It was written
    # into the copy as an empty spec: "the file holds no spec", exit 2, in a plain git hook on every commit.
    new = repo / "specs" / "new.yaml"
    new.write_text((repo / "specs" / "auth.yaml").read_text().replace("service: auth", "service: newcomer"))
    git(repo, "add", "-N", "specs/new.yaml")
    empty = repo / "specs" / "empty.yaml"  # a real empty file in the commit is still written
    empty.write_text("")
    git(repo, "add", str(empty))
    staged = run_obsc(capsys, "validate", "--staged", "specs")
    assert staged.code == 2, staged.err
    assert staged.err.startswith("specs/empty.yaml:1:1 $: the file holds no spec"), staged.err
    assert "new.yaml" not in staged.err
    git(repo, "rm", "-q", "--cached", str(empty))
    assert run_obsc(capsys, "check", "--staged", "specs", "--out", "generated").code == 0


def test_validate_reads_the_staged_spec_and_names_it_as_the_user_does(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = repo / "specs" / "auth.yaml"
    good = spec.read_text()
    spec.write_text(good + "no_such_key: 1\n")
    git(repo, "add", "specs/auth.yaml")
    spec.write_text(good)  # fixed on disk, not in the commit
    assert run_obsc(capsys, "validate", "specs").code == 0
    staged = run_obsc(capsys, "validate", "--staged", "specs")
    assert staged.code == 2 and "specs/auth.yaml:" in staged.err and "no_such_key" in staged.err, staged.err


def test_paths_from_a_subfolder_and_absolute_ones_name_the_staged_files(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "rm", "-q", "--cached", RULES)
    monkeypatch.chdir(repo / "specs")
    relative = run_obsc(capsys, "check", "--staged", ".", "--out", "../generated")
    absolute = run_obsc(capsys, "check", "--staged", str(repo / "specs"), "--out", str(repo / "generated"))
    assert relative.code == absolute.code == 1
    assert "missing: prometheus/rules/auth.yaml" in relative.out + absolute.out
    git(repo, "add", RULES)
    assert run_obsc(capsys, "check", "--staged", str(repo / "specs"), "--out", "../generated").code == 0
    assert Path.cwd() == repo / "specs"


def test_outside_a_repository_it_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    result = run_obsc(capsys, "validate", "--staged", str(tmp_path / "specs"))
    assert result.code == 2 and "--staged needs a git repository" in result.err, result.err


def test_an_output_outside_the_repository_is_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 28 paths hunt: `obsc check --staged specs --out /elsewhere` compiled the copied specs
    and named that temporary copy in every header (`obsc compile tmp/obsc-staged-x1y2/specs --out elsewhere`):
    every YAML file read as drift, a new name each run, with the advice to `git add` a folder outside the
    repository. The commit holds no such output: it is a usage error, said in one line."""
    elsewhere = tmp_path / "elsewhere"
    assert run_obsc(capsys, "compile", "specs", "--out", str(elsewhere), "--no-validate").code == 0
    assert run_obsc(capsys, "check", "specs", "--out", str(elsewhere)).code == 0
    staged = run_obsc(capsys, "check", "--staged", "specs", "--out", str(elsewhere))
    assert staged.code == 2 and staged.out == "", staged.out + staged.err
    assert staged.err == (
        f"obsc: error: --staged compares the specs with the output the next commit holds, and --out {elsewhere} "
        "is outside the repository; check it without --staged\n"
    )
