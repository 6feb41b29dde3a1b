"""Cold compile: the generating workers write the files straight into the staging tree (output/direct.py,
output/session.py). Same bytes as the usual plan-then-write path; the writer's guarantees stay."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import workers
from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.cli import cli
from compiler.conventions import MANIFEST
from compiler.errors import OutputError
from compiler.output import direct, swap, writer
from compiler.output import session as sessions
from compiler.output.bundle import Bundle
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc

needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork (Linux)")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


PER_WORKER = 6  # workers.MIN_ITEMS_PER_WORKER here: two worker processes for 12 services, not 50 (~4x less work)


@pytest.fixture(scope="module", autouse=True)
def few_items_per_worker() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "MIN_ITEMS_PER_WORKER", PER_WORKER)
        yield


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # PER_WORKER × 2 services, so two worker processes generate and write.
    return write_fleet(tmp_path_factory.mktemp("fleet"), PER_WORKER * 2, rich=True)


_REGENERATE = re.compile(rb"(Regenerate with: obsc compile )\S+ --out \S+")


def _unplaced(files: dict[str, bytes]) -> dict[str, bytes]:
    """The tree with the paths of its regenerate command (relative to where specs and output are) left out."""
    return {k: _REGENERATE.sub(rb"\1SPECS --out OUT", v) for k, v in files.items()}


@pytest.fixture(scope="module")
def usual_tree(fleet: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What `obsc compile specs --out usual` writes into a non-empty output (planned, not cold): once per module."""
    root = tmp_path_factory.mktemp("usual")
    os.symlink(fleet, root / "specs")
    usual = root / "usual"
    usual.mkdir()
    (usual / "keep").write_text("not cold\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("OBSC_JOBS", "2")
        _compile("specs", "--out", "usual", "--adopt-out")  # (a folder of other files: output/claim.py)
    (usual / "keep").unlink()
    return _tree(usual)


@needs_fork
def test_workers_write_every_file_but_the_manifest_into_the_staging_tree(
    fleet: Path, usual_tree: dict[str, bytes], tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    options = CompileOptions(jobs=2, regenerate_command=regenerate_command(["specs"], "usual"))  # as the CLI's
    compilation = compile_specs([str(fleet)], options, write_into=lambda: str(staging))
    assert compilation.written_into == str(staging)
    written = _tree(staging)
    bundle = {a.path: a.content.encode() for a in compilation.bundle.artifacts}
    assert written == {path: data for path, data in bundle.items() if path != MANIFEST}
    # What the usual path wrote (but where its specs and output are): headers and stub markers added once, the same way
    assert _unplaced(bundle) == _unplaced(usual_tree)


def _compile(*args: str) -> None:
    result = CliRunner().invoke(cli, ["compile", *args, "--no-validate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@needs_fork
@pytest.mark.parametrize("out_state", ["missing", "empty", "foreign file"])
def test_a_cold_compile_writes_the_bytes_of_the_usual_path(
    fleet: Path, usual_tree: dict[str, bytes], tmp_path: Path, out_state: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OBSC_JOBS", "2")
    os.symlink(fleet, tmp_path / "specs")
    made: list[str | None] = []
    cold = sessions.Session.cold_staging

    def spy(self: sessions.Session) -> str | None:
        made.append(cold(self))
        return made[-1]

    monkeypatch.setattr(sessions.Session, "cold_staging", spy)
    out = tmp_path / "out"
    if out_state != "missing":
        out.mkdir()
    if out_state == "foreign file":
        (out / "NOTES.md").write_text("ours\n")
    _compile("specs", "--out", "out", *(["--adopt-out"] if out_state == "foreign file" else []))
    # Only a missing or empty output is cold; one with anything in it is planned as usual (foreign kept).
    assert (made[0] is not None) is (out_state != "foreign file")
    cold_tree = _tree(out)
    assert _unplaced(cold_tree) == _unplaced(usual_tree) | (
        {"NOTES.md": b"ours\n"} if out_state == "foreign file" else {}
    )
    assert swap.leftovers(str(tmp_path), "out") == ([], [])


@needs_fork
def test_bad_specs_leave_nothing_behind(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "broken.yaml").write_text("service: batch-job\nslos: [{name: x, objective: 101}]\n")
    result = run_obsc(capsys, "compile", "specs", "--out", "gen/out", "--no-validate")
    assert result.code == 2, result.err
    assert "101 is no objective: it is a percentage above 0 and below 100" in result.err
    assert not (tmp_path / "gen").exists()  # the lock (and its folder) come only once the specs are sound


@needs_fork
def test_a_failed_validation_of_a_cold_tree_writes_nothing(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def reject(tree: str) -> None:
        assert Path(tree, "prometheus").is_dir()  # validation sees the tree the workers wrote
        raise RuntimeError("promtool says no")

    with pytest.raises(RuntimeError), sessions.Session(str(out)) as session:
        compilation = compile_specs([str(fleet)], CompileOptions(jobs=2), write_into=session.cold_staging)
        session.compile(compilation.bundle, reject)
    assert not out.exists()
    assert os.listdir(tmp_path) == []  # no staging tree, no lock file left


@needs_fork
def test_a_staging_tree_in_the_making_is_not_taken_for_a_killed_runs_leftovers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with sessions.Session(str(out), wait=False) as session:
        staging = session.cold_staging()
        assert staging is not None
        with pytest.raises(writer.lock.LockBusy):  # another compile cannot run its recovery meanwhile
            writer.compile_into(Bundle(()), str(out), wait=False)  # the lock comes first: any bundle will do
        assert os.path.isdir(staging)


@needs_fork
def test_a_full_disk_during_a_cold_compile_is_a_clear_error(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OBSC_JOBS", "2")
    os.symlink(fleet, tmp_path / "specs")
    real_write = direct.write_bytes
    written = {"files": 0}

    def filling_write(path: str, data: bytes) -> None:
        written["files"] += 1
        if written["files"] > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(direct, "write_bytes", filling_write)  # workers and the parent alike
    result = CliRunner().invoke(cli, ["compile", "specs", "--out", "out", "--no-validate"])
    assert "No space left on device; nothing was written" in result.output + str(result.exception)
    assert isinstance(result.exception, OutputError) or result.exit_code == 2
    assert sorted(os.listdir(tmp_path)) == ["specs"]  # no output, no staging tree, no lock file
