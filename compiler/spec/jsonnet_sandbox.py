"""Evaluate Jsonnet in worker processes with a time limit and a memory cap.

Go's Jsonnet in this process could not be stopped: `std.makeArray(5e7, ...)` ended it with a Go
out-of-memory dump (exit 134) and an endless recursion ran forever. Each evaluation here runs in a child
(`python -m compiler.spec.jsonnet_eval`) under RLIMIT_DATA and a per-evaluation RLIMIT_CPU, and this side
stops it once it has used the limit's CPU seconds (read from /proc), or at a wall-clock backstop many times
longer; a child that runs out is killed and replaced, and the caller gets a located InputError.

Children are long-lived and pooled (one per CPU at most, started on demand): a fresh interpreter costs
~0.1 s, which would be minutes over 1,000 standard dashboards. The pool is safe to use from threads (the
dashboards stage evaluates on several). Children are spawned (fork+exec), never forked from this process,
so Go's runtime never has to survive a fork; a child exits when its stdin closes (this process ended).
"""

from __future__ import annotations

import atexit
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compiler.errors import Diagnostic, InputError, Location, SettingError
from compiler.spec import child_cpu, jsonnet_eval


def env_number(name: str, default: float, low: float, high: float, unit: str) -> float:
    """The setting `name` (unset or empty: `default`); a value out of [low, high] is a SettingError, never
    a silent default or an `inf` that select() cannot wait for."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # NaN fails too
        shown = [f"{x:,.0f}" if x == int(x) else f"{x:g}" for x in (low, high)]
        raise SettingError(f"{name}={text!r} must be a number of {unit} from {shown[0]} to {shown[1]}")
    return value


TIMEOUT_RANGE = (0.001, 86_400.0)  # up to a day: select() takes no infinity
# Go's runtime needs ~100 MiB of address space just to start its threads (64 MiB: "pthread_create failed").
MEMORY_MB_RANGE = (128.0, float(1 << 20))


@dataclass(frozen=True)
class Limits:
    """Per evaluation: CPU seconds (the wall-clock backstop is WALL_FACTOR times more), the child's data memory, and
    the JSON it may return."""

    seconds: float = 10.0
    memory_bytes: int = 512 << 20
    output_chars: int = 16 << 20  # amplification guard: a few lines must not turn into gigabytes of JSON

    @staticmethod
    def from_environment() -> Limits:
        return Limits(
            seconds=env_number("OBSC_JSONNET_TIMEOUT", Limits.seconds, *TIMEOUT_RANGE, "seconds"),
            memory_bytes=int(env_number("OBSC_JSONNET_MEMORY_MB", Limits.memory_bytes >> 20, *MEMORY_MB_RANGE, "MiB"))
            << 20,
        )


class TimedOut(InputError):
    """An evaluation stopped at its time limit."""


# The wall-clock backstop of an evaluation, as a multiple of its CPU limit: a child given a thirtieth of a core on a
# loaded machine still finishes (at load 28-32 on 2 cores, round 47, a child got less than an eleventh: 10 x
# stopped a 1 CPU-s evaluation at 11 s); one that is stuck (or starved for longer) is stopped.
WALL_FACTOR = 30.0
_POLL_SECONDS = 0.25  # how often a long evaluation's CPU is read (a sound spec replies in milliseconds)
_START_SECONDS = 60.0  # an interpreter start and a few imports; minutes would mean something is broken


class _Child:
    """One worker process and its pipes; used by one thread at a time."""

    def __init__(self, memory_bytes: int) -> None:
        # A file, not a pipe: a Go crash dump can never block the child. Closed in kill().
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115
        env = dict(os.environ, GOTRACEBACK="none", GOMAXPROCS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "compiler.spec.jsonnet_eval", str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )

    def ready(self) -> bool:
        """Wait for the child's hello (imports done, limits set), so that its start-up, slow on a loaded
        machine, is not counted against the first evaluation's time limit."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], _START_SECONDS)
        hello = jsonnet_eval.receive(self.proc.stdout) if ready else None
        if hello != {"ready": True}:
            self.kill()
            return False
        return True

    def call(self, request: dict[str, Any], seconds: float) -> tuple[dict[str, Any] | str, float]:
        """The reply, or why there is none ("time", "wall", "memory", "crash"), and the CPU seconds the child
        spent on it; after a string the child is dead. The limit is CPU time, not wall time: on a loaded CI
        machine a child gets a fraction of a core, and wall time gave it less (round 46's open item)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        before, start = child_cpu.seconds(self.proc.pid), time.monotonic()
        try:
            jsonnet_eval.send(self.proc.stdin, request)
        except (BrokenPipeError, OSError):
            return self._dead(), time.monotonic() - start
        waited = self._wait(before, seconds)
        after = child_cpu.seconds(self.proc.pid)  # before a kill: a reaped child has no reading
        used = after - before if before is not None and after is not None else time.monotonic() - start
        if waited is not None:
            self.kill()
            return waited, max(used, seconds) if waited == "time" else used
        return self._reply(), used

    def _wait(self, before: float | None, seconds: float) -> str | None:
        """Wait for the reply: None once it is ready, "time" past `seconds` of the child's CPU, "wall" past the wall
        backstop (a child starved of CPU for that long, or stuck). Without a CPU reading (no /proc) wall time is
        the limit, as before. The child's RLIMIT_CPU stops it too, to the second (jsonnet_eval.serve)."""
        assert self.proc.stdout is not None
        start = time.monotonic()
        backstop = seconds * WALL_FACTOR + 1.0 if before is not None else seconds + 1.0
        while True:
            elapsed = time.monotonic() - start
            slice_ = min(_POLL_SECONDS, max(0.0, backstop - elapsed))
            ready, _, _ = select.select([self.proc.stdout], [], [], slice_)
            if ready:
                return None
            now = child_cpu.seconds(self.proc.pid)
            if before is not None and now is not None and now - before > seconds:
                return "time"
            if time.monotonic() - start >= backstop:
                return "wall" if before is not None else "time"

    def _reply(self) -> dict[str, Any] | str:
        assert self.proc.stdout is not None
        reply = jsonnet_eval.receive(self.proc.stdout)
        if reply is None:
            return self._dead()
        if reply.get("memory"):
            self.kill()
            return "memory"
        return reply

    def _dead(self) -> str:
        try:
            code = self.proc.wait(timeout=5.0)  # its pipe closed: it is exiting, or cut a reply short
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.stderr.seek(0)
        said = self.stderr.read(4096)  # Go says why first, then its stacks
        self.kill()
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return "time"
        if any(sign in said for sign in (b"out of memory", b"cannot allocate memory", b"MemoryError")):
            return "memory"
        first = said.decode("utf-8", "replace").strip().splitlines()[:1]
        return f"crash: exit {code}" + (f", {first[0][:200]}" if first else "")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            if stream is not None:
                stream.close()


class Pool:
    """Up to `size` children; `evaluate` blocks for a free one."""

    def __init__(self, limits: Limits, size: int) -> None:
        self.limits = limits
        self.size = max(1, size)
        self._idle: list[_Child] = []
        self._started = 0  # children alive: idle or checked out
        self._changed = threading.Condition()  # a child came back, or one died and its slot is free

    def evaluate(
        self,
        path: str,
        source: str,
        tla_codes: dict[str, str] | None,
        roots: list[str],
        seconds: float | None = None,
        spent: Callable[[float], None] | None = None,
        read: Callable[[list[tuple[str, str | None]]], None] | None = None,
    ) -> str:
        """The JSON text `path` evaluates to, or InputError located in `path` (TimedOut past `seconds`, by default
        the limits' own). `spent` is told the CPU seconds the evaluation took, stopped or not; `read`, the files it
        imported (real path, and the name `path` wrote, None for a library's import)."""
        limit = self.limits.seconds if seconds is None else seconds
        # Jsonnet sees the file by its name in its own folder, and evaluates there: `std.thisFile` (and an
        # imported file's) is then the same from any working directory and any spelling of the path, so the
        # output is too. Messages still name the file as the user wrote it (`path`, below; `shown_from`).
        request = {
            "path": os.path.basename(path),
            "source": source,
            "tla_codes": tla_codes,
            "roots": roots,
            "cwd": os.path.dirname(os.path.abspath(path)),
            "shown_from": os.getcwd(),
            "cpu_seconds": limit,
            "max_output": self.limits.output_chars,
        }
        child = self._checkout()
        start = time.monotonic()
        try:
            reply, used = child.call(request, limit)
        except BaseException:  # a stop or a garbled reply: the child's state is unknown, so it goes
            child.kill()
            self._free_slot()
            if spent is not None:
                spent(time.monotonic() - start)
            raise
        if spent is not None:
            spent(used)
        if isinstance(reply, str):
            self._free_slot()  # that child is gone; the next caller may start another
            stopped = TimedOut if reply in ("time", "wall") else InputError
            raise stopped([Diagnostic(Location(path, 1, 1), (), self._explain(reply, limit))])
        with self._changed:
            self._idle.append(child)
            self._changed.notify()
        if "error" in reply:
            line, col, message, imported, raised = reply["error"]
            if imported is not None:  # an imported file's own line: one error however many files import it,
                # unless evaluating this file raised it (its arguments may be what is wrong)
                message += f" (evaluating {path})" if raised else ""
                path = os.path.normpath(os.path.join(os.path.dirname(path), imported))
            raise InputError([Diagnostic(Location(path, line, col), (), f"Jsonnet error: {message}")])
        if read is not None:
            read([(str(real), None if name is None else str(name)) for real, name in reply.get("imports", ())])
        output: str = reply["output"]
        return output

    def _explain(self, reason: str, seconds: float) -> str:
        if reason == "time":
            return (
                f"Jsonnet evaluation took longer than {seconds:g} s of CPU time (endless recursion?); stopped it "
                "(OBSC_JSONNET_TIMEOUT raises the limit)"
            )
        if reason == "wall":
            return (
                f"Jsonnet evaluation did not finish within {seconds * WALL_FACTOR + 1:g} s of wall time, "
                f"{WALL_FACTOR:g} x its {seconds:g} s CPU limit (the machine is too busy, or the evaluation is "
                "stuck); stopped it (OBSC_JSONNET_TIMEOUT raises both)"
            )
        if reason == "memory":
            return (
                f"Jsonnet evaluation needed more than {self.limits.memory_bytes >> 20} MiB; stopped it "
                "(OBSC_JSONNET_MEMORY_MB raises the limit)"
            )
        return f"Jsonnet evaluation crashed ({reason.removeprefix('crash: ')})"

    def _checkout(self) -> _Child:
        """An idle child, else a new one while under `size`, else wait for either. A waiter must also wake
        when a child dies: with more callers than children, waiting only for a child to come back hung for
        good once every child had timed out."""
        with self._changed:
            while not self._idle and self._started >= self.size:
                self._changed.wait()
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:
            child: _Child | None = _Child(self.limits.memory_bytes)
        except OSError:
            child = None
        if child is None or not child.ready():
            self._free_slot()
            raise SettingError(
                "could not start a Jsonnet worker process (python -m compiler.spec.jsonnet_eval) with "
                f"{self.limits.memory_bytes >> 20} MiB (OBSC_JSONNET_MEMORY_MB) and the machine's process limits"
            )
        return child

    def _free_slot(self) -> None:
        with self._changed:
            self._started -= 1
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()


_shared: Pool | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def shared() -> Pool:
    """The process-wide pool, started on first use and closed at exit (a forked copy starts its own)."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared_pid = os.getpid()
            try:
                cpus = len(os.sched_getaffinity(0))
            except AttributeError:  # not Linux
                cpus = os.cpu_count() or 1
            _shared = Pool(Limits.from_environment(), cpus)
            atexit.register(_shared.close)
        return _shared
