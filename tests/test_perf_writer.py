"""The writer's faster paths keep its behaviour: exact bytes, and an allocator hint that changes no file.

Behaviour only; how fast it is belongs to `make bench` (tests/bench/bench_prometheus.py).
"""

from __future__ import annotations

import array
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.conventions import MANIFEST
from compiler.output import swap, writer
from compiler.output.bundle import Artifact, Bundle, Ownership
from tests.conftest import tree


def _flags(path: Path) -> int | None:
    """The directory's inode flags (`lsattr -d`), or None where the file system has none."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, swap.FS_IOC_GETFLAGS, flags, True)
        return flags[0]
    except OSError:
        return None
    finally:
        os.close(fd)


def _keeps_the_flag(probe: Path) -> bool:
    """Whether the file system of `probe` (made here) keeps FS_TOPDIR_FL, set as `chattr +T` sets it."""
    probe.mkdir()
    flags = _flags(probe)
    if flags is None:
        return False
    fd = os.open(probe, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.ioctl(fd, swap.FS_IOC_SETFLAGS, array.array("i", [flags | swap.FS_TOPDIR_FL]))
    except OSError:
        return False
    finally:
        os.close(fd)
    return bool((_flags(probe) or 0) & swap.FS_TOPDIR_FL)


def _write(out: Path, *artifacts: Artifact) -> None:
    writer.write(writer.plan(Bundle(artifacts), str(out)))


def test_files_hold_exactly_the_artifact_text(tmp_path: Path) -> None:
    text = "crlf stays\r\nnon-ASCII é ✓\nan undecodable byte read back: \udcff\n"
    out = tmp_path / "out"
    _write(
        out, Artifact("a/b/c.yaml", text), Artifact("top.json", ""), Artifact("runbooks/x.md", "# x\n", Ownership.STUB)
    )
    files = tree(out)
    assert files["a/b/c.yaml"] == "crlf stays\r\nnon-ASCII é ✓\nan undecodable byte read back: ".encode() + b"\xff\n"
    assert files["top.json"] == b""
    assert writer.plan(Bundle((Artifact("a/b/c.yaml", text),)), str(out)).changes[0].status is writer.Status.UNCHANGED


def test_the_new_tree_is_marked_top_of_a_hierarchy_where_the_file_system_can(tmp_path: Path) -> None:
    if swap.platform.machine().lower() not in swap.GENERIC_IOCTL_MACHINES or not _keeps_the_flag(tmp_path / "probe"):
        pytest.skip("this file system keeps no top-of-hierarchy flag (tmpfs has flags, not this one)")
    out = tmp_path / "out"
    owned = Artifact(MANIFEST, "prometheus/a.yaml\n")  # the second write replaces obsc's own file
    _write(out, Artifact("prometheus/a.yaml", "a\n"), owned)
    flags = _flags(out)
    assert flags is not None and flags & swap.FS_TOPDIR_FL, "chattr +T was not set on the new tree"
    _write(out, Artifact("prometheus/a.yaml", "b\n"), owned)  # a rewrite: a new tree, marked too
    flags = _flags(out)
    assert flags is not None and flags & swap.FS_TOPDIR_FL
    assert tree(out)["prometheus/a.yaml"] == b"b\n"


def test_two_trees_are_exchanged_in_one_call_and_libc_is_looked_up_once(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, text in ((old, "old"), (new, "new")):
        folder.mkdir()
        (folder / "x").write_text(text)
    swap._libc.cache_clear()
    assert swap._renameat2_exchange(str(old), str(new)), "renameat2(RENAME_EXCHANGE) was not used"
    assert (old / "x").read_text() == "new" and (new / "x").read_text() == "old"
    assert swap._renameat2_exchange(str(old), str(new))
    assert (old / "x").read_text() == "old"
    assert swap._libc.cache_info().misses == 1  # `find_library` starts `ldconfig -p`: once per process


def test_an_up_to_date_runbook_is_not_checksummed_and_each_stub_obsc_writes_is_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-service change re-plans the whole fleet: its 26,000 runbook stubs were each hashed to prove them
    unedited before being compared with what obsc writes. A page equal to that is unchanged without the hash;
    that is sound because every stub obsc writes passes its own check (asserted here), and an edited page,
    which differs, is still checked."""
    from compiler.output.bundle import is_unedited_stub
    from tests.test_promtool_toolcheck import written

    bundle = written(tmp_path / "out").bundle
    stubs = [a for a in bundle.artifacts if a.ownership is Ownership.STUB]
    assert stubs and all(is_unedited_stub(a.content) for a in stubs)
    checked: list[str] = []
    monkeypatch.setattr(writer, "is_unedited_stub", lambda text: checked.append(text) or is_unedited_stub(text))
    plan = writer.plan(bundle, str(tmp_path / "out"))
    assert checked == [] and plan.count(writer.Status.UNCHANGED) == len(bundle.artifacts)
    edited = tmp_path / "out" / stubs[0].path
    edited.write_text(stubs[0].content + "\nOur notes.\n")
    plan = writer.plan(bundle, str(tmp_path / "out"))
    assert len(checked) == 1
    assert [c.path for c in plan.changes if c.status is writer.Status.PRESERVED] == [stubs[0].path]


class _Untouchable(tuple[writer.FileChange, ...]):
    def __iter__(self) -> Iterator[writer.FileChange]:
        raise AssertionError("a cold compile's carry-across read the plan's files")


def test_a_cold_compile_carries_nothing_across_without_reading_the_plan(tmp_path: Path) -> None:
    """Before the swap the live tree's foreign entries and edited runbooks are carried across; with no live tree
    (a cold compile) there is nothing, and the three sets of the plan's 33,000 paths were still built (serial, in
    the parent, after every worker is done). A tree that is there is still read (test_writer's carry tests)."""
    bundle = Bundle((Artifact("prometheus/rules/a.yaml", "x: 1\n"),))
    plan = writer.plan(bundle, str(tmp_path / "out"))
    cold = writer.Plan(**{**plan.__dict__, "changes": _Untouchable(plan.changes)})
    writer._carry_across(str(tmp_path / "staging"), str(tmp_path / "out"), cold, {})
    assert not (tmp_path / "out").exists()


def test_a_replan_compares_unchanged_files_as_bytes_and_decodes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-service change re-plans the whole fleet: each of its 33,000 files was read as text (decoded) to be
    compared with the new text, ~1.6 CPU-s in the parent to find ~20 that differ. They are compared as bytes
    (a CRLF checkout still counts as unchanged); only a file that differs is ever decoded, when its text is asked."""
    from compiler.output import tree as trees

    out = tmp_path / "out"
    files = (
        Artifact("prometheus/a.yaml", "expr: up == 0 # ≥ é\n"),
        Artifact("grafana/b.json", "{}\n"),
        Artifact("runbooks/x.md", "# x\n", Ownership.STUB),
        Artifact(MANIFEST, "grafana/b.json\nprometheus/a.yaml\nrunbooks/x.md\n"),
    )
    _write(out, *files)
    crlf = out / "grafana/b.json"
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))  # as a checkout with core.autocrlf writes it
    read_as_text: list[str] = []
    read_regular = trees.read_regular

    def counted(path: str) -> tuple[str | None, str, trees.Identity | None]:
        read_as_text.append(os.path.relpath(path, out))
        return read_regular(path)

    monkeypatch.setattr(trees, "read_regular", counted)
    plan = writer.plan(Bundle(files), str(out))
    assert [c.status for c in plan.changes] == [writer.Status.UNCHANGED] * 4
    assert read_as_text == [MANIFEST]  # the manifest's paths are read; the files are compared undecoded
    assert not [c.path for c in plan.changes if "old" in vars(c)], "an unchanged file's text was made"
    changed = writer.plan(Bundle((Artifact("prometheus/a.yaml", "expr: up == 1\n"), files[3])), str(out))
    rule = next(c for c in changed.changes if c.path == "prometheus/a.yaml")
    assert rule.status is writer.Status.CHANGED and rule.old == "expr: up == 0 # ≥ é\n"
    assert "+expr: up == 1" in rule.diff()


def test_a_warm_compile_holds_its_files_as_the_bytes_it_writes(tmp_path: Path) -> None:
    """Workers send a warm compile's files back as the bytes written (a renamed service's made from its
    template's pieces, no text): the parent decoded each when it arrived, and the writer encoded it again."""
    from compiler.api import CompileOptions, compile_specs
    from compiler.output.bundle import finish
    from tests.bench.fleet import write_fleet

    specs = write_fleet(tmp_path / "fleet", 6, rich=True)
    bundle = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle
    held = [a for a in bundle.artifacts if a.path != MANIFEST]
    assert held and [a.path for a in held if a._content is not None] == []  # (private: no text made yet)
    assert all(a.data() == a.content.encode("utf-8", "surrogateescape") for a in held)
    out = tmp_path / "out"
    writer.write(writer.plan(bundle, str(out)))
    assert all((out / a.path).read_bytes() == a.data() for a in held)
    assert finish(Artifact("prometheus/x.yaml", "a: 1\n"), "obsc compile s").content.endswith("a: 1\n")
