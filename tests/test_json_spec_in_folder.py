"""A spec written as JSON in a spec folder was left out without a word: its service missing from the output and
the compile green (round 37 newcomer hunt). Named alone the same file compiles (YAML reads JSON). It is now
refused at its path; other JSON files there (the editor schema `obsc schema` writes) stay unread."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

SPEC = {"apiVersion": "obsc/v1", "service": "cart", "team": "payments", "selector": {"job": "cart"}}
PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {payments: {routing: {critical: {webhook: {url: 'https://hook.example/c'}},"
    " warning: {webhook: {url: 'https://hook.example/w'}}}}}\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "checkout.yaml").write_text("apiVersion: obsc/v1\nservice: checkout\nteam: payments\nselector: {job: x}\n")
    return specs


@pytest.mark.parametrize("name", ["cart.json", "cart.JSON"])  # the suffix in any case, as .YAML is read
def test_a_json_spec_in_a_folder_is_refused_not_skipped(
    folder: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    (folder / "team").mkdir()
    (folder / "team" / name).write_text(json.dumps(SPEC, indent=2))
    out = folder.parent / "out"
    result = run_obsc(capsys, "compile", str(folder), "--out", str(out), "--no-validate")
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{folder}/team/{name} $: a spec written as JSON (its apiVersion is obsc/v1), not read" in result.err
    assert "rename it to .yaml (YAML reads JSON as it is)" in result.err
    assert not out.exists()


def test_other_json_files_stay_unread(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "obsc.schema.json").write_text(_schema(capsys))
    (folder / "dashboard.json").write_text('{"title": "hand-made", "panels": []}')
    result = run_obsc(capsys, "validate", str(folder))
    assert result.code == 0, result.err


def test_a_json_link_out_of_the_folder_is_never_opened(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "elsewhere.json"
    secret.write_text(json.dumps(SPEC))
    os.symlink(secret, folder / "linked.json")
    result = run_obsc(capsys, "validate", str(folder))
    assert result.code == 0, result.err


def _schema(capsys: pytest.CaptureFixture[str]) -> str:
    result = run_obsc(capsys, "schema")
    assert result.code == 0 and '"apiVersion"' in result.out
    return result.out
