"""Run the obsc CLI in-process (or in a forked child) and capture what a user would see."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_obsc(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    saved = sys.argv
    sys.argv = ["obsc", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def compile_one(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    platform: str,
    service: str,
    spec: str,
    *args: str,
    command: str = "compile",
) -> tuple[int, str, str]:
    """One service's spec beside a platform under tmp_path/specs, then `obsc compile specs --out tmp_path/out ARGS`
    (or `obsc COMMAND specs`): the exit code, stderr and the service's rule file ("" when none was written)."""
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(platform)
    (specs / f"{service}.yaml").write_text(spec)
    out = tmp_path / "out"
    result = run_obsc(
        capsys, *(["compile", str(specs), "--out", str(out), *args] if command == "compile" else [command, str(specs)])
    )
    rules = out / "prometheus" / "rules" / f"{service}.yaml"
    return result.code, result.err, rules.read_text() if rules.exists() else ""


def run_forked(*args: str, cwd: str | os.PathLike[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """obsc's CLI in a forked child of this process: a process to time out and kill, with memory of its own,
    for what could hang or read without end (a FIFO, /dev/zero, a quadratic input), without the interpreter
    start and imports of `python -m compiler` (~0.2 CPU-s a run). Not for what obsc reads at start-up (its
    environment, locale, streams): the child has this process's. Raises subprocess.TimeoutExpired as
    subprocess.run does; the child's CPU counts in os.times()'s children once this returns."""
    readers, writers = zip(os.pipe(), os.pipe(), strict=True)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest, never runs its exit handlers
        code = 70
        try:
            for fd in readers:
                os.close(fd)
            os.dup2(writers[0], 1)
            os.dup2(writers[1], 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (pytest's capture objects are the parent's)
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            os.chdir(cwd)
            sys.argv = ["obsc", *args]
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    for fd in writers:
        os.close(fd)
    chunks: dict[int, list[bytes]] = {fd: [] for fd in readers}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for fd in readers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                for fd in readers:
                    os.close(fd)
                raise subprocess.TimeoutExpired(["obsc", *args], timeout)
            for key, _ in selector.select(left):
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
    for fd in readers:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    out, err = (b"".join(chunks[fd]).decode(errors="replace") for fd in readers)
    return subprocess.CompletedProcess(["obsc", *args], os.waitstatus_to_exitcode(status), out, err)
