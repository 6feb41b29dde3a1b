"""Names YAML 1.1 reads as another type (`yes`, `no`, `on`, `off`, `true`, `false`, `null`) are valid obsc names,
and the YAML text obsc writes by hand must quote them (found by the round 25 input hunt): `obsc init --team no`
wrote `team: no`, which its own next `obsc validate` refused ("false is not of type string"), and
`obsc import --team yes` failed on the platform skeleton it had just written."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.spec.yaml_scalar import scalar
from tests.cli_helpers import run_obsc
from tests.conftest import require_shared

WORDS = ("yes", "no", "on", "off", "true", "false", "null")


def test_only_what_yaml_reads_otherwise_is_quoted() -> None:
    assert [scalar(w) for w in WORDS] == [f"'{w}'" for w in WORDS]
    assert scalar("payments") == "payments" and scalar("no-way") == "no-way"


@pytest.mark.parametrize("word", ["no", "on"])
def test_init_writes_files_its_validate_accepts(word: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(tmp_path / "specs")
    assert run_obsc(capsys, "init", "--platform", "--team", word, "--dir", folder).code == 0
    assert run_obsc(capsys, "init", word, "--team", word, "--dir", folder).code == 0
    result = run_obsc(capsys, "validate", folder)
    assert result.code == 0, result.err


def test_import_writes_a_platform_skeleton_its_validate_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sloth = require_shared("corpus/sloth/examples/getting-started.yml")
    out = str(tmp_path / "specs")
    result = run_obsc(capsys, "import", "sloth", str(sloth), "--out", out, "--team", "yes")
    assert result.code == 0, result.err
    assert run_obsc(capsys, "validate", out).code == 0
