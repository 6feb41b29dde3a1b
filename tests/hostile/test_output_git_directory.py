"""`--out` (and `obsc import --out`, `obsc init --dir`) inside a repository's git directory is refused.

Round 54 (the `--out` trust class, odd places): a checkout's own files are refused as "not an obsc output
folder", but a new folder inside `.git` holds none, so `obsc compile specs --out repo/.git/refs/heads/gen` wrote
its tree there, exit 0. Each file was a branch to git: `git branch` warned "ignoring broken ref" once per file
and `git fsck` reported each as an invalid sha1 pointer. The same held for a folder below a bare repository and
for a worktree's folder under `.git/worktrees/`. Now exit 2, nothing written, and the repository stays sound.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT
from tests.git_helpers import git


def _checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    git(repo, "init", "-q", ".")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "specs")
    return repo


def _fsck(git_dir: Path) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(git_dir), "fsck", "--no-progress"], capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("below", ["refs/heads/gen", "gen", "objects/gen", "."])
def test_a_compile_into_a_checkouts_git_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], below: str
) -> None:
    repo = _checkout(tmp_path)
    out = repo / ".git" / below
    before = sorted(p.relative_to(repo) for p in (repo / ".git").rglob("*"))
    result = run_obsc(capsys, "compile", str(repo / "specs"), "--out", str(out), "--no-validate")
    assert result.code == 2, result.err
    assert f"it is inside the git directory {repo / '.git'} (" in result.err, result.err
    assert "nothing was written" in result.err and "Traceback" not in result.err
    assert sorted(p.relative_to(repo) for p in (repo / ".git").rglob("*")) == before
    assert "invalid" not in _fsck(repo / ".git")


@pytest.mark.parametrize("below", ["refs/heads/gen", "gen"])
def test_a_compile_into_a_bare_repository_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], below: str
) -> None:
    bare = tmp_path / "deploy.git"
    bare.mkdir()
    git(bare, "init", "-q", "--bare", ".")
    result = run_obsc(capsys, "compile", str(ROOT / "specs"), "--out", str(bare / below), "--no-validate")
    assert result.code == 2, result.err
    assert f"it is inside the git directory {bare} (" in result.err, result.err
    assert not (bare / below).exists()


def test_import_and_init_do_not_write_there_either(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _checkout(tmp_path)
    source = tmp_path / "sloth.yaml"
    source.write_text(
        'version: "prometheus/v1"\nservice: shop\nlabels: {owner: alpha}\nslos:\n  - name: availability\n'
        "    objective: 99.9\n    sli:\n      events:\n"
        '        error_query: \'sum(rate(http_requests_total{job="shop",code=~"5.."}[{{.window}}]))\'\n'
        "        total_query: 'sum(rate(http_requests_total{job=\"shop\"}[{{.window}}]))'\n"
        "    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n"
    )
    imported = run_obsc(capsys, "import", "sloth", str(source), "--out", str(repo / ".git" / "imported"))
    assert imported.code == 2 and "it is inside the git directory" in imported.err, imported.err
    started = run_obsc(capsys, "init", "shop", "--dir", str(repo / ".git" / "specs"))
    assert started.code == 2 and "it is inside the git directory" in started.err, started.err
    assert not (repo / ".git" / "imported").exists() and not (repo / ".git" / "specs").exists()


@pytest.mark.parametrize("name", ["generated", ".github/generated", "git/generated", "deploy.git-out"])
def test_folders_of_the_checkout_itself_still_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo = _checkout(tmp_path)
    result = run_obsc(capsys, "compile", str(repo / "specs"), "--out", str(repo / name), "--no-validate")
    assert result.code == 0, result.err
    assert (repo / name / ".obsc-manifest").is_file()
    assert "invalid" not in _fsck(repo / ".git")
