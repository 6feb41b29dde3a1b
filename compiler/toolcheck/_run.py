"""Shared plumbing for the external validators: find a binary, run it with a timeout.

Every validator (promtool, amtool) needs the same three things: locate the tool (an env var such as
`PROMTOOL` wins over PATH), say exactly how to install it when it is missing (exit 3), and never hang
the compiler (`OBSC_TOOL_TIMEOUT` seconds, default 120). Each run gets its own temporary folder
(promtool keeps a test's TSDB there), removed afterwards: a missing or full $TMPDIR made promtool panic, its Go
stack traces were shown as rule rejections (exit 1), and its folders were left behind.
"""

from __future__ import annotations

import functools
import math
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compiler.errors import ExitCode, ToolError

TIMEOUT_ENV = "OBSC_TOOL_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 120.0
MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 0.001, 86_400.0


@dataclass(frozen=True)
class Tool:
    """An external binary: its name on PATH, the env var that overrides it, the Debian package."""

    name: str
    env_var: str
    debian_package: str

    @property
    def install_hint(self) -> str:
        return (
            f"install it with `sudo apt-get install -y --no-install-recommends {self.debian_package}` "
            f"(or `make tools`), set {self.env_var}=/path/to/{self.name}, or skip validation with --no-validate"
        )


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


# The oldest release of each tool that accepts all obsc writes (Debian 12's packages). An older one (Ubuntu
# 22.04's promtool 2.31: `field keep_firing_for not found`) read as obsc's output being wrong, exit 1.
OLDEST = {"promtool": ("Prometheus", (2, 42, 0)), "amtool": ("Alertmanager", (0, 25, 0))}
_VERSION = re.compile(r"\bversion v?(\d+)\.(\d+)\.(\d+)")


def find(tool: Tool) -> str:
    """Absolute path of the tool: $ENV_VAR if set, else PATH. ToolError (exit 3) when missing or too old."""
    override = os.environ.get(tool.env_var, "").strip()
    if override:
        found = shutil.which(override)
        if found is None:
            raise ToolError(
                f"{tool.env_var}={override} is not an executable file; {tool.install_hint}", ExitCode.MISSING_TOOL
            )
    else:
        found = shutil.which(tool.name)
        if found is None:
            raise ToolError(f"{tool.name} was not found on PATH; {tool.install_hint}", ExitCode.MISSING_TOOL)
    _refuse_if_too_old(tool, found)
    return found


@functools.lru_cache(maxsize=16)
def version_text(binary: str) -> str:
    """What `binary --version` prints (stderr merged): read once per run, for the version floor and the
    validation record's tool identity."""
    return run([binary, "--version"], merge_output=True).stdout


def _refuse_if_too_old(tool: Tool, binary: str) -> None:
    """ToolError (exit 3) for a release older than OLDEST; a version that cannot be read (a wrapper) passes."""
    if tool.name not in OLDEST:
        return
    product, oldest = OLDEST[tool.name]
    match = _VERSION.search(version_text(binary))
    if match is None or tuple(int(part) for part in match.groups()) >= oldest:
        return
    need = ".".join(map(str, oldest))
    raise ToolError(
        f"{binary} is {tool.name} {'.'.join(match.groups())}; obsc's output needs {product} {need} or newer "
        f"(an older {tool.name} rejects what obsc writes): install {product} {need}+ (Debian 12's "
        f"`{tool.debian_package}` package or newer, or an upstream release), put its {tool.name} on PATH or set "
        f"{tool.env_var}=/path/to/{tool.name}, or skip validation with --no-validate",
        ExitCode.MISSING_TOOL,
    )


def timeout_seconds() -> float:
    """`OBSC_TOOL_TIMEOUT` in seconds (0.001 to a day), else the default. NaN, `inf` or a huge number would
    reach select(), which cannot wait for them (exit 70 before round 29)."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS:  # NaN fails too
        raise ToolError(f"{TIMEOUT_ENV}={text!r} must be a number of seconds from 0.001 to 86,400", ExitCode.BAD_INPUT)
    return value


def run(
    argv: Sequence[str],
    cwd: str | None = None,
    timeout: float | None = None,
    merge_output: bool = False,
    defaults: Mapping[str, str] | None = None,
    reading: str = "",
) -> Result:
    """Run argv (argv[0] from `find`), capture text output; ToolError on timeout or exec failure.

    `merge_output` sends stderr into stdout (Result.stderr is then empty), keeping the order in which a
    tool interleaves them: promtool prints a file's header on stdout and its errors on stderr.
    `defaults`: environment variables set for the tool unless the user's environment sets them. `reading`: the
    files it was given, as a timeout names them.
    """
    limit = timeout_seconds() if timeout is None else timeout
    command = tuple(argv)
    # gettempdir() is a folder Python found writable ($TMPDIR when usable); a failure to make ours in it (a
    # full disk) is an OSError the CLI says as such (exit 2).
    name = os.path.basename(command[0])
    with tempfile.TemporaryDirectory(prefix="obsc-tool-", ignore_cleanup_errors=True) as scratch:
        if _stopping:
            raise Stopped(f"{name} not started: the run was stopped")
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
                env={**(defaults or {}), **os.environ, "LC_ALL": "C", "TMPDIR": scratch},
            )
        except OSError as exc:
            raise ToolError(f"cannot run {command[0]}: {exc}", ExitCode.MISSING_TOOL) from exc
        with process:
            try:
                stdout, stderr = _wait(process, limit)
            except subprocess.TimeoutExpired as exc:
                # The machine's speed or the output's size, not a finding about the output: exit 2 as a killed
                # tool is, never 1, which a CI job reads as rules that promtool rejected.
                raise ToolError(
                    f"{name} did not finish within {limit:g}s{' reading ' + reading if reading else ''} (set "
                    f"{TIMEOUT_ENV} to allow longer); this is the "
                    "machine or the size of the output, not a finding about it; OBSC_JOBS=1 runs one tool at a time",
                    ExitCode.BAD_INPUT,
                ) from exc
        if _stopping:
            raise Stopped(f"{name} killed: the run was stopped")
        done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    panic = _GO_PANIC.search(done.stdout) or _GO_PANIC.search(done.stderr or "")
    if panic:
        raise ToolError(
            f"{os.path.basename(command[0])} crashed ({panic.group(0).strip()}); this is usually the machine, not the "
            f"specs: a full disk or an unwritable temporary folder ({os.path.dirname(scratch)}); free space, or set "
            "TMPDIR to a writable folder, and run obsc again",
            ExitCode.BAD_INPUT,
        )
    if done.returncode < 0:  # a signal from outside: obsc's own kills (timeout, stop) were raised above
        raise ToolError(_killed(name, -done.returncode), ExitCode.BAD_INPUT)
    return Result(command, done.returncode, done.stdout, done.stderr or "")


def _killed(name: str, number: int) -> str:
    """Why a tool killed by a signal is the machine's problem, not a finding about the output. A CI container's
    memory limit made the kernel SIGKILL promtool, and obsc said "promtool rejected the generated rules", exit 1."""
    try:
        signame = signal.Signals(number).name
    except ValueError:
        signame = f"signal {number}"
    why = (
        "most often the kernel's out-of-memory killer (a container's memory limit): each promtool takes up to ~0.5 GB, "
        "OBSC_JOBS=1 runs one at a time"
        if number == signal.SIGKILL
        else "this is the machine or the tool, not the specs"
    )
    return f"{name} was killed by {signame} before it finished; {why}; run obsc again once that is solved"


class Stopped(ToolError):
    """The run was stopped (Ctrl-C, SIGTERM, SIGHUP): its tool was killed, or never started."""


# The tools running now, for `stop_all`; `_stopping` once it was called, until `resume`.
_running: set[subprocess.Popen[bytes]] = set()
_guard = threading.Lock()
_stopping = False


def stop_all() -> None:
    """Kill every tool running and start no more: the validators run on threads, which a stop does not reach
    (only the main thread gets signals); each of their tool runs then ends with `Stopped`."""
    global _stopping
    with _guard:
        _stopping = True
        for process in _running:
            process.kill()


def resume() -> None:
    """Tools may run again (the threads of the stopped validation have ended)."""
    global _stopping
    with _guard:
        _stopping = False


def _wait(process: subprocess.Popen[bytes], limit: float) -> tuple[str, str | None]:
    """`process`'s output once it ends, as text; killed on a timeout (TimeoutExpired), on output past
    OUTPUT_LIMIT_BYTES, on a stop in this thread, or by `stop_all` from the main thread (also when that came as it
    started)."""
    with _guard:
        _running.add(process)
        if _stopping:
            process.kill()
    try:
        return _read_bounded(process, time.monotonic() + limit, limit)
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        with _guard:
            _running.discard(process)


# What a tool may print, stdout and stderr together. A tool that prints without end (`PROMTOOL=yes`) was held in
# memory by communicate(): 3.6 GB in 3 seconds, an out-of-memory kill long before the timeout. promtool's report
# on a failing 1,000-service fleet is a few MiB.
OUTPUT_LIMIT_BYTES = 64 * 1024 * 1024


def _read_bounded(process: subprocess.Popen[bytes], deadline: float, limit: float) -> tuple[str, str | None]:
    pipes = [pipe for pipe in (process.stdout, process.stderr) if pipe is not None]
    chunks: dict[int, list[bytes]] = {pipe.fileno(): [] for pipe in pipes}
    total = 0
    with selectors.DefaultSelector() as selector:
        for pipe in pipes:
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(process.args, limit)
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                total += len(chunk)
                if total > OUTPUT_LIMIT_BYTES:
                    args = process.args
                    name = os.path.basename(str(args[0] if isinstance(args, (list, tuple)) else args))
                    raise ToolError(
                        f"{name} printed more than {OUTPUT_LIMIT_BYTES >> 20} MiB and was stopped; this is the tool, "
                        "not a finding about the output (is PROMTOOL/AMTOOL the real tool?)",
                        ExitCode.BAD_INPUT,
                    )
                chunks[key.fd].append(chunk)
    process.wait(timeout=max(deadline - time.monotonic(), 0.001))
    # As text=True read it (universal newlines), but a byte that is not UTF-8 no longer stops obsc.
    texts = [
        b"".join(chunks[pipe.fileno()]).decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        for pipe in pipes
    ]
    return texts[0], (texts[1] if process.stderr is not None else None)


# A Go runtime panic: the tool itself failed (its output is a stack trace, not a finding about our files).
_GO_PANIC = re.compile(r"^panic: .*$", re.MULTILINE)
