"""Problems of the machine, not of obsc or the specs: a full disk behind stdout, an unusable setting. Each is
said in a sentence with exit 2; they used to end as "internal error (this is a bug in obsc)", exit 70."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _obsc(*args: str, env: dict[str, str] | None = None, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "compiler", *args]
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=stdout, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("args", [("validate", "examples"), ("schema",)])
def test_a_full_disk_behind_stdout_is_said_and_exits_2(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        done = _obsc(*args, stdout=full.fileno())
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "obsc: error: cannot write to standard output: No space left on device"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "OBSC_JSONNET_TIMEOUT",
            "1e400",
            "OBSC_JSONNET_TIMEOUT='1e400' must be a number of seconds from 0.001 to 86,400",
        ),
        ("OBSC_JSONNET_TIMEOUT", "inf", "OBSC_JSONNET_TIMEOUT='inf' must be a number of seconds from 0.001 to 86,400"),
        ("OBSC_JSONNET_TIMEOUT", "soon", "OBSC_JSONNET_TIMEOUT='soon' must be a number of seconds"),
        ("OBSC_JSONNET_MEMORY_MB", "1", "OBSC_JSONNET_MEMORY_MB='1' must be a number of MiB from 128 to 1,048,576"),
        ("OBSC_JSONNET_MEMORY_MB", "nan", "OBSC_JSONNET_MEMORY_MB='nan' must be a number of MiB"),
    ],
)
def test_an_unusable_jsonnet_setting_is_named_and_exits_2(name: str, value: str, message: str) -> None:
    done = _obsc("validate", "examples", env={name: value}, stdout=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"obsc: error: {message}"), done.stderr
    assert "internal error" not in done.stderr


def test_a_line_break_in_a_spec_file_name_stays_on_its_line(tmp_path: Path) -> None:
    # Raw, the second line began `::error`: a GitHub Actions workflow command in a CI log.
    (tmp_path / "a\n::error file=x.yaml::forged.yaml").write_text("apiVersion: obsc/v1\nservice: 1\n")
    done = _obsc("validate", str(tmp_path), "--platform", "tests/errors/platform.yaml", stdout=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "a\\n::error file=x.yaml::forged.yaml:1:1 $: missing required key" in done.stderr
    assert not any(line.startswith("::") for line in done.stderr.splitlines())
