"""YAML that would expand without bound: one budget per file, checked before anything is composed or merged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.spec.loader import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_yaml_text
from tests.conftest import ROOT

# One document of the classic "billion laughs" cut off below the old per-document budget: 9 + 81 + ... +
# 9**5 = 66,429 nodes when expanded, from 230 bytes of text.
_LAUGHS = "".join(
    f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} ["
    + (", ".join(['"lol"'] * 9) if i == 0 else ", ".join([f"*{chr(ord('a') + i - 1)}"] * 9))
    + "]\n"
    for i in range(5)
)


def _documents(count: int) -> str:
    return "".join("---\n" + _LAUGHS for _ in range(count))


def test_the_budget_is_for_the_whole_file_not_each_document() -> None:
    load_yaml_text("one.yaml", _documents(1))  # one document is within budget
    with pytest.raises(InputError, match=f"file expands to more than {MAX_NODES:,} nodes, all documents together"):
        load_yaml_text("many.yaml", _documents(4))


def test_the_refusal_points_at_the_alias_that_crossed_the_budget() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("many.yaml", _documents(40))
    (problem,) = caught.value.diagnostics
    assert (problem.location.line, problem.location.col) == (18, 28)  # the third document's last alias


def test_merge_keys_count_what_they_copy() -> None:
    # Each level merges the previous one and adds 200 keys: flattening copies quadratically many pairs.
    lines = ["l0: &l0 {" + ", ".join(f"k{j}: 1" for j in range(200)) + "}"]
    for i in range(1, 40):
        keys = ", ".join(f"k{i}_{j}: 1" for j in range(200))
        lines.append(f"l{i}: &l{i} {{<<: *l{i - 1}, {keys}}}")
    with pytest.raises(InputError, match="more than 200,000 nodes"):
        load_yaml_text("merge.yaml", "\n".join(lines) + "\n")


def test_nested_merge_keys_are_refused_by_depth_not_a_recursion_error() -> None:
    text = "x: " + "{<<: " * 990 + "{a: 1}" + "}" * 990 + "\n"
    with pytest.raises(InputError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        load_yaml_text("deep.yaml", text)


def test_a_chain_of_merged_anchors_is_refused_by_depth() -> None:
    lines = ["x0: &x0 {a: 1}"] + [f"x{i}: &x{i} {{<<: *x{i - 1}}}" for i in range(1, 990)]
    with pytest.raises(InputError, match="counting what aliases and '<<' merges add"):
        load_yaml_text("chain.yaml", "\n".join(lines) + "\n")


def test_small_merges_and_aliases_still_load() -> None:
    text = "base: &b {x: 1}\nmid: &m {<<: *b, y: 2}\ntop: {<<: *m, z: 3}\nlist: &l [1, 2]\nagain: *l\n"
    (doc,) = load_yaml_text("ok.yaml", text)
    assert doc.data["top"] == {"x": 1, "y": 2, "z": 3}
    assert doc.data["again"] == [1, 2]


def test_recursive_alias_is_a_located_error() -> None:
    with pytest.raises(InputError, match=r"r.yaml:1:8 \$: alias \*a refers to a collection that contains it"):
        load_yaml_text("r.yaml", "a: &a [*a]\n")


def test_many_small_documents_of_plain_nodes_are_bounded_too() -> None:
    text = "---\n" + "\n".join(f"k{i}: v" for i in range(MAX_NODES // 2 + 1)) + "\n"
    with pytest.raises(InputError, match="more than 200,000 nodes"):
        load_yaml_text("wide.yaml", text)


# The child reports its own peak resident set from /proc (VmHWM belongs to the memory map the program ran
# in). ru_maxrss from wait4 is no good here: Linux carries the parent's high-water mark across fork and
# exec, so after a long test session it reports pytest's size, not obsc's.
_MEASURED = """
import atexit, sys
def _report(path=sys.argv[1]):
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(peak)
atexit.register(_report)
sys.argv = ["obsc", *sys.argv[2:]]
from compiler.cli import main
main()
"""


def _run_measured(args: list[str], tmp_path: Path) -> tuple[int, float, int, str]:
    """Exit code, CPU seconds, peak RSS in KB and stderr of obsc run in a child.

    CPU, not wall time: on a shared CI machine the wall clock measures the neighbours."""
    peak = tmp_path / "peak"
    with open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _MEASURED, str(peak), *args], stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT
        )
        _, status, usage = os.wait4(proc.pid, 0)  # reaped here, so its own rusage (not all children's)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime, int(peak.read_text()), (tmp_path / "stderr").read_text()


def test_a_4mb_multi_document_alias_bomb_is_refused_in_under_2s_and_200mb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    chunk = _documents(1)
    bomb.write_text(chunk * ((MAX_FILE_BYTES - 1) // len(chunk)))
    assert bomb.stat().st_size > 4_000_000
    code, cpu, peak_kb, err = _run_measured(
        ["validate", str(bomb), "--platform", "tests/errors/platform.yaml"], tmp_path
    )
    assert code == 2, err
    assert "file expands to more than 200,000 nodes" in err
    assert cpu < 2.0, f"took {cpu:.2f}s of CPU"
    assert peak_kb < 200 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"
