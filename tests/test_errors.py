"""Error-message goldens: each bad input gives its exact located message, exit 2, nothing written.

Cases live in tests/errors/<case>.(yaml|jsonnet) with the expected stderr in <case>.txt.
Refresh with `make goldens` (OBSC_UPDATE_GOLDENS=1) and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, UPDATE_GOLDENS, tree

ERRORS = Path("tests/errors")
CASES = sorted(p.name for p in (ROOT / ERRORS).iterdir() if p.suffix in (".yaml", ".jsonnet") and p.stem != "platform")


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # messages name files as the user typed them: relative paths


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_located_and_nothing_is_written(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous output\n")
    before = tree(out)
    result = run_obsc(
        capsys,
        "compile",
        str(ERRORS / case),
        "--platform",
        str(ERRORS / "platform.yaml"),
        "--out",
        str(out),
        "--no-validate",
    )
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert tree(out) == before, "a failed compile must leave the output directory untouched"
    golden = ROOT / ERRORS / (Path(case).stem + ".txt")
    if UPDATE_GOLDENS:
        golden.write_text(result.err)
    assert golden.exists(), f"missing {golden}; run `make goldens`"
    assert result.err == golden.read_text(), f"message changed; if intended run `make goldens`\n{result.err}"


def test_every_message_has_file_line_col_and_json_path() -> None:
    for golden in sorted((ROOT / ERRORS).glob("*.txt")):
        lines = golden.read_text().splitlines()
        assert lines[-1].startswith("obsc: "), golden
        for line in lines[:-1]:
            location, _, rest = line.partition(" ")
            parts = location.split(":")
            assert len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit(), f"{golden}: {line}"
            assert rest.startswith("$"), f"{golden}: {line}"


def test_all_errors_of_all_files_are_reported_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(
        capsys,
        "validate",
        "--platform",
        str(ERRORS / "platform.yaml"),
        str(ERRORS / "unknown_key.yaml"),
        str(ERRORS / "objective_100.yaml"),
        str(ERRORS / "yaml_syntax.yaml"),
    )
    assert result.code == 2
    assert "unknown_key.yaml:12:5" in result.err
    assert "objective_100.yaml:9:37" in result.err
    assert "yaml_syntax.yaml:5:5" in result.err
    # Both specs say `service: checkout`: a schema error in one no longer hides the duplicate.
    assert "unknown_key.yaml:2:10 $.service: service 'checkout' is already defined" in result.err
    assert "4 errors" in result.err


def test_oversized_spec_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "huge.yaml"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    result = run_obsc(capsys, "validate", str(big))
    assert result.code == 2
    assert "52,428,800 bytes; specs are limited to 4,194,304 bytes" in result.err


def test_missing_spec_path(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "validate", "does/not/exist")
    assert result.code == 2
    assert "does/not/exist $: no such file or directory" in result.err


def test_non_utf8_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("service: caf\xe9\n".encode("latin-1"))
    result = run_obsc(capsys, "validate", str(bad))
    assert result.code == 2
    assert "not UTF-8 text" in result.err


def test_empty_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2
    assert "no service spec files" in result.err


def test_internal_errors_never_show_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr("compiler.cli.validate_specs", boom)
    monkeypatch.delenv("OBSC_DEBUG", raising=False)
    result = run_obsc(capsys, "validate", "examples")
    assert result.code == 70
    assert "Traceback" not in result.err and "internal error" in result.err
    assert os.environ.get("OBSC_DEBUG") is None


def test_a_platform_file_alone_is_no_spec_and_says_how_to_write_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `obsc init --platform` leaves a folder: "no spec files (.yaml...)" beside a .yaml file read as obsc not
    seeing it (round 25's newcomer hunt)."""
    (tmp_path / "platform.yaml").write_text("apiVersion: obsc/v1\nkind: Platform\n")
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2
    assert f"no service spec files (.yaml, .yml, .jsonnet) found beside the platform file {tmp_path}/platform.yaml" in (
        result.err
    )
    assert "`obsc init SERVICE` writes one" in result.err
