"""Two obsc runs on one `--out` never interleave: the second waits (saying so) or, with --no-wait, fails
at once with exit 4. Whatever the timing, the output is exactly one spec set's tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from compiler import cli
from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.output import lock, writer
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import FULL, ROOT, tree
from tests.hostile.output_helpers import compile_cli, leftovers

# Races by chance, two fresh processes a round (~1.3 CPU-s): 20 rounds nightly (OBSC_TEST_FULL), 6 otherwise.
# The window the lock guards is hit for certain by test_a_compile_started_while_another_validates_waits_for_its_swap.
ROUNDS = 20 if FULL else 6


def _popen(specs: Path, out: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate"]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_concurrent_compiles_leave_exactly_one_spec_sets_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs_a = write_fleet(tmp_path / "a", services=2)
    specs_b = write_fleet(tmp_path / "b", services=3, warning_threshold="3%")
    out = tmp_path / "out"
    fresh = []
    for specs in (specs_a, specs_b):
        assert compile_cli(capsys, specs, out).code == 0
        fresh.append(tree(out))
        shutil.rmtree(out)
    assert fresh[0] != fresh[1]
    outcomes, waited = [], 0
    for round_ in range(ROUNDS):
        first, second = (specs_a, specs_b) if round_ % 2 else (specs_b, specs_a)
        procs = [_popen(first, out), _popen(second, out)]
        results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
        for proc in procs:
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        assert [code for code, _ in results] == [0, 0], results
        waited += sum("waiting for another obsc run" in err for _, err in results)
        now = tree(out)
        assert now in fresh, f"round {round_}: a mixed tree"
        outcomes.append(fresh.index(now))
        assert leftovers(tmp_path) == [], f"round {round_}: leftovers beside the output"
    assert outcomes, "no round ran"


def test_a_compile_started_while_another_validates_waits_for_its_swap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The window the lock exists for, made certain: B starts while A validates its staged tree. Without
    the lock B swaps in first and A then carries B's files into its own tree (a mix)."""
    specs_a = write_fleet(tmp_path / "a", services=2)
    specs_b = write_fleet(tmp_path / "b", services=3, warning_threshold="3%")
    out = tmp_path / "out"
    assert compile_cli(capsys, specs_b, out).code == 0
    fresh_b = tree(out)
    options = CompileOptions(regenerate_command=regenerate_command([str(specs_a)], str(out)))
    bundle_a = compile_specs([str(specs_a)], options).bundle
    second: list[subprocess.Popen[str]] = []
    said: list[str] = []

    def validate(staging: str) -> None:
        second.append(_popen(specs_b, out))
        assert second[0].stderr is not None
        said.append(second[0].stderr.readline())  # B's first word: that it waits (or EOF if it did not)

    writer.compile_into(bundle_a, str(out), validate)
    a_tree = tree(out)
    code = second[0].wait(timeout=120)
    for stream in (second[0].stdout, second[0].stderr):
        if stream:
            stream.close()
    assert "waiting for another obsc run" in said[0], said
    assert code == 0
    rules = sorted(path for path in a_tree if path.startswith("prometheus/rules/"))
    assert rules == ["prometheus/rules/svc-0000.yaml", "prometheus/rules/svc-0001.yaml"], "A's tree took B's files"
    assert tree(out) == fresh_b
    assert leftovers(tmp_path) == []


def _holding(
    out: Path, ready: threading.Event, release: threading.Event, order: list[str], linger: float = 0.0
) -> threading.Thread:
    """A run holding `out` from `ready` until `release` and `linger` seconds more (at most 120 s in all, so that a
    run that wrongly blocked goes on and the test fails on its outcome instead of hanging). Released by events,
    not after a fixed time: on a loaded machine the run under test could start after a timed holder let go."""

    def hold() -> None:
        with lock.output_lock(str(out), exclusive=True):
            ready.set()
            release.wait(120)
            time.sleep(linger)
            order.append("releasing")  # still held: a run that waits for the lock can only end after this

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


@pytest.mark.parametrize("command", ["compile", "check"])
def test_no_wait_fails_at_once_when_another_run_holds_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    before = tree(out)
    ready, release = threading.Event(), threading.Event()
    order: list[str] = []
    holder = _holding(out, ready, release, order)
    try:
        assert ready.wait(60)
        extra = ["--no-validate"] if command == "compile" else []
        result = run_obsc(capsys, command, str(specs), "--out", str(out), "--no-wait", *extra)
        order.append("ran")
    finally:
        release.set()
        holder.join()
    # "At once" as outcomes, not a clock: the lock is held until the run returns, so a run that waited would have
    # waited the holder's 120 s and then compiled (exit 0), and it would have said it was waiting.
    assert order == ["ran", "releasing"]
    assert result.code == 4, result.err
    assert "another obsc run" in result.err and "is using this output directory" in result.err
    assert "--no-wait" in result.err
    assert "waiting for another obsc run" not in result.err
    assert tree(out) == before


@pytest.mark.parametrize("command", ["compile", "check"])
def test_a_second_run_waits_for_the_first_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    ready, release = threading.Event(), threading.Event()
    order: list[str] = []
    say = cli._say

    def say_and_let_go(message: str) -> None:
        say(message)
        if "waiting for another obsc run" in message:
            release.set()

    monkeypatch.setattr(cli, "_say", say_and_let_go)
    # The holder lets go 2 s after the run says it waits: a run that went on without the lock would
    # most likely end first (the order below); one that waits ends after, whatever the machine's load.
    holder = _holding(out, ready, release, order, linger=2.0)
    try:
        assert ready.wait(60)
        extra = ["--no-validate"] if command == "compile" else []
        result = run_obsc(capsys, command, str(specs), "--out", str(out), *extra)
        order.append("ran")
    finally:
        release.set()
        holder.join()
    assert result.code == 0, result.err
    assert "obsc: waiting for another obsc run" in result.err
    assert order == ["releasing", "ran"], "it did not wait for the lock"
    assert leftovers(tmp_path) == [], "the lock file stayed beside the output"


def test_check_takes_a_shared_lock_and_leaves_no_lock_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0
    with lock.output_lock(str(out), exclusive=False):  # another check: both run
        result = run_obsc(capsys, "check", str(specs), "--out", str(out), "--no-wait")
        assert result.code == 0, result.err
    assert leftovers(tmp_path) == []


def test_a_full_disk_leaves_no_lock_file_and_an_unchanged_compile_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pid written into the lock file is for a waiter's message only: on a full disk (ENOSPC from the
    write) the run used to fail with a bare "cannot write: No space left on device" and leave the lock file."""
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    assert compile_cli(capsys, specs, out).code == 0

    def full(fd: int, data: bytes, offset: int) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lock.os, "pwrite", full)
    before = tree(out)
    result = compile_cli(capsys, specs, out)
    assert result.code == 0, result.err
    assert tree(out) == before
    assert leftovers(tmp_path) == [], "the lock file stayed beside the output"
