"""Spec discovery reads only regular files inside the spec directories: no FIFO, device or escaping symlink."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.spec.loader import JsonnetOptions, discover, load_file
from tests.cli_helpers import run_forked
from tests.conftest import ROOT

SECRET = "apiVersion: obsc/v1\nservice: TOP-SECRET-pagerduty-key-0123456789\n"
GOOD = "apiVersion: obsc/v1\nservice: a\nteam: t\nselector: {job: a}\n"


def _validate(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """In a child with a timeout (a FIFO opened would block it): forked, no interpreter start to pay."""
    return run_forked("validate", *args, "--platform", "tests/errors/platform.yaml", cwd=ROOT, timeout=timeout)


def test_a_fifo_among_the_specs_is_reported_and_never_opened(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text(GOOD)
    os.mkfifo(specs / "b.yaml")
    result = _validate(str(specs))  # opening the FIFO would block until the timeout
    assert result.returncode == 2, result.stderr
    assert f"{specs}/b.yaml $: is not a regular file (a FIFO); not read" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fifo_named_on_the_command_line_or_as_platform_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p.yaml")
    specs, _, problems = discover([str(tmp_path / "p.yaml")])
    assert specs == [] and [d.message for d in problems] == ["is not a regular file (a FIFO); not read"]
    with pytest.raises(InputError, match=r"p.yaml \$: is not a regular file \(a FIFO\); not read"):
        load_file(str(tmp_path / "p.yaml"), JsonnetOptions())  # --platform goes straight to load_file


def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is not a regular file \(a character device\)"):
        load_file("/dev/zero", JsonnetOptions())
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    _, _, problems = discover([str(tmp_path)])
    assert [d.message for d in problems] == [f"is a symlink to a file outside {tmp_path}; not read"]


def test_a_symlink_to_a_file_outside_the_spec_directory_is_never_read(tmp_path: Path) -> None:
    private = tmp_path / "other-team" / "secret.yaml"
    private.parent.mkdir()
    private.write_text(SECRET)
    private.chmod(0o600)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text(GOOD)
    (specs / "stolen.yaml").symlink_to(private)
    for args in ([str(specs)], [str(specs / "stolen.yaml")]):
        result = _validate(*args)
        assert result.returncode == 2, result.stderr
        assert "TOP-SECRET" not in result.stderr
        assert "stolen.yaml $: is a symlink to a file outside" in result.stderr


def test_a_symlink_inside_the_spec_directory_is_followed_once(tmp_path: Path) -> None:
    """Read at both paths, the spec's service was a duplicate of itself, located at whichever sorted second (round
    52: another team's file); the file is read at its own path, and the link is reported."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "a.yaml").write_text(GOOD)
    (tmp_path / "a.yaml").symlink_to(tmp_path / "shared" / "a.yaml")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "b.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").symlink_to(tmp_path / ".hidden" / "b.yaml")  # read at the link alone: followed
    specs, _, problems = discover([str(tmp_path)])
    assert [str(p) for p in problems] == [
        f"{tmp_path}/a.yaml $: is {tmp_path}/shared/a.yaml again, reached through a symlink: a file is read once, at "
        "that path; not read here"
    ]
    assert [Path(s).relative_to(tmp_path).as_posix() for s in specs] == ["b.yaml", "shared/a.yaml"]


def test_a_symlink_that_cannot_be_followed_is_reported_not_an_internal_error(tmp_path: Path) -> None:
    """`loop.yaml -> loop.yaml` raised ELOOP from the folder walk: exit 70 (round 25 input hunt)."""
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "ring").symlink_to("ring")  # not spec-named: left out like any other file
    specs, _, problems = discover([str(tmp_path)])
    assert [Path(s).name for s in specs] == ["a.yaml"]
    assert [(Path(p.location.file).name, p.message) for p in problems] == [
        ("loop.yaml", "cannot read: Too many levels of symbolic links")
    ]


def test_an_oversized_spec_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)  # sparse: costs nothing to create, would cost 64 MB to read
    with pytest.raises(InputError, match=r"file is 67,108,864 bytes; specs are limited to 4,194,304 bytes"):
        load_file(str(big), JsonnetOptions())
