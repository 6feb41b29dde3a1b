"""`obsc diff` reads the committed output, which anyone with write access may have edited: no edit of it
may crash the job (exit 70) or keep it busy. Every node of a real alertmanager.yml and rule file is
replaced by a value of each wrong type, and the files are given the shapes a hostile edit would use."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import changes
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

EXPECTED = ROOT / "tests" / "golden" / "platform-overrides" / "expected"
FILES = {
    "alertmanager/alertmanager.yml": EXPECTED / "alertmanager" / "alertmanager.yml",
    "prometheus/rules/ledger.yaml": EXPECTED / "prometheus" / "rules" / "ledger.yaml",
}
WRONG: list[Any] = [None, 5, "text", [1, [2]], {1: "an int key", "k": {"b": [{"x": None}]}}]
# libyaml's writer where available (~5x faster): the same data as safe_dump's text for every file written here
# (it folds long quoted strings and ends a lone scalar differently), and the committed side is only parsed.
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _paths(
    node: Any, path: tuple[Any, ...] = (), seen: set[tuple[Any, ...]] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every place of a different kind: list items count as one place (`groups[*].rules[*].labels.slo`)."""
    seen = set() if seen is None else seen
    kind = tuple("*" if isinstance(key, int) else key for key in path)
    if kind in seen:
        return
    seen.add(kind)
    yield path
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from _paths(child, (*path, key), seen)


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize("path", sorted(FILES))
def test_every_node_of_a_committed_file_may_hold_any_type(path: str) -> None:
    text = FILES[path].read_text()
    data = yaml.safe_load(text)
    for where in _paths(data):
        for value in WRONG:
            committed = yaml.dump(_replaced(data, where, value), Dumper=_DUMPER, sort_keys=False)
            changes.summarise([(path, committed, text)])  # raises nothing


BOMB = "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10 if i else ["x"] * 10) + "]\n" for i in range(9))
HOSTILE = {
    "an alias bomb under global": BOMB + "route: {receiver: r}\nglobal: {k: *a8}\n",
    "an alias bomb in rule labels": BOMB + "groups: [{name: g, rules: [{alert: A, expr: up, labels: {a: *a8}}]}]\n",
    "a 5,000-digit integer": "groups: [{name: g, rules: [{alert: A, expr: " + "9" * 5000 + "}]}]\n",
    "a long hex integer": "route: {receiver: 0x" + "f" * 5000 + "}\n",
    "nesting 5,000 deep": "global: " + "[" * 5000 + "]" * 5000 + "\n",
    "bytes that are not UTF-8": b"groups: [\xff]\n".decode("utf-8", "surrogateescape"),
    "a python tag": "groups: !!python/object/apply:os.system [true]\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("path", sorted(FILES))
def test_a_hostile_committed_file_reads_as_unreadable_at_once(path: str, case: str) -> None:
    new = FILES[path].read_text()
    start = time.monotonic()
    summary = changes.summarise([(path, HOSTILE[case], new)])
    assert time.monotonic() - start < 5
    assert summary.changes and all(c.action == "added" for c in summary.changes)  # as if nothing was there


def test_obsc_diff_on_a_damaged_committed_tree_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs, out = ROOT / "tests" / "golden" / "minimal" / "specs", tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    (out / "alertmanager" / "alertmanager.yml").write_text("route: {routes: [5, {receiver: [1], routes: 7}]}\n")
    (out / "prometheus" / "rules" / "api.yaml").write_text("groups: [5, {rules: [{alert: A, labels: [1]}]}]\n")
    result = run_obsc(capsys, "diff", str(specs), "--out", str(out))
    assert result.code == 0, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
