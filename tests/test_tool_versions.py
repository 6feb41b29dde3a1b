"""promtool or amtool older than the releases obsc writes for (Prometheus 2.42, Alertmanager 0.25) is refused as
such, exit 3, before it runs: Ubuntu 22.04's promtool 2.31 rejected every rule file (`field keep_firing_for not
found`) and obsc said "promtool rejected the generated rules", exit 1, as if its own output were wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.errors import ExitCode
from compiler.toolcheck import _run
from tests.conftest import ROOT, require_tool

ONE_SERVICE = ("specs/mailer.yaml", "--platform", "specs/platform.yaml")


def _fake(tmp_path: Path, name: str, version_line: str, then: str) -> Path:
    """A `name` that prints `version_line` for --version and otherwise runs `then` (a shell line)."""
    path = tmp_path / name
    path.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{version_line}"; exit 0; fi\n{then}\n')
    path.chmod(0o755)
    return path


def _compile(out: Path, *extra: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compiler", "compile", *ONE_SERVICE, "--out", str(out), *extra],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


def test_an_old_promtool_is_named_as_too_old_not_as_rejecting_the_output(tmp_path: Path) -> None:
    old = _fake(
        tmp_path,
        "promtool",
        "promtool, version 2.31.2+ds1 (branch: debian/sid, revision: 2.31.2+ds1-1ubuntu1)",
        'echo "  FAILED:"; echo "$2: yaml: unmarshal errors:"; '
        'echo "  line 12: field keep_firing_for not found in type rulefmt.RuleNode"; exit 1',
    )
    done = _compile(tmp_path / "out", "--error-format", "json", env={"PROMTOOL": str(old)})
    assert done.returncode == ExitCode.MISSING_TOOL, done.stderr
    last = json.loads(done.stderr.strip().splitlines()[-1])
    assert (last["code"], last["exit"]) == ("tool", 3)
    assert f"{old} is promtool 2.31.2; obsc's output needs Prometheus 2.42.0 or newer" in last["msg"]
    assert "set PROMTOOL=/path/to/promtool" in last["msg"]
    assert not (tmp_path / "out").exists()


def test_an_old_amtool_is_named_as_too_old(tmp_path: Path) -> None:
    require_tool("promtool")
    old = _fake(tmp_path, "amtool", "amtool, version 0.23.0 (branch: debian/sid, revision: 0.23.0-4)", "exit 1")
    done = _compile(tmp_path / "out", env={"AMTOOL": str(old)})
    assert done.returncode == ExitCode.MISSING_TOOL, done.stderr
    assert f"{old} is amtool 0.23.0; obsc's output needs Alertmanager 0.25.0 or newer" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_newer_promtool_is_used(tmp_path: Path) -> None:
    real = require_tool("promtool")
    newer = _fake(tmp_path, "promtool", "promtool, version 3.1.0 (branch: HEAD, revision: 0)", f'exec {real} "$@"')
    done = _compile(tmp_path / "out", "-q", env={"PROMTOOL": str(newer)})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / ".obsc-validated").is_file()


@pytest.mark.parametrize("version_line", ["", "my promtool wrapper", "promtool, version 2.42.0+ds", "version 10.0.0"])
def test_a_version_at_the_floor_above_it_or_unreadable_passes(
    tmp_path: Path, version_line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _fake(tmp_path, "promtool", version_line, "exit 0")  # a wrapper may print anything: it is not refused
    monkeypatch.setenv("OBSC_TEST_PROMTOOL", str(tool))
    assert _run.find(_run.Tool("promtool", "OBSC_TEST_PROMTOOL", "prometheus")) == str(tool)
