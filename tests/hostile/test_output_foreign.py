"""`--out` holds more than obsc's files: a git checkout, notes, modes, links, FIFOs. A compile changes only
the files obsc's manifest lists, and keeps everything else exactly as it was, even edits made while the
new tree is being validated, and even after a kill in the middle of the swap."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.output import writer
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_forked
from tests.conftest import ROOT
from tests.hostile.output_helpers import compile_cli, entries, leftovers

PAGE = "runbooks/svc-0000/ServiceHighErrorRate.md"


def _git(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(argv, cwd=out, capture_output=True, text=True, timeout=60)


def test_a_git_checkout_used_as_out_keeps_a_working_git_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "generated")):
        assert _git(out, *args).returncode == 0
    refs = entries(out / ".git")
    write_fleet(tmp_path, services=2, warning_threshold="4%")  # every rule file changes
    (specs / "svc-0001.yaml").unlink()  # and a service goes: its files are pruned
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert entries(out / ".git") == refs, "compile changed something under .git"
    status = _git(out, "status", "--porcelain")  # (refreshes .git/index)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert " M prometheus/rules/svc-0000.yaml" in lines
    assert " D prometheus/rules/svc-0001.yaml" in lines
    assert not [line for line in lines if line.startswith("??")], "obsc left files of its own in the checkout"
    assert _git(out, "fsck", "--no-progress").returncode == 0


def _plant_foreign(out: Path) -> None:
    """Everything a human or a tool may keep in an output directory, obsc's own folders included."""
    (out / ".env.local").write_text("TOKEN_FILE=/run/secrets/x\n")
    os.chmod(out / ".env.local", 0o640)
    (out / "notes").mkdir(mode=0o700)
    (out / "notes" / "todo.txt").write_text("ask payments about the SLO\n")
    os.chmod(out / "notes", 0o700)
    (out / "empty").mkdir()
    (out / "runbooks" / "drafts").mkdir()
    (out / "runbooks" / "README.md").write_text("how we write runbooks\n")
    os.chmod(out / "prometheus" / "rules", 0o700)
    os.symlink("/etc", out / "shared")
    os.symlink("runbooks/README.md", out / "link.md")
    os.symlink("/nonexistent/target", out / "runbooks" / "dangling.md")
    os.mkfifo(out / "pipe")
    os.mkfifo(out / "runbooks" / "pipe")
    os.chmod(out, 0o750)


def test_foreign_entries_survive_a_compile_exactly(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    assert obsc(specs, out).returncode == 0
    _plant_foreign(out)
    before = {k: v for k, v in entries(out).items() if not k.startswith(("prometheus/", "alertmanager", "grafana"))}
    write_fleet(tmp_path, services=2, warning_threshold="4%")
    done = obsc(specs, out)  # a child process: a FIFO that obsc opened would hang it, not the test run
    assert done.returncode == 0, done.stderr
    after = entries(out)
    for rel, entry in before.items():
        if rel.startswith("runbooks/svc-") or rel == ".obsc-manifest":
            continue  # obsc's own stubs and manifest, refreshed
        assert after.get(rel) == entry, f"{rel} changed"
    assert after["prometheus/rules"] == ("dir", 0o700, b""), "an owned folder's mode was reset"
    assert out.stat().st_mode & 0o777 == 0o750, "the output folder's mode was reset"
    assert b"4%" in after["prometheus/rules/svc-0000.yaml"][2] or b"0.04" in after["prometheus/rules/svc-0000.yaml"][2]
    assert leftovers(tmp_path) == []


def obsc(specs: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """A compile in a child with a timeout (forked: no interpreter start to pay)."""
    return run_forked("compile", str(specs), "--out", str(out), "--no-validate", *extra, cwd=ROOT, timeout=120)


def test_edits_made_while_the_new_tree_is_validated_are_kept(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    assert obsc(specs, out).returncode == 0
    kept = out / "runbooks/svc-0001/ServiceHighErrorRate.md"
    kept.write_text("# ServiceHighErrorRate\nfirst draft\n")  # edited before: obsc keeps it (hard link)
    write_fleet(tmp_path, services=2, warning_threshold="4%")  # the stub of PAGE changes: obsc would rewrite it
    options = CompileOptions(regenerate_command=regenerate_command([str(specs)], str(out)))
    bundle = compile_specs([str(specs)], options).bundle

    def human_edits_during_validation(staging: str) -> None:
        assert os.path.realpath(staging) != os.path.realpath(out)
        saved = out / (PAGE + ".swp")
        saved.write_text("# ServiceHighErrorRate\nOur own words.\n")
        os.replace(saved, out / PAGE)  # an editor's write-then-rename save
        (out / "runbooks" / "NOTES.md").write_text("written during validation\n")
        saved = kept.with_suffix(".md.swp")
        saved.write_text("# ServiceHighErrorRate\nsecond draft\n")
        os.replace(saved, kept)  # a new inode: the hard link taken before validation is stale
        (out / "new-folder").mkdir()

    plan = writer.compile_into(bundle, str(out), human_edits_during_validation)
    assert plan.drift
    assert (out / PAGE).read_text() == "# ServiceHighErrorRate\nOur own words.\n"
    assert (out / "runbooks" / "NOTES.md").read_text() == "written during validation\n"
    assert kept.read_text() == "# ServiceHighErrorRate\nsecond draft\n"
    assert (out / "new-folder").is_dir()
    assert (
        "0.04" in (out / "prometheus/rules/svc-0000.yaml").read_text()
        or "4%" in (out / "prometheus/rules/svc-0000.yaml").read_text()
    )


KILL_AT_THE_SWAP = textwrap.dedent(
    """
    import os, signal, sys
    from compiler.api import CompileOptions, compile_specs, regenerate_command
    from compiler.output import swap, writer
    specs, out = sys.argv[1], sys.argv[2]
    swap.exchange = lambda staging, out: os.kill(os.getpid(), signal.SIGKILL)  # killed after the moves
    options = CompileOptions(regenerate_command=regenerate_command([specs], out))
    writer.compile_into(compile_specs([specs], options).bundle, out)
    """
)


def test_a_kill_between_moving_foreign_entries_and_the_swap_loses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    assert _git(out, "init", "-q").returncode == 0 and _git(out, "add", "-A").returncode == 0
    assert _git(out, "commit", "-qm", "x").returncode == 0
    (out / "notes.md").write_text("mine\n")
    git_before = entries(out / ".git")
    write_fleet(tmp_path, services=2, warning_threshold="4%")
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_THE_SWAP, str(specs), str(out)], cwd=ROOT, capture_output=True, timeout=120
    )
    assert killed.returncode == -9, killed.stderr
    assert not (out / ".git").exists(), "the kill came too late to test anything"
    result = compile_cli(capsys, specs, out)  # the next run puts the moved entries back, then compiles
    assert result.code == 0, result.err
    assert entries(out / ".git") == git_before
    assert (out / "notes.md").read_text() == "mine\n"
    assert _git(out, "status", "--porcelain").returncode == 0
    assert leftovers(tmp_path) == []


def test_a_manifest_line_outside_obsc_folders_prunes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a hunt: the manifest is a committed file anyone may edit; `.git/HEAD` listed in it was deleted
    # (and the checkout broken) as a file obsc no longer produces. Only paths obsc could write are trusted.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    assert _git(out, "init", "-q").returncode == 0
    (out / "keep").mkdir()
    (out / "keep" / "a.txt").write_text("mine\n")
    (out / "prometheus" / "rules" / "extra.yaml").write_text("obsc wrote me once\n")
    with (out / ".obsc-manifest").open("a") as manifest:
        manifest.write(".git/HEAD\nkeep/a.txt\nprometheus/rules/extra.yaml\n../outside.txt\n")
    (tmp_path / "outside.txt").write_text("not in out\n")
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert (out / ".git" / "HEAD").is_file() and _git(out, "status").returncode == 0
    assert (out / "keep" / "a.txt").read_text() == "mine\n" and (tmp_path / "outside.txt").exists()
    assert not (out / "prometheus" / "rules" / "extra.yaml").exists()  # a file obsc could have written: pruned


def test_a_file_of_someone_elses_where_obsc_writes_is_refused_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a hunt: a hand-written rule file at a generated path, in an --out with no manifest (or one that
    # does not list it), was replaced without a word. It is refused, and nothing is written.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    (out / "prometheus" / "rules").mkdir(parents=True)
    mine = out / "prometheus" / "rules" / "svc-0000.yaml"
    mine.write_text("# my hand-written rules\n")
    result = compile_cli(capsys, specs, out)  # a folder of files and no manifest: not obsc's (output/claim.py)
    assert result.code == 2 and f"--out {out}: not an obsc output folder: it holds prometheus/ and" in result.err
    result = compile_cli(capsys, specs, out, "--adopt-out")  # adopted: still never replaced
    assert result.code == 2
    assert "prometheus/rules/svc-0000.yaml is not obsc's (not in .obsc-manifest) and differs" in result.err
    assert mine.read_text() == "# my hand-written rules\n" and sorted(p.name for p in out.iterdir()) == ["prometheus"]
    mine.unlink()
    assert compile_cli(capsys, specs, out, "--adopt-out").code == 0  # moved away: the compile goes ahead


def test_a_runbook_too_large_to_read_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Found by a hunt: a human's runbook over the 64 MiB read limit was replaced by the stub (it could not be
    # read, so it could not be told edited). Now kept, as every edited runbook is.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    page = out / PAGE
    with page.open("r+b") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: no 65 MiB written
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert page.stat().st_size == 65 * 1024 * 1024 and "kept 1 human-edited runbook" in result.out
