"""A spec path that names nothing says why it may not, as CI meets it (round 37 newcomer hunt).

`obsc compile 'specs/*.yaml'` (quoted in a CI step, or a pattern the shell matched nothing with) and `obsc compile
specs` from a step whose working directory is not the repository both read "no such file or directory", with
nothing on patterns (obsc never expands them) or on which folder the path was read from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "specs" / "payments").mkdir(parents=True)
    (tmp_path / "specs" / "payments" / "checkout.yaml").write_text("apiVersion: obsc/v1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("pattern", "folder"),
    [("specs/*.yaml", "specs"), ("specs/**/*.yml", "specs"), ("*.jsonnet", "."), ("specs/team-[ab]/x.yaml", "specs")],
)
def test_a_pattern_left_as_written_says_obsc_does_not_expand_it(
    repo: Path, capsys: pytest.CaptureFixture[str], pattern: str, folder: str
) -> None:
    result = run_obsc(capsys, "validate", pattern)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{pattern} $: no such file or directory: obsc does not expand patterns" in result.err
    assert f"name the folder instead, `{folder}`, to read every spec below it" in result.err
    assert ("`**` is `*`: one folder level" in result.err) == ("**" in pattern)


def test_an_absolute_pattern_names_its_folder(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "validate", f"{repo}/specs/*.yaml")
    assert f"name the folder instead, `{repo}/specs`, to read" in result.err


def test_a_relative_path_names_the_folder_it_was_read_from(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "specs")  # a CI step run in another folder than the repository's root
    result = run_obsc(capsys, "compile", "specs", "--out", "generated", "--no-validate")
    assert result.code == 2 and "Traceback" not in result.err
    assert f"specs $: no such file or directory (relative to the current directory, {repo / 'specs'})" in result.err
    assert not (repo / "specs" / "generated").exists()


def test_an_absolute_path_that_names_nothing_says_only_that(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "validate", f"{repo}/nothing")
    assert result.err.splitlines()[0] == f"{repo}/nothing $: no such file or directory"
