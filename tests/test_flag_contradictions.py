"""Options that contradict each other are a usage error (exit 2, nothing written), not one of them quietly
winning. Found by a hunt: `obsc compile --no-validate --revalidate-all` validated nothing and said nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

SPECS = str(ROOT / "tests" / "golden" / "minimal" / "specs")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["compile", SPECS, "--no-validate", "--revalidate-all"], "--revalidate-all validates everything again"),
        (["-q", "compile", SPECS, "--no-validate", "-v"], "-q (only errors) and -v (more detail) contradict"),
        (["check", SPECS, "-qv"], "-q (only errors) and -v (more detail) contradict"),
        (["diff", SPECS, "--as", "json", "--max-chars", "100"], "JSON is never cut: drop one of them"),
        (["import", "openslo", SPECS, "--period", "7d"], "--period is for Sloth specs"),
        (["import", "pyrra", SPECS, "--period=28d"], "pyrra SLOs carry their own"),
    ],
)
def test_contradicting_options_are_a_usage_error(
    args: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    result = run_obsc(capsys, *args, "--out", str(out))
    assert result.code == 2, result.err
    assert said in result.err, result.err
    assert not out.exists()


def test_options_that_only_look_alike_still_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The defaults of the options above, and a later format winning over an earlier one, are not refused."""
    out = str(tmp_path / "out")
    assert run_obsc(capsys, "compile", SPECS, "--out", out, "--no-validate", "-q").code == 0
    result = run_obsc(
        capsys, "diff", SPECS, "--out", out, "--as", "json", "--log-format", "text", "--log-format", "json"
    )
    assert result.code == 0, result.err
    assert run_obsc(capsys, "-v", "check", SPECS, "--out", out, "-v").code == 0
