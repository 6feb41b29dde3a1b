"""What CI and contributors run besides pytest: the pre-commit hooks and scripts/ensure-tools."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.git_helpers import committed_project, git

OBSC = Path(sys.executable).with_name("obsc")
ENSURE_TOOLS = ROOT / "scripts" / "ensure-tools"


def _hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def _run_hook(hook: dict[str, object], cwd: Path) -> subprocess.CompletedProcess[str]:
    """What pre-commit runs for a hook with pass_filenames: false: its entry, then its args."""
    entry = shlex.split(str(hook["entry"]))
    assert entry[0] == "obsc" and hook["language"] == "python" and hook["pass_filenames"] is False
    args = [str(a) for a in hook.get("args", [])]  # type: ignore[attr-defined]
    return subprocess.run([str(OBSC), *entry[1:], *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_hooks_pass_on_this_repository_and_catch_drift(tmp_path: Path) -> None:
    hooks = _hooks()
    assert set(hooks) == {"obsc-validate", "obsc-check"}
    repo = committed_project(tmp_path / "repo")
    for hook in hooks.values():
        result = _run_hook(hook, repo)
        assert result.returncode == 0, result.stdout + result.stderr
    manifest_listed = next((repo / "generated" / "prometheus" / "rules").iterdir())
    text = manifest_listed.read_text()
    manifest_listed.write_text(text + "# hand edit\n")
    git(repo, "add", "-A")
    assert _run_hook(hooks["obsc-check"], repo).returncode == 1
    manifest_listed.write_text(text)
    git(repo, "add", "-A")
    # Round 21: a file on disk that the commit lacks passed the hooks (pre-commit stashes only unstaged changes)
    git(repo, "rm", "-q", "--cached", str(manifest_listed.relative_to(repo)))
    assert _run_hook(hooks["obsc-check"], repo).returncode == 1
    spec = next((repo / "specs").glob("*.yaml"))
    spec.write_text(spec.read_text() + "\nno_such_key: 1\n")
    git(repo, "add", str(spec.relative_to(repo)))
    broken = _run_hook(hooks["obsc-validate"], repo)
    assert broken.returncode == 2 and f"{spec.name}:" in broken.stderr, broken.stderr


def _would_run(hook: dict[str, object], changed: list[str]) -> bool:
    """pre-commit's choice: a hook runs when `always_run`, or when a changed file that still exists (it lists
    no deleted files: `git diff --diff-filter=ACMRTUXB`) matches `files` (a case-sensitive Python regex)."""
    if hook.get("always_run"):
        return True
    pattern = re.compile(str(hook.get("files", "")))
    return any(pattern.search(path) for path in changed)


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param([], id="only a deleted generated file or spec (pre-commit lists none)"),
        pytest.param(["specs/teams/alpha/feed.YAML"], id="a spec in upper case, which obsc reads"),
        pytest.param(["specs/lib/tenants.txt"], id="a Jsonnet importstr of any name"),
        pytest.param(["generated/alertmanager/templates/obsc.tmpl"], id="the notification templates"),
        pytest.param(["generated/.obsc-manifest"], id="the manifest"),
    ],
)
def test_hooks_run_whatever_the_commit_changed(changed: list[str]) -> None:
    # Found by a hunt (round 15): both hooks ran only for files matching `\.(ya?ml|jsonnet|...)$`, so a commit
    # deleting a generated rule file, or changing only one of these, passed pre-commit without obsc running.
    for hook in _hooks().values():
        assert _would_run(hook, changed), hook["id"]


def test_ensure_tools_says_what_is_missing_without_apt(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        ["/bin/sh", str(ENSURE_TOOLS), "promtool", "amtool"],
        env={"PATH": str(empty)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "not on PATH: promtool amtool" in result.stderr and "no apt-get here" in result.stderr


@pytest.mark.parametrize("tool", ["promtool", "amtool"])
def test_ensure_tools_takes_what_is_found(tmp_path: Path, tool: str) -> None:
    found = tmp_path / "bin"
    found.mkdir()
    fake = found / tool
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", str(ENSURE_TOOLS), tool], env={"PATH": str(found)}, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    override = subprocess.run(
        ["/bin/sh", str(ENSURE_TOOLS), tool],
        env={"PATH": str(tmp_path), tool.upper(): str(fake)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert override.returncode == 0, override.stderr


@pytest.mark.parametrize("tool", ["promtool", "amtool"])
def test_ensure_tools_reads_the_override_as_obsc_does(tmp_path: Path, tool: str) -> None:
    # obsc runs $PROMTOOL / $AMTOOL instead of PATH's tool, found as a path or as a name on PATH. ensure-tools
    # took only a path (`make generate` failed, or installed Debian's packages, for a name obsc would have run) and
    # passed a wrong override whenever PATH had the tool (obsc then failed with exit 3): it now reads it as obsc.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / f"my-{tool}"
    wrapper.write_text("#!/bin/sh\n")
    wrapper.chmod(0o755)
    (bin_dir / tool).symlink_to(wrapper)

    def ensure(override: str, path: Path) -> subprocess.CompletedProcess[str]:
        env = {"PATH": str(path), tool.upper(): override}
        return subprocess.run(["/bin/sh", str(ENSURE_TOOLS), tool], env=env, capture_output=True, text=True, timeout=30)

    only_wrapper = tmp_path / "wrapper-only"
    only_wrapper.mkdir()
    (only_wrapper / f"my-{tool}").symlink_to(wrapper)
    assert ensure(f"my-{tool}", only_wrapper).returncode == 0  # a name on PATH, as obsc finds it
    for wrong in (str(tmp_path / "missing"), str(tmp_path)):  # with the tool on PATH, as without it
        refused = ensure(wrong, bin_dir)
        assert refused.returncode == 1, refused.stderr
        assert f"{tool.upper()}={wrong} is not an executable file" in refused.stderr
        assert "not on PATH" not in refused.stderr  # nothing to install: obsc would still run the override
