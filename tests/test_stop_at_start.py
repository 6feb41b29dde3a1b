"""A stop (Ctrl-C, SIGTERM, SIGHUP) while `obsc` starts: exit 130 and one line, never a traceback.

Found in round 20 (a README known limit): Ctrl-C while `compiler.entry` imported obsc's modules printed
Python's traceback, SIGTERM and SIGHUP there killed obsc without a word, and a stop caught during the imports
exited 130 saying nothing. Each run here is the installed `obsc` command, sent a real signal by an audit hook
as the k-th module of its start-up is imported (363 of them for `--version`), from the first import after the
stops are taken (compiler/entry.py) to the last.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.ui.console import Console, Settings
from tests.conftest import ROOT

OBSC = Path(sys.executable).parent / "obsc"

# Sends `number` to this process as the k-th module is imported once obsc has taken the stops; every stop's
# disposition is the default first, as in a terminal (a test runner may ignore one).
_STOPPED_AT = """
import os, runpy, signal, sys
k, number, script, *argv = sys.argv[1:]
for stop in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(stop, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.default_int_handler)
seen = []
def hook(event, args):
    if event == "import" and (seen or args[0] == "compiler.stops"):
        seen.append(args[0])
        if len(seen) == int(k):
            os.kill(os.getpid(), int(number))
sys.addaudithook(hook)
sys.argv = ["obsc", *argv]
runpy.run_path(script, run_name="__main__")
"""
_MOMENTS = [1, 2, 3, 10, 40, 80, 120, 160, 200, 240, 280, 320, 350, 363]
_STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def _start_stopped(k: int, number: int, *argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", _STOPPED_AT, str(k), str(number), str(OBSC), *argv]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize("k", _MOMENTS)
def test_a_stop_at_any_moment_of_start_up_exits_130_with_one_line(k: int) -> None:
    stop = _STOPS[_MOMENTS.index(k) % len(_STOPS)]
    done = _start_stopped(k, stop, "--version")
    assert done.returncode == 130, (stop.name, done.returncode, done.stderr)
    assert done.stderr == "obsc: interrupted (nothing was written)\n", done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("options", "settings"),
    [
        (["--log-format", "json"], Settings(log_format="json")),
        (["--error-format=github"], Settings(error_format="github")),
        (["--log-format=json", "--error-format", "text"], Settings(log_format="json", error_format="text")),
    ],
)
def test_a_stop_at_start_up_is_said_in_the_format_asked_for(
    options: list[str], settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The line written before obsc's own modules exist is the one ui/failures.py would have written."""
    done = _start_stopped(200, signal.SIGTERM, *options, "--version")
    assert done.returncode == 130, done.stderr
    Console(settings).problem("obsc: interrupted (nothing was written)", code="interrupted", exit=130)
    assert done.stderr == capsys.readouterr().err
    if settings.errors == "json":
        assert json.loads(done.stderr)["exit"] == 130


def test_a_stop_the_caller_ignores_stays_ignored_at_start_up() -> None:
    """As under `nohup`: obsc takes no stop its caller set to be ignored, also while it starts."""
    ignored = "import signal, runpy, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); " + _STOPPED_AT.replace(
        "for stop in (signal.SIGTERM, signal.SIGHUP):", "for stop in (signal.SIGTERM,):"
    )
    command = [sys.executable, "-c", ignored, "40", str(int(signal.SIGHUP)), str(OBSC), "--version"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("obsc, version")


# Sends `number` to this process as obsc ends a command that succeeded (compiler/entry.py's `_end`).
_STOPPED_AT_END = """
import os, signal, sys, threading
number, script, *argv = sys.argv[1:]
for stop in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(stop, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.default_int_handler)
count = threading.active_count
def active_count():
    if sys._getframe(1).f_code.co_name == "_end":
        os.kill(os.getpid(), int(number))
    return count()
threading.active_count = active_count
sys.argv = ["obsc", *argv]
import runpy
runpy.run_path(script, run_name="__main__")
"""


@pytest.mark.parametrize("stop", _STOPS, ids=[s.name for s in _STOPS])
def test_a_stop_as_a_command_ends_exits_130_with_one_line(stop: signal.Signals) -> None:
    """Found in round 22 (a SIGHUP that landed as `obsc compile` ended, in test_cli.py): a stop after the command
    returned, while obsc ended without the interpreter's teardown, came out as Python's traceback (exit 1)."""
    command = [sys.executable, "-c", _STOPPED_AT_END, str(int(stop)), str(OBSC), "schema"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stderr) == (
        130,
        "obsc: interrupted (the output directory is as it was, or fully written)\n",
    )
    assert json.loads(done.stdout)["$schema"]  # the command's own output is whole


# `python -m compiler`: a stop as compiler.entry itself is imported (between __main__.py's first line and the
# stops taken), sent by an audit hook at that import.
_STOPPED_AT_ENTRY = """
import os, runpy, signal, sys
number = int(sys.argv[1])
for stop in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(stop, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.default_int_handler)
def hook(event, args):
    if event == "import" and args[0] == "compiler.entry":
        os.kill(os.getpid(), number)
sys.addaudithook(hook)
sys.argv = ["obsc", "--version"]
runpy.run_module("compiler", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("number", _STOPS)
def test_a_stop_as_python_m_compiler_loads_its_entry_exits_130_with_one_line(number: int) -> None:
    """Found by round 26's suite at load 9: Ctrl-C 0.2 s into `python -m compiler compile` landed while Python
    read compiler.entry's bytecode, before entry took the stops: Python's traceback (SIGTERM, SIGHUP: killed
    without a word). __main__.py now holds the stops while entry loads."""
    done = subprocess.run(
        [sys.executable, "-c", _STOPPED_AT_ENTRY, str(int(number))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (130, "obsc: interrupted (nothing was written)\n")
