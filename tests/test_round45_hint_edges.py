"""Round 45's newcomer hints at their edges: a `#value` in a flow collection (compiler/spec/comment_values.py) and
an import found nowhere (compiler/spec/jsonnet_eval.py). Each reading below was dropped or loosened by a hand
mutant of round 45 that passed every test (review of round 45). Asked of the readers themselves: a compile per
case costs ~1 CPU-s."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from compiler.spec import jsonnet_eval
from compiler.spec.comment_values import in_flow


def test_a_hash_inside_quotes_is_text_and_the_one_after_is_said() -> None:
    line = '{a: "x, #y", b: #z}'
    found = in_flow([line], 1, 1)
    assert found is not None and found[:2] == (1, line.index("#z") + 1) and 'b: "#z"' in found[2], found


def test_the_last_line_of_the_collection_is_read() -> None:
    lines = ["tags: [", "  ok,", "  x, #oops]"]
    found = in_flow(lines, 1, 3)
    assert found is not None and found[:2] == (3, 6), found


def test_a_long_key_run_is_read_in_linear_time() -> None:
    line = "{" + "a" * 200_000 + " b: #c}"
    started = time.process_time()
    assert in_flow([line], 1, 1) is not None
    assert time.process_time() - started < 0.5  # quadratic (a key tried from each of its letters): minutes


def test_an_import_found_nowhere_names_no_other_file_and_no_j_path_it_was_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tokens.json").write_text("{}")
    (tmp_path / "specs" / "common.libsonnet").write_text("{}")
    monkeypatch.chdir(tmp_path)
    specs = str(tmp_path / "specs")
    # a .json beside the working directory: its existence is not said (only Jsonnet files' places are named)
    said = jsonnet_eval._written_from_elsewhere("data/tokens.json", [specs], str(tmp_path))
    assert said == "pass the folder that holds it with -J/--jpath DIR", said
    # the spec's own folder is no -J path: a file under it is not offered as one
    said = jsonnet_eval._written_from_elsewhere("lib/common.libsonnet", [specs], str(tmp_path))
    assert "-J path" not in said, said


def test_a_file_outside_the_library_paths_that_is_no_jsonnet_is_not_said_to_exist(tmp_path: Path) -> None:
    # `import '../../etc/hostname'`: its existence is not a spec's to learn (a hand mutant of round 45 naming any
    # existing file's folder as the -J to pass passed every test)
    (secret := tmp_path / "hostname").write_text("x")
    (library := tmp_path / "svc.libsonnet").write_text("{}")
    assert jsonnet_eval._library_outside(str(secret), None) == ""
    assert "is there: pass -J" in jsonnet_eval._library_outside(str(library), None)
