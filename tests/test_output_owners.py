"""An output whose folders the compiling user cannot empty. Found by the round 21 CLI hunt: the swap succeeded,
the old tree's removal failed, and a full copy of the output stayed beside it, in silence, at every compile:
- a folder of the user's own without write permission (obsc keeps folder modes across compiles): now made
  writable for its removal;
- another user's folder (a tree written once under `sudo`): refused before anything is written, exit 2.
The compile runs as an unprivileged user (as root, permissions do not apply; `setpriv`, which keeps the
interpreter under /root reachable where a plain setuid did not), from a folder it can reach.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOBODY = 65534
ROOT_USER = os.geteuid() == 0


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's own are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="obsc-owners-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


SETPRIV = shutil.which("setpriv")
UNPRIVILEGED = [str(SETPRIV), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
pytestmark = pytest.mark.skipif(ROOT_USER and not SETPRIV, reason="running as another user needs setpriv")


def _obsc(place: Path, *args: str, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    command = [*(UNPRIVILEGED if unprivileged else []), sys.executable, "-m", "compiler", "-q", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=place, env=env, capture_output=True, text=True, timeout=120)


def _chown_tree(root: Path, uid: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, uid)


def _specs(place: Path, objective: str) -> None:
    specs = place / "specs"
    specs.mkdir(exist_ok=True)
    text = (ROOT / "tests" / "golden" / "minimal" / "specs" / "api.yaml").read_text()
    assert "objective: 99.5," in text
    (specs / "api.yaml").write_text(text.replace("objective: 99.5,", f"objective: {objective},", 1))


def test_a_folder_of_ours_without_write_permission_leaves_nothing_beside_the_output(place: Path) -> None:
    _specs(place, "99.9")
    if ROOT_USER:
        _chown_tree(place, NOBODY)
    assert _obsc(place, "compile", "specs", "--out", "gen", "--no-validate", unprivileged=ROOT_USER).returncode == 0
    (place / "gen" / "runbooks").chmod(0o555)
    _specs(place, "99.0")
    done = _obsc(place, "compile", "specs", "--out", "gen", "--no-validate", unprivileged=ROOT_USER)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in place.iterdir()) == ["gen", "specs"], "left beside the output"
    assert (place / "gen" / "runbooks").stat().st_mode & 0o777 == 0o555  # the mode is still kept
    assert _obsc(place, "check", "specs", "--out", "gen", unprivileged=ROOT_USER).returncode == 0


@pytest.mark.skipif(not ROOT_USER, reason="making another user's folder needs root (chown)")
def test_another_users_folder_in_the_output_is_refused_before_writing(place: Path) -> None:
    _specs(place, "99.9")
    assert _obsc(place, "compile", "specs", "--out", "gen", "--no-validate").returncode == 0  # as root
    _chown_tree(place / "specs", NOBODY)
    os.lchown(place, NOBODY, NOBODY)  # the parent is the compiling user's: the swap itself could be done
    before = sorted(str(p.relative_to(place)) for p in place.rglob("*"))
    _specs(place, "99.0")
    done = _obsc(place, "compile", "specs", "--out", "gen", "--no-validate", unprivileged=True)
    assert done.returncode == 2, done.stderr
    assert "gen: another user's folder this user cannot remove files from" in done.stderr
    assert sorted(str(p.relative_to(place)) for p in place.rglob("*")) == before
