"""Helpers for the output-directory tests: compile through the CLI, and describe a tree without following links."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import Result, run_forked, run_obsc
from tests.conftest import ROOT


def compile_cli(capsys: pytest.CaptureFixture[str], specs: Path, out: Path, *extra: str) -> Result:
    return run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", *extra)


def obsc_process(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """obsc in a child process, for what could hang or read without end (a FIFO, /dev/zero): forked, not a
    fresh interpreter, which reads nothing these tests vary and cost ~0.2 CPU-s a run."""
    return run_forked(*args, cwd=ROOT, timeout=timeout)


def entries(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """relative path → (kind, permission bits, content or link target) for every entry, links not followed,
    empty directories included."""
    found: dict[str, tuple[str, int, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                found[rel] = ("symlink", 0, os.readlink(full).encode())
            elif stat.S_ISDIR(st.st_mode):
                found[rel] = ("dir", mode, b"")
            elif stat.S_ISFIFO(st.st_mode):
                found[rel] = ("fifo", mode, b"")
            else:
                found[rel] = ("file", mode, Path(full).read_bytes())
    return found


def leftovers(parent: Path) -> list[str]:
    """obsc's working entries beside an output directory (staging trees, journals, lock files)."""
    return sorted(p.name for p in parent.iterdir() if ".obsc-" in p.name)
