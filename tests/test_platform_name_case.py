"""A platform file named in other letter case (`Platform.yaml`, as some editors and Windows users write it) is
read as a spec; it was told "platform defaults belong in platform.yaml beside the specs", where it already was to a
reader's eye (round 37 newcomer hunt). The message now names the rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

SPEC = "apiVersion: obsc/v1\nservice: checkout\nteam: payments\nselector: {job: checkout}\n"
PLATFORM = "apiVersion: obsc/v1\nkind: Platform\nteams: {payments: {}}\n"


@pytest.mark.parametrize(
    ("name", "meant"),
    # the suffix too in lowercase: "by its name in lowercase, platform.YML" named a name not in lowercase (round 38)
    [("Platform.yaml", "platform.yaml"), ("PLATFORM.yml", "platform.yml"), ("Platform.YML", "platform.yml")],
)
def test_a_platform_file_in_other_case_is_told_to_be_renamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, meant: str
) -> None:
    (tmp_path / "checkout.yaml").write_text(SPEC)
    (tmp_path / name).write_text(PLATFORM)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2 and "Traceback" not in result.err
    expected = f"{name} is read as a spec: obsc takes the platform file by its name in lowercase, {meant}: rename it"
    assert f"{tmp_path / name}:2:7 $.kind: {expected}" in result.err


def test_a_platform_document_under_another_name_keeps_its_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "checkout.yaml").write_text(SPEC)
    (tmp_path / "defaults.yaml").write_text(PLATFORM)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert "defaults.yaml:2:7 $.kind: platform defaults belong in platform.yaml beside the specs" in result.err
