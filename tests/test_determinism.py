"""Same specs, same bytes: under different hash seeds, in different processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, tree


def _compile(out: Path, seed: str) -> dict[str, bytes]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    subprocess.run(["rm", "-rf", str(out)], check=True)
    subprocess.run(
        [sys.executable, "-m", "compiler", "compile", "examples", "--out", str(out), "--no-validate", "-q"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return tree(out)


def test_output_is_identical_under_hash_seeds_0_and_1(tmp_path: Path) -> None:
    zero = _compile(tmp_path / "out", "0")
    one = _compile(tmp_path / "out", "1")
    assert zero.keys() == one.keys()
    differing = [p for p in zero if zero[p] != one[p]]
    assert not differing, differing
    assert len(zero) > 10
