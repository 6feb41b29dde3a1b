"""An empty path argument is a usage error (found by the round 25 input hunt): "" read as the working directory,
so `obsc compile specs --out "$OUT"` with OUT unset replaced the working directory by the output tree, and
`obsc validate "$SPECS"` read every YAML file below it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

SPECS = str(ROOT / "tests" / "golden" / "minimal" / "specs")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["compile", SPECS, "--out", "", "--no-validate"], "'--out'"),
        (["compile", "", "--out", "out", "--no-validate"], "'SPECS...'"),
        (["check", SPECS, "--out", ""], "'--out'"),
        (["diff", "", "--out", "out"], "'SPECS...'"),
        (["validate", ""], "'SPECS...'"),
        (["validate", SPECS, "--platform", ""], "'--platform'"),
        (["validate", SPECS, "-J", ""], "'-J' / '--jpath'"),
        (["verify", "", "--prometheus", "http://127.0.0.1:9"], "'SPECS...'"),
        (["import", "sloth", "", "--out", "out"], "'FILES_OR_DIRS...'"),
        (["import", "sloth", SPECS, "--out", ""], "'--out'"),
        (["init", "--dir", "", "x"], "'--dir'"),
    ],
)
def test_an_empty_path_is_refused_and_nothing_is_written(
    args: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # what "" stood for
    result = run_obsc(capsys, *args)
    assert result.code == 2, result.err
    assert f"Invalid value for {named}: an empty path (an unset variable?)" in result.err, result.err
    assert os.listdir(tmp_path) == []


def test_a_library_path_that_does_not_exist_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the round 43 newcomer hunt: `-J vendr` (or `-J vendor` before the libraries were fetched) was
    accepted, and a spec's import then failed as not found in a folder that does not exist."""
    monkeypatch.chdir(tmp_path)
    result = run_obsc(capsys, "validate", SPECS, "-J", "vendr")
    assert result.code == 2, result.err
    assert "Invalid value for '-J' / '--jpath': Directory 'vendr' does not exist." in result.err
