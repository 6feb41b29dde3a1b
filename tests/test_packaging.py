"""What CI and contributors run besides pytest: the pre-commit hooks and scripts/ensure-tools."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

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
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    shutil.copytree(ROOT / "generated", repo / "generated")
    for hook in hooks.values():
        result = _run_hook(hook, repo)
        assert result.returncode == 0, result.stdout + result.stderr
    manifest_listed = next((repo / "generated" / "prometheus" / "rules").iterdir())
    manifest_listed.write_text(manifest_listed.read_text() + "# hand edit\n")
    assert _run_hook(hooks["obsc-check"], repo).returncode == 1
    spec = next((repo / "specs").glob("*.yaml"))
    spec.write_text(spec.read_text() + "\nno_such_key: 1\n")
    broken = _run_hook(hooks["obsc-validate"], repo)
    assert broken.returncode == 2 and f"{spec.name}:" in broken.stderr, broken.stderr


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
