"""The edges of round 42's "not an obsc spec" reading (round 43's review of round 42 by hand mutants): a near miss of
a spec's key keeps its did-you-mean, a document that says obsc's apiVersion is read as a spec, and the message
names the first three keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT


def _errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "doc.yaml").write_text(text)
    platform = str(ROOT / "tests" / "errors" / "platform.yaml")
    result = run_obsc(
        capsys, "compile", str(specs), "--platform", platform, "--out", str(tmp_path / "out"), "--no-validate"
    )
    assert result.code == 2 and "Traceback" not in result.err, result.err
    return result.err


def test_a_near_miss_of_a_spec_key_keeps_its_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _errors(tmp_path, capsys, "servce: checkout\nreplicaCount: 2\n")
    assert "not an obsc spec" not in err and "'service'" in err, err


def test_a_document_of_obscs_api_version_is_read_as_a_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _errors(tmp_path, capsys, "apiVersion: obsc/v1\nreplicaCount: 2\n")
    assert "not an obsc spec" not in err, err


def test_the_message_names_the_first_three_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _errors(tmp_path, capsys, "replicaCount: 2\nimage: x\nresources: {}\nnodeSelector: {}\n")
    assert "none of its keys (replicaCount, image, resources) is" in err, err


# Round 43's foreign-file detectors at their edges (three hand mutants of round 43 passed every test): each reads a
# document as another tool's only when all of that tool's marks are there.


def test_services_of_which_one_is_no_container_are_no_compose_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _errors(tmp_path, capsys, "services:\n  web: {image: nginx}\n  checkout: {objective: 99.9}\n")
    assert "Docker Compose" not in err, err


def test_a_tests_list_without_rule_files_is_no_promtool_test_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _errors(tmp_path, capsys, "tests:\n  - name: checkout\n")
    assert "promtool test file" not in err, err


def test_an_empty_yaml_mapping_is_not_told_to_be_named_libsonnet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _errors(tmp_path, capsys, "{}\n")
    assert ".libsonnet" not in err, err
