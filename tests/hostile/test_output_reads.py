"""Only regular files obsc owns are ever read from `--out`: a symlink planted at an owned path is not
followed (its target is neither printed nor overwritten), and FIFOs or devices are reported and skipped,
never opened (an open would hang, or read /dev/zero until memory runs out)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.hostile.output_helpers import compile_cli, entries, obsc_process

RULES = "prometheus/rules/svc-0000.yaml"


@pytest.fixture
def compiled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    return specs, out


def test_check_never_prints_the_target_of_a_planted_symlink(
    compiled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs, out = compiled
    secret = tmp_path / "private" / "payments-key"
    secret.parent.mkdir()
    secret.write_text("TOPSECRET-ROUTING-KEY\n")
    os.chmod(secret, 0o600)
    (out / RULES).unlink()
    os.symlink(secret, out / RULES)
    result = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert result.code == 1
    assert "TOPSECRET" not in result.out + result.err
    assert f"changed: {RULES}" in result.out
    assert f"{RULES}: a symlink where obsc writes a file" in result.err
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert secret.read_text() == "TOPSECRET-ROUTING-KEY\n", "compile wrote through the symlink"
    assert not (out / RULES).is_symlink() and "TOPSECRET" not in (out / RULES).read_text()
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0


@pytest.mark.parametrize("where", [RULES, ".obsc-manifest", "notes/pipe"])
def test_a_fifo_in_out_hangs_neither_check_nor_compile(compiled: tuple[Path, Path], where: str) -> None:
    specs, out = compiled
    fifo = out / where
    fifo.parent.mkdir(exist_ok=True)
    if fifo.exists():
        fifo.unlink()
    os.mkfifo(fifo)
    check = obsc_process("check", str(specs), "--out", str(out), timeout=60)
    owned = not where.startswith("notes/")
    assert check.returncode == (1 if owned else 0), check.stderr
    if owned:
        assert f"{where}: a FIFO where obsc writes a file; not read" in check.stderr
    done = obsc_process("compile", str(specs), "--out", str(out), "--no-validate", timeout=60)
    assert done.returncode == 0, done.stderr
    kind = os.lstat(fifo).st_mode
    assert stat.S_ISFIFO(kind) is not owned, "an owned path must hold the generated file, a foreign FIFO stays"
    assert obsc_process("check", str(specs), "--out", str(out), timeout=60).returncode == 0


@pytest.mark.parametrize("where", [RULES, ".obsc-manifest", "runbooks/zero"])
def test_a_symlink_to_dev_zero_is_not_read(compiled: tuple[Path, Path], where: str) -> None:
    specs, out = compiled
    link = out / where
    if link.exists():
        link.unlink()
    os.symlink("/dev/zero", link)
    check = obsc_process("check", str(specs), "--out", str(out), timeout=60)
    assert check.returncode in (0, 1) and "Traceback" not in check.stderr, check.stderr
    done = obsc_process("compile", str(specs), "--out", str(out), "--no-validate", timeout=60)
    assert done.returncode == 0, done.stderr
    if where == "runbooks/zero":
        assert os.readlink(link) == "/dev/zero", "a foreign symlink must stay as it is"


def test_a_hostile_manifest_cannot_make_obsc_delete_outside_out(
    compiled: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs, out = compiled
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (out / "kept.txt").write_text("foreign\n")
    manifest = out / ".obsc-manifest"
    manifest.write_text(manifest.read_text() + "../victim.txt\n/etc/hostname\nnotes/../kept.txt\n")
    before = entries(tmp_path / "specs")
    assert compile_cli(capsys, specs, out).code == 0
    assert victim.read_text() == "keep me\n" and (out / "kept.txt").read_text() == "foreign\n"
    assert entries(tmp_path / "specs") == before


def test_a_directory_where_obsc_writes_a_file_is_a_clear_error(
    compiled: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    specs, out = compiled
    (out / RULES).unlink()
    (out / RULES).mkdir()
    (out / RULES / "mine.txt").write_text("x\n")
    before = entries(out)
    result = compile_cli(capsys, specs, out)
    assert result.code == 2
    assert f"{RULES} is a directory where obsc writes a file" in result.err and "nothing was written" in result.err
    assert entries(out) == before


@pytest.mark.parametrize("where", ["directory at a file", "file at a directory", "foreign file"])
def test_check_calls_what_compile_refuses_to_replace_drift(
    compiled: tuple[Path, Path], capsys: pytest.CaptureFixture[str], where: str
) -> None:
    # Found by a hunt: `obsc check` exited 2 ("bad input"), not 1, when a folder stood at a generated file's
    # path. The output differs from what the specs compile to: drift (exit 1), said at the path.
    specs, out = compiled
    runbooks = next((out / "runbooks").iterdir())
    if where == "directory at a file":
        (out / RULES).unlink()
        (out / RULES).mkdir()
        shown, said = RULES, "a directory where obsc writes a file"
    elif where == "file at a directory":
        shutil.rmtree(runbooks)
        runbooks.write_text("notes\n")
        shown, said = f"runbooks/{runbooks.name}", "a file where obsc writes a directory"
    else:
        manifest = out / ".obsc-manifest"
        manifest.write_text("".join(f"{line}\n" for line in manifest.read_text().splitlines() if line != RULES))
        (out / RULES).write_text("# my own rules\n")
        shown, said = RULES, "not obsc's (not in .obsc-manifest)"
    before = entries(out)
    for command, code in (("check", 1), ("diff", 0)):
        result = run_obsc(capsys, command, str(specs), "--out", str(out))
        assert result.code == code, result.err
        assert f"{out / shown}: {said}; compile refuses to replace it: move it away" in result.err
        assert "Traceback" not in result.err
    assert "file(s) differ from the specs" in run_obsc(capsys, "check", str(specs), "--out", str(out)).err
    compiled_now = compile_cli(capsys, specs, out)
    assert compiled_now.code == 2 and "nothing was written" in compiled_now.err
    assert entries(out) == before
