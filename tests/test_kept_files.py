"""A warm whole-directory compile: the generating workers compare each finished file with the output and send back
only those that differ; a file already holding its bytes comes back as `Artifact.kept` (its path and the identity
the worker saw), and the writer links it into the new tree without reading it again (output/direct.finish_against,
writer.plan). Same bytes out as before; what changed after the worker looked is read and compared as usual."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import workers
from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.cli import cli
from compiler.conventions import MANIFEST
from compiler.output import writer
from compiler.output.bundle import Artifact, Ownership
from compiler.output.file_changes import Status
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc

needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork (Linux)")
PER_WORKER = 3  # workers.MIN_ITEMS_PER_WORKER here: two worker processes for 6 services


@pytest.fixture(scope="module", autouse=True)
def few_items_per_worker() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "MIN_ITEMS_PER_WORKER", PER_WORKER)
        yield


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _compile(root: Path, *args: str) -> None:
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["compile", "specs", "--out", "out", "--no-validate", *args])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output


def _change_one(specs: Path) -> None:
    spec = specs / "svc-0001.yaml"
    text = spec.read_text()
    assert "objective: 99.9," in text
    spec.write_text(text.replace("objective: 99.9,", "objective: 99.7,", 1))


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A compiled fleet of PER_WORKER × 2 rich services (in `tmp_path`: specs/, out/), generated on two workers."""
    monkeypatch.setenv("OBSC_JOBS", "2")
    write_fleet(tmp_path, PER_WORKER * 2, rich=True)
    _compile(tmp_path)
    return tmp_path


def _generated(root: Path) -> list[Artifact]:
    """Generate against the compiled output, as `obsc compile` does under its lock."""
    out = os.path.realpath(root / "out")
    options = CompileOptions(jobs=2, regenerate_command=regenerate_command(["specs"], "out"))
    return list(compile_specs([str(root / "specs")], options, compare_with=out).bundle.artifacts)


def _warm(root: Path) -> tuple[writer.Plan, list[Artifact]]:
    """Generate against the compiled output and plan the write."""
    artifacts = _generated(root)
    return writer.plan(writer.Bundle(tuple(artifacts)), os.path.realpath(root / "out")), artifacts


@needs_fork
def test_unchanged_files_come_back_kept_and_are_not_read_again(fleet: Path) -> None:
    _change_one(fleet / "specs")
    plan, artifacts = _warm(fleet)
    kept = [a for a in artifacts if a.seen is not None]
    changed = {c.path for c in plan.changes if c.status is Status.CHANGED}
    assert "prometheus/rules/svc-0001.yaml" in changed and not any("svc-0002" in p for p in changed)
    # every file but the changed ones (and the manifest, made by the parent) came back as its path alone
    assert {a.path for a in kept} == {a.path for a in artifacts} - changed - {MANIFEST}
    sent = sum(len(pickle.dumps(a)) for a in kept)
    assert sent * 10 < sum(len(a.data()) for a in kept)  # not their bytes
    unchanged = [c for c in plan.changes if c.status is Status.UNCHANGED and c.path != MANIFEST]
    assert len(unchanged) == len(kept)
    assert all(c.raw is None for c in unchanged)  # not read by the plan
    one = next(c for c in unchanged if c.path.endswith(".yaml"))
    assert one.old == one.new == (fleet / "out" / one.path).read_text()  # read when asked


def _edited_before_the_plan(monkeypatch: pytest.MonkeyPatch, edit: Callable[[], None]) -> None:
    compare = writer.plan

    def edit_then_plan(bundle: writer.Bundle, out_dir: str, comparing: bool = False) -> writer.Plan:
        edit()  # after the workers' look, before the plan
        return compare(bundle, out_dir, comparing)

    monkeypatch.setattr(writer, "plan", edit_then_plan)


@needs_fork
def test_a_runbook_a_human_edits_while_the_workers_generate_is_kept(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = next((fleet / "out" / "runbooks" / "svc-0004").glob("*.md"))
    edited = page.read_bytes() + b"\nOur own notes.\n"
    _edited_before_the_plan(monkeypatch, lambda: page.write_bytes(edited))
    _compile(fleet)
    assert page.read_bytes() == edited  # never overwritten


@needs_fork
@pytest.mark.parametrize("what", ["rules edited", "rules removed", "stub removed"])
def test_a_file_written_into_the_output_while_the_workers_generate_fails_the_compile(
    fleet: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    out = fleet / "out"
    target = out / ("prometheus/rules/svc-0003.yaml" if what.startswith("rules") else "runbooks/svc-0004")
    target = target if target.is_file() else next(target.glob("*.md"))
    before = _tree(out)
    _change_one(fleet / "specs")
    edit = (lambda: target.write_bytes(b"# hand edit\n")) if what.endswith("edited") else target.unlink
    _edited_before_the_plan(monkeypatch, edit)
    monkeypatch.chdir(fleet)
    result = run_obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert result.code == 2
    assert f"{target.relative_to(out)} changed while obsc compiled; nothing was written" in result.err
    after = _tree(out)
    assert after == {k: v for k, v in before.items() if k != str(target.relative_to(out))} | (
        {str(target.relative_to(out)): b"# hand edit\n"} if what.endswith("edited") else {}
    )


@needs_fork
def test_the_output_is_the_same_bytes_as_without_the_workers_comparing(
    fleet: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before = _tree(fleet / "out")
    _change_one(fleet / "specs")
    _compile(fleet)
    compared = _tree(fleet / "out")
    # the same compile planned from every file's bytes (the workers not told of the output)
    other = tmp_path_factory.mktemp("plain")
    out = other / "out"
    out.mkdir()
    for rel, data in before.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    options = CompileOptions(jobs=2, regenerate_command=regenerate_command(["specs"], "out"))
    plain = compile_specs([str(fleet / "specs")], options)
    assert not any(a.seen is not None for a in plain.bundle.artifacts)
    writer.compile_into(plain.bundle, str(out))
    assert _tree(out) == compared
    assert compared != before


@needs_fork
def test_a_folder_that_is_a_symlink_is_not_read_through(fleet: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = fleet / "out"
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "rules"
    (out / "prometheus" / "rules").rename(elsewhere)
    (out / "prometheus" / "rules").symlink_to(elsewhere)  # the same bytes, behind a link
    rules = [a for a in _generated(fleet) if a.path.startswith("prometheus/rules/")]
    assert rules and all(a.seen is None for a in rules)  # compared by the plan, which refuses the link


def test_a_kept_artifact_travels_as_its_path_and_identity(tmp_path: Path) -> None:
    file = tmp_path / "x.yaml"
    file.write_bytes(b"groups: []\n")
    seen = writer.tree.identity(str(file))
    assert seen is not None
    kept = Artifact.kept("prometheus/rules/x.yaml", Ownership.GENERATED, str(file), seen)
    back = pickle.loads(pickle.dumps(kept))
    assert (back.path, back.seen, back.data()) == ("prometheus/rules/x.yaml", seen, b"groups: []\n")
    assert back.content == "groups: []\n"
