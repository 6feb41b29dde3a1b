"""docs/ci.md's pull-request comment recipes, run as written: the GitHub Actions step and the GitLab CI job that
post `obsc diff` on a pull request, each in a real git repository (a base branch with committed output, a pull
request that changes an objective and regenerates it, as `obsc check` asks), with `gh` and `curl` stand-ins
on PATH that keep what would be posted.

The point the recipes get right, and these tests hold them to: the comparison is with the **base branch's**
output, so the comment shows the pull request's change even though its own `generated/` already matches."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compiler.cli import cli
from tests.bench import fleet
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

DOC = ROOT / "docs" / "ci.md"
OBSC_BIN = Path(sys.executable).parent
MARKER = "<!-- obsc diff -->"

# Each stand-in logs its arguments, one call a line, and keeps the body it was given.
GH = """#!/bin/sh
set -e
printf '%s\\n' "$*" >> "$STUBS/gh.log"
case "$1 $2" in
  "api repos/"*) [ -f "$STUBS/comment-id" ] && cat "$STUBS/comment-id"; exit 0 ;;
  "pr comment") [ "$4" = --body-file ]; cp "$5" "$STUBS/posted.md"; echo 4711 > "$STUBS/comment-id" ;;
  "api -X") [ "$5" = -F ]; cp "${6#body=@}" "$STUBS/patched.md" ;;
  *) exit 9 ;;
esac
"""
CURL = """#!/bin/sh
set -e
printf '%s\\n' "$*" >> "$STUBS/curl.log"
for arg in "$@"; do case "$arg" in body@*) cp "${arg#body@}" "$STUBS/note.md" ;; esac; done
"""


def _recipe(heading: str) -> dict[str, object]:
    """The first YAML block under a heading of docs/ci.md."""
    text = DOC.read_text()
    section = text[text.index(f"## {heading}\n") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block, f"no YAML block under '## {heading}'"
    loaded = yaml.safe_load(block.group(1))
    assert isinstance(loaded, dict)
    return loaded


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _obsc(cwd: Path, *args: str) -> None:
    """A command that sets up a repository, in this process (the recipes' own commands run in their shell)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        done = CliRunner().invoke(cli, list(args))
    assert done.exit_code == 0, done.output


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A bare origin whose main holds specs/ and their generated/, and a clone checked out at a pull request
    that raises mailer's objective and regenerates generated/; (the pull request's checkout, the base's sha)."""
    root = tmp_path_factory.mktemp("recipes")
    work = root / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    shutil.copytree(ROOT / "specs", work / "specs")
    _obsc(work, "compile", "specs", "--out", "generated", "--no-validate")
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "base")
    base = _git(work, "rev-parse", "HEAD").strip()
    _git(root, "clone", "-q", "--bare", str(work), "origin.git")
    spec = work / "specs" / "mailer.yaml"
    spec.write_text(spec.read_text().replace("objective: 99\n", "objective: 99.5\n"))
    _obsc(work, "compile", "specs", "--out", "generated", "--no-validate")
    _git(work, "commit", "-qam", "pull request")
    head = _git(work, "rev-parse", "HEAD").strip()
    _git(work, "push", "-q", str(root / "origin.git"), "HEAD:refs/heads/pr")
    # The CI checkout: only the pull request's commit, as actions/checkout and GitLab fetch it.
    checkout = root / "checkout"
    _git(root, "clone", "-q", "--depth=1", "--branch", "pr", f"file://{root / 'origin.git'}", str(checkout))
    assert _git(checkout, "rev-parse", "HEAD").strip() == head
    return checkout, base


def _stubs(tmp_path: Path) -> Path:
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, text in (("gh", GH), ("curl", CURL)):
        (stubs / name).write_text(text)
        (stubs / name).chmod(0o755)
    return stubs


def _run(script: str, checkout: Path, stubs: Path, env: dict[str, str]) -> None:
    path = f"{stubs}:{OBSC_BIN}:{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=checkout,
        env={**os.environ, "PATH": path, "STUBS": str(stubs), "TMPDIR": str(stubs), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _shows_the_objective_change(report: str) -> None:
    assert re.search(r"SLOErrorBudgetBurnFast\{[^`]*service=\"mailer\"[^`]*\}.*thresholds: 0\.01 → 0\.005", report)
    assert "no operational change" not in report


def test_the_github_step_comments_the_pull_requests_change_and_edits_its_comment_on_the_next_push(
    repository: tuple[Path, str], tmp_path: Path
) -> None:
    checkout, base = repository
    job = _recipe("GitHub Actions")["jobs"]["obsc-diff"]  # type: ignore[index]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    (step,) = [s for s in job["steps"] if "obsc diff" in s.get("run", "")]
    assert set(step["env"]) == {"GH_TOKEN", "BASE", "PR"}  # the runner fills these from the event
    env = {"GH_TOKEN": "t", "BASE": base, "PR": "17", "GITHUB_REPOSITORY": "sre/monitoring", "RUNNER_TEMP": ""}
    stubs = _stubs(tmp_path)
    env["RUNNER_TEMP"] = str(tmp_path / "runner")
    Path(env["RUNNER_TEMP"]).mkdir()
    _run(step["run"], checkout, stubs, env)
    posted = (stubs / "posted.md").read_text()
    assert posted.startswith(MARKER + "\n**obsc**: ")
    _shows_the_objective_change(posted)
    assert "pr comment 17 --body-file" in (stubs / "gh.log").read_text()

    shutil.rmtree(env["RUNNER_TEMP"])  # the next push: a new runner, the same pull request
    Path(env["RUNNER_TEMP"]).mkdir()
    _run(step["run"], checkout, stubs, env)
    calls = (stubs / "gh.log").read_text().splitlines()
    assert calls[-1].startswith("api -X PATCH repos/sre/monitoring/issues/comments/4711 -F body=@")
    assert (stubs / "patched.md").read_text() == posted
    assert sum(c.startswith("pr comment") for c in calls) == 1, "one comment per pull request, edited"


def test_the_gitlab_job_posts_the_merge_requests_change_as_a_note(repository: tuple[Path, str], tmp_path: Path) -> None:
    checkout, base = repository
    job = _recipe("GitLab CI")["obsc-diff"]
    assert isinstance(job, dict)
    script = "\n".join(line for line in job["script"] if not line.startswith("pip install"))
    env = {
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_API_V4_URL": "https://gitlab.example/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "OBSC_NOTE_TOKEN": "secret-token",
    }
    stubs = _stubs(tmp_path)
    _run(script, checkout, stubs, env)
    note = (stubs / "note.md").read_text()
    assert note.startswith("**obsc**: ")
    _shows_the_objective_change(note)
    call = (stubs / "curl.log").read_text()
    assert "https://gitlab.example/api/v4/projects/42/merge_requests/7/notes" in call
    assert "PRIVATE-TOKEN: secret-token" in call


def test_before_any_output_is_committed_everything_is_listed_as_added(
    repository: tuple[Path, str], tmp_path: Path
) -> None:
    """A repository's first pull request: the base has no generated/ yet; the step says what the output will
    hold instead of failing on `git archive`."""
    checkout, _ = repository
    bare = tmp_path / "empty"
    bare.mkdir()
    _git(bare, "init", "-q")
    (bare / "README").write_text("monitoring\n")
    _git(bare, "add", "README")
    _git(bare, "commit", "-qm", "start")
    first = _git(bare, "rev-parse", "HEAD").strip()
    _git(checkout, "fetch", "-q", str(bare), first)
    job = _recipe("GitLab CI")["obsc-diff"]
    assert isinstance(job, dict)
    script = "\n".join(line for line in job["script"] if not line.startswith(("pip install", "git fetch")))
    stubs = _stubs(tmp_path)
    env = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": first, "CI_API_V4_URL": "u", "CI_PROJECT_ID": "1"}
    _run(script, checkout, stubs, {**env, "CI_MERGE_REQUEST_IID": "1", "OBSC_NOTE_TOKEN": "t"})
    note = (stubs / "note.md").read_text()
    assert re.search(r"^\| \+ \| `SLOErrorBudgetBurnFast", note, re.MULTILINE)
    assert "| ~ |" not in note


def test_a_platform_change_that_rewrites_every_alert_still_fits_a_comment_and_shows_the_receiver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A platform edit that moves every runbook link (hundreds of alert rows, 200 kB of Markdown) beside
    one receiver change: the default report fits GitHub's 65,536 characters, says how many rows of each
    section it left out, and still shows the receiver row; `--max-chars 0` and `--as json` keep every row."""
    specs = fleet.write_fleet(tmp_path, 30, teams=3)
    out = tmp_path / "generated"
    _obsc(tmp_path, "compile", str(specs), "--out", str(out), "--no-validate")
    platform = specs / "platform.yaml"
    text = platform.read_text().replace("https://runbooks.example/", "https://wiki.example/runbooks/")
    platform.write_text(text.replace("127.0.0.1:9/critical", "127.0.0.1:9/pager"))

    def diff(*extra: str) -> str:
        done = run_obsc(capsys, "diff", str(specs), "--out", str(out), *extra)
        assert done.code == 0, done.err
        return done.out

    every = json.loads(diff("--as", "json"))["changes"]
    alerts = sum(c["kind"] == "alert" for c in every)
    receivers = [c for c in every if c["kind"] == "receiver"]
    assert alerts > 500 and receivers
    whole = diff("--max-chars", "0")
    assert len(whole) > 65_536 and whole.count("\n| ~ |") + whole.count("\n| + |") == len(every)
    cut = diff()
    assert len(cut) <= 60_000
    assert f"### Alerts ({alerts})" in cut and f"### Receivers ({len(receivers)})" in cut
    assert f"`{receivers[0]['name']}`" in cut
    shown = cut.count("\n| ~ |") + cut.count("\n| + |")
    left_out = sum(int(n) for n in re.findall(r"^\| \| … (\d+) more \| \|$", cut, re.MULTILINE))
    assert shown + left_out == len(every)
    assert cut.rstrip().endswith(f"{shown} of {len(every)} rows shown; `obsc diff --as json` lists every change.")


def test_the_drift_check_runs_whatever_a_commit_changed() -> None:
    """Found by a hunt (round 21): GitLab's `obsc` job ran only on `changes: [specs/**/*, generated/**/*]`, so a
    commit bumping only the pinned OBSC version in `.gitlab-ci.yml` skipped `obsc check` and passed, though the
    new obsc wrote other bytes."""
    jobs = {name: job for name, job in _recipe("GitLab CI").items() if isinstance(job, dict)}
    checking = [job for job in jobs.values() if any("obsc check" in str(line) for line in job.get("script", []))]
    assert checking
    for job in checking:
        assert not any("changes" in rule for rule in job.get("rules", [])), job["rules"]
    triggers = _recipe("GitHub Actions")[True]  # YAML 1.1 reads the key `on` as true
    assert triggers == ["pull_request", "push"]  # no `paths:` filter


def test_the_compile_jobs_validate_the_committed_output() -> None:
    """Found by a hunt (round 28): both recipes compiled into an empty folder (`$RUNNER_TEMP/out`,
    `$CI_PROJECT_DIR/out`), which takes the default `--format`: a repository written with `--format mimir` had the
    `prometheus` layout validated, never its own, and `.obsc-validated` never spared a check."""
    github = _recipe("GitHub Actions")["jobs"]
    gitlab = _recipe("GitLab CI")
    scripts = [str(step.get("run", "")) for job in github.values() for step in job["steps"]]  # type: ignore[union-attr]
    scripts += [str(line) for job in gitlab.values() if isinstance(job, dict) for line in job.get("script", [])]
    compiles = [line.strip() for script in scripts for line in script.splitlines() if "obsc compile" in line]
    assert len(compiles) == 4, compiles
    for line in compiles:
        assert shlex.split(line.split("#")[0])[:5] == ["obsc", "compile", "specs", "--out", "generated"], line


def test_a_pull_request_compile_trusts_only_what_its_base_validated() -> None:
    """A pull request's own `.obsc-validated` can hold a forged line for bad bytes (round 28): both recipes
    validate a pull request's output with `--record-base` its target commit, fetched first."""
    github = _recipe("GitHub Actions")["jobs"]
    run = "\n".join(str(step.get("run", "")) for job in github.values() for step in job["steps"])  # type: ignore[union-attr]
    assert 'git fetch -q --depth=1 origin "$BASE"' in run
    assert 'obsc compile specs --out generated --record-base "$BASE"' in run
    gitlab = _recipe("GitLab CI")["obsc-compile-mr"]
    assert gitlab["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert gitlab["script"][-1] == 'obsc compile specs --out generated --record-base "$CI_MERGE_REQUEST_DIFF_BASE_SHA"'
