"""Where `--out` may point, and what a killed run leaves beside it.

An output directory that is `/`, a home directory, or overlaps the specs is refused (exit 2, nothing
written). Leftovers of a killed run are repaired before planning (so a restored tree is planned against,
not replaced blindly), are matched by their literal name (`--out 'gen*'` is not a pattern), and are
cleaned even when the next run has nothing to change.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from compiler.output import guard, swap
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.hostile.output_helpers import compile_cli, entries, leftovers

PAGE = "runbooks/svc-0000/ServiceHighErrorRate.md"


@pytest.mark.parametrize(
    ("out", "why"),
    [
        ("specs", "it is the input directory"),
        ("specs/generated", "it is inside the input directory"),
        (".", "it contains the input directory"),
        ("home", "it is or contains the home directory"),
        ("/", "it is the root directory /"),
    ],
)
@pytest.mark.parametrize("command", ["compile", "check"])
def test_an_output_directory_among_the_inputs_or_at_the_top_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    out: str,
    why: str,
    command: str,
) -> None:
    specs = write_fleet(tmp_path, services=1)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    target = out if out == "/" else str(tmp_path / out)
    before = entries(tmp_path)
    extra = ["--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, str(specs), "--out", target, *extra)
    assert result.code == 2, result.err
    assert "refusing this output directory" in result.err and why in result.err
    assert "nothing was written" in result.err and "Traceback" not in result.err
    assert entries(tmp_path) == before
    assert not os.path.lexists("/.obsc-manifest") and not os.path.lexists("/..obsc-lock")


def test_an_output_containing_a_spec_file_or_a_library_path_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    spec = specs / "svc-0000.yaml"
    result = run_obsc(capsys, "compile", str(spec), "--out", str(specs), "--no-validate")
    assert result.code == 2 and "contains the input file" in result.err
    lib = tmp_path / "gen" / "lib"
    lib.mkdir(parents=True)
    result = run_obsc(capsys, "compile", str(specs), "-J", str(lib), "--out", str(tmp_path / "gen"), "--no-validate")
    assert result.code == 2 and "contains the input directory" in result.err
    beside = compile_cli(capsys, spec, tmp_path / "generated", "--platform", str(specs / "platform.yaml"))
    assert beside.code == 0, beside.err


def test_a_folder_given_as_spec_and_library_path_is_named_once_in_the_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 28 paths hunt: `obsc compile specs -J specs --out specs/gen` said "it is inside the
    input directory specs; it is inside the input directory specs"."""
    specs = write_fleet(tmp_path, services=1)
    result = run_obsc(capsys, "compile", str(specs), "-J", str(specs), "--out", str(specs / "gen"), "--no-validate")
    assert result.code == 2 and result.err.count("it is inside the input directory") == 1, result.err


def test_an_interrupted_swap_is_restored_before_planning_so_human_edits_survive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    (out / PAGE).write_text("# ServiceHighErrorRate\nCall the on-call DBA.\n")
    before = entries(out)
    os.rename(out, tmp_path / ".out.obsc-old-4242")  # killed between the two renames of a swap without exchange
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert (out / PAGE).read_text() == "# ServiceHighErrorRate\nCall the on-call DBA.\n"
    assert entries(out) == before
    assert leftovers(tmp_path) == []


def test_leftovers_are_matched_by_their_literal_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_fleet(tmp_path, services=1)
    others = [tmp_path / ".gen1.obsc-staging-abc123", tmp_path / ".gen1.obsc-old-77", tmp_path / ".gen*.obsc-old-x"]
    for other in others:
        other.mkdir()
        (other / "work.txt").write_text("another output's\n")
    result = compile_cli(capsys, specs, tmp_path / "gen*")
    assert result.code == 0, result.err
    for other in others:
        assert (other / "work.txt").read_text() == "another output's\n", f"{other.name} was touched"
    assert not (tmp_path / "gen1").exists(), "another output's old tree was restored"


def test_a_leftover_staging_tree_is_cleaned_even_when_nothing_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    inode = out.stat().st_ino
    stale = tmp_path / ".out.obsc-staging-k1ll3d"
    (stale / "prometheus").mkdir(parents=True)
    (stale / "prometheus" / "half.yaml").write_text("half a tree\n")
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert "0 added, 0 changed, 0 removed" in result.out
    assert out.stat().st_ino == inode
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["check", "diff"])
def test_check_and_diff_name_what_a_killed_compile_left_beside_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """Found by the round 44 lifecycle hunt: after a compile killed with SIGKILL (17 of 22 random kills), its
    staging tree sat beside the output, inside the deploy checkout, and `check` said "up to date" with no word
    of it: a `git add -A` before the next compile commits it. check and diff repair nothing; they name it."""
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    stale = tmp_path / ".out.obsc-staging-k1ll3d"
    (stale / "prometheus").mkdir(parents=True)
    result = run_obsc(capsys, command, str(specs), "--out", str(out))
    assert result.code == 0, result.err
    assert f"obsc: warning: {stale}: left by a compile that was killed" in result.err
    assert "the next `obsc compile` repairs the output from it and removes it" in result.err
    assert stale.is_dir()  # a read repairs nothing
    assert compile_cli(capsys, specs, out).code == 0 and leftovers(tmp_path) == []
    assert "killed" not in run_obsc(capsys, command, str(specs), "--out", str(out)).err


def test_a_mount_point_as_output_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a hunt: `--out /out` on a Docker volume compiled and validated everything, then failed the swap
    with a bare "Device or resource busy". Now refused at once, saying what to do."""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(guard, "mount_points", lambda: {str(out.resolve())})
    result = compile_cli(capsys, specs, out)
    assert result.code == 2, result.err
    assert f"--out {out} is a mount point" in result.err and "compile into a folder inside it" in result.err
    assert entries(out) == {} and leftovers(tmp_path) == []


def test_a_mount_point_inside_the_output_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a hunt (round 21): a share bind-mounted at `out/runbooks` went with the old tree at the swap, and
    deleting the old tree deleted every file on the share through the mount (a human's page included; its copy
    stayed in the new tree), leaving the mount on a staging folder beside the output."""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    before = entries(out)
    monkeypatch.setattr(guard, "mount_points", lambda: {"/", str((out / "runbooks").resolve())})
    (specs / "svc-0000.yaml").write_text((specs / "svc-0000.yaml").read_text().replace("99.9", "99.5"))
    result = compile_cli(capsys, specs, out)
    assert result.code == 2, result.err
    assert f"--out {out}: runbooks is a mount point inside it" in result.err and "nothing was written" in result.err
    assert entries(out) == before and leftovers(tmp_path) == []


def test_an_entry_that_cannot_be_moved_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a hunt (round 21): an immutable file (`chattr +i`) or a folder of another owner in --out failed the
    compile with "writing failed: Operation not permitted" and no word of which entry to move."""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    (out / "a-note").write_text("mine\n")
    (out / "z-note").write_text("mine too\n")
    before = entries(out)
    moving = swap.move

    def immutable(src: str, dst: str) -> None:
        if os.path.basename(src) == "z-note" and swap.STAGING in dst:  # into the new tree; putting back works
            raise OSError(errno.EPERM, os.strerror(errno.EPERM), src, None, dst)
        moving(src, dst)

    monkeypatch.setattr(swap, "move", immutable)
    (specs / "svc-0000.yaml").write_text((specs / "svc-0000.yaml").read_text().replace("99.9", "99.5"))
    result = compile_cli(capsys, specs, out)
    assert result.code == 2, result.err
    assert "writing failed at z-note: Operation not permitted; the previous output is untouched" in result.err
    assert entries(out) == before and leftovers(tmp_path) == []


def test_a_tree_obsc_deletes_is_never_deleted_through_a_mount_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a hunt (round 21): the old tree (or a killed run's staging tree) was deleted with rmtree, which
    deleted the files of a share mounted below it (one mounted after compile's guard looked, or left on a killed
    run's tree by an obsc before that guard). The mounted folder, and those holding it, now stay."""
    old = tmp_path / ".out.obsc-staging-0123456789abcdef"
    (old / "runbooks" / "svc").mkdir(parents=True)
    (old / "runbooks" / "svc" / "Page.md").write_text("on the share\n")
    (old / "prometheus" / "rules").mkdir(parents=True)
    (old / "prometheus" / "rules" / "svc.yaml").write_text("old rules\n")
    (old / "link").symlink_to(old / "runbooks")
    monkeypatch.setattr(guard, "mount_points", lambda: {"/", str(old / "runbooks")})
    swap.discard(str(old))
    assert sorted(p.relative_to(old).as_posix() for p in old.rglob("*")) == [
        "runbooks",
        "runbooks/svc",
        "runbooks/svc/Page.md",
    ]
    monkeypatch.setattr(guard, "mount_points", lambda: {"/"})
    swap.discard(str(old))  # unmounted: all of it goes
    assert not old.exists()


def test_a_swap_the_kernel_refuses_says_mount_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bind mount /proc/self/mountinfo does not show (another mount namespace): the swap's EBUSY says why."""
    specs, out = write_fleet(tmp_path, services=1), tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    before = entries(out)

    def busy(staging: str, target: str) -> None:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))

    monkeypatch.setattr(swap, "exchange", busy)
    (specs / "svc-0000.yaml").write_text((specs / "svc-0000.yaml").read_text().replace("99.9", "99.5"))
    result = compile_cli(capsys, specs, out)
    assert result.code == 2, result.err
    assert "Device or resource busy; a mount point? obsc replaces the output directory whole" in result.err
    assert entries(out) == before and leftovers(tmp_path) == []


def test_mount_points_are_read_with_their_escapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "90 22 8:1 /srv/gen /work/my\\040out rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    )
    real_open = open
    monkeypatch.setattr(guard, "open", lambda path, **kw: real_open(mountinfo, **kw), raising=False)
    assert guard.mount_points() == {"/", "/work/my out"}


@pytest.mark.parametrize("breaking", ["\n", "\r", "\x1b", "\x85", "\u2028"])
@pytest.mark.parametrize("command", ["compile", "check", "diff"])
@pytest.mark.parametrize("where", ["out", "specs"])
def test_a_path_that_would_break_the_header_comment_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breaking: str, command: str, where: str
) -> None:
    # Found by a hunt: `--out $'gen\nrm -rf x'` split every generated file's "# Regenerate with:" comment, and
    # the rest of the line became YAML content (PyYAML and libyaml also end a line at \x85 and \u2028).
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "gen"
    if where == "specs":
        specs = specs.rename(tmp_path / f"specs{breaking}groups: []")
    else:
        out = tmp_path / f"gen{breaking}groups: []"
    before = entries(tmp_path)
    extra = ["--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, str(specs), "--out", str(out), *extra)
    assert result.code == 2, result.err
    shown = repr(str(out if where == "out" else specs))
    assert f"{shown}: a path with a control character or line break cannot be named" in result.err
    assert "Nothing was written" in result.err and "Traceback" not in result.err
    assert entries(tmp_path) == before


def test_the_working_directory_as_input_is_named_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer's `obsc compile . --out generated` from the repository root read "it is inside the input
    directory .. Choose a directory of its own" (round 42)."""
    write_fleet(tmp_path / "specs", services=1)
    monkeypatch.chdir(tmp_path)
    result = run_obsc(capsys, "compile", ".", "--out", "generated", "--no-validate")
    assert result.code == 2, result.err
    assert "the input directory . (the working directory: name the spec folder). Choose" in result.err
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize("typed", ["~/deploy/out", "~", "~ops/generated"])
@pytest.mark.parametrize("command", ["compile", "check", "diff", "init"])
def test_a_tilde_no_shell_expanded_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, typed: str, command: str
) -> None:
    """Found by the round 44 lifecycle hunt: `obsc compile specs --out=~/deploy/out` (bash and sh expand no `~`
    after `=`) wrote 117 files below a folder named `~` in the working directory, exit 0; the next `rm -rf ~`
    that cleans it up removes the home directory."""
    specs = write_fleet(tmp_path, services=1)
    monkeypatch.chdir(tmp_path)
    before = entries(tmp_path)
    given = ["init", "svc", "--dir", typed] if command == "init" else [command, str(specs), "--out", typed]
    result = run_obsc(capsys, *given, *(["--no-validate"] if command == "compile" else []))
    assert result.code == 2 and "Traceback" not in result.err, result.err
    assert f"it starts with '{typed.split('/')[0]}', which no shell expanded" in result.err
    assert "nothing was written" in result.err
    assert entries(tmp_path) == before and not os.path.lexists(tmp_path / typed.split("/")[0])


def test_a_folder_named_tilde_written_as_such_is_compiled_into(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = write_fleet(tmp_path, services=1)
    monkeypatch.chdir(tmp_path)
    assert run_obsc(capsys, "compile", str(specs), "--out", "./~/out", "--no-validate").code == 0
    assert (tmp_path / "~" / "out" / ".obsc-manifest").is_file()
