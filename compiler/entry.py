"""The `obsc` command's first step, before obsc itself is imported.

A stop (Ctrl-C, SIGTERM, SIGHUP) from this module's first line until the command runs ends obsc at once: exit
130 and one line, in the format asked for. Nothing has been written by then, so there is nothing to clean up,
and a stop raised as an exception there would have come out of an import as Python's traceback (the imports
take ~0.2 s). From `run()` on, a stop is raised and the command's clean-up handles it (ui/failures.py). Before
this module's first line Python itself is starting (its `site` imports): a stop there is Python's to report.
"""

from __future__ import annotations

import os
import signal
import sys

# What ui/failures.py says of a stop, in each --error-format (tests/test_stop_at_start.py compares them).
_STOPPED_AT_START = "interrupted (nothing was written)"
_STOPPED = "interrupted (the output directory is as it was, or fully written)"


def _stopped_line(argv: list[str], said: str) -> str:
    """The stop's line in the format named on the command line (read as ui/console.sniff reads it)."""
    log_format, error_format = "text", ""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        value = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
        if name == "--log-format" and value in ("text", "json"):
            log_format = value
        elif name == "--error-format" and value in ("text", "json", "github"):
            error_format = value
    style = error_format or log_format
    if style == "json":  # (the text needs no escaping)
        fields = '"code": "interrupted", "exit": 130, "level": "error", "logger": "obsc", "msg": "obsc: '
        return "{" + fields + said + '", "severity": "error"}\n'
    if style == "github":
        return f"::error title=obsc%3A interrupted::{said}\n"
    return f"obsc: {said}\n"


def _say_stopped_and_exit(signum: int, frame: object) -> None:
    try:
        os.write(2, _stopped_line(sys.argv[1:], _STOPPED_AT_START).encode())
    finally:
        os._exit(130)


def _take_stops() -> tuple[int, ...]:
    """The stops obsc handles; one the caller ignores (`nohup`, a background job's Ctrl-C) stays ignored."""
    ours = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL, signal.SIGHUP: signal.SIG_DFL}
    taken = []
    for number, usual in ours.items():
        if signal.getsignal(number) is usual:
            try:
                signal.signal(number, _say_stopped_and_exit)
            except ValueError:  # imported outside the main thread (not as the command): its stops are not ours
                return ()
            taken.append(number)
    return tuple(taken)


_TAKEN = _take_stops()  # (first, before any other import: the earlier, the less of start-up is left uncovered)

import atexit  # noqa: E402 (the imports after the stops are taken, above)
import threading  # noqa: E402

from compiler import stops  # noqa: E402


def main() -> None:
    from compiler.cli import main as run

    _prepare_streams()
    stops.raise_stops(_TAKEN)
    try:
        run()
        _end()  # (a stop as the run ends, too: it came out as a traceback)
    except KeyboardInterrupt:  # a stop before the command's own handling began, or after it ended
        _stopped_after_start()


def _stopped_after_start() -> None:
    """A stop that reached here, outside the command's own handling: as it began or while its end was said."""
    from compiler.output import stopped

    for number in _TAKEN:  # (a second stop would interrupt the clean-up and come out as a traceback)
        signal.signal(number, signal.SIG_IGN)
    stopped.clean_up()
    sys.stderr.write(_stopped_line(sys.argv[1:], _STOPPED))
    sys.stderr.flush()
    os._exit(130)


def _prepare_streams() -> None:
    """Streams that never fail on a character, and that exist.

    - A locale whose encoding lacks a character obsc prints (an arrow in `obsc diff`, a dash in a spec's
      description, under LC_ALL=en_US.ISO-8859-1) would raise UnicodeEncodeError mid-report: such a character
      is written as a backslash escape instead.
    - A stream the caller closed (`>&-`) is None in Python: output goes nowhere, the exit code still tells.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (lives as long as the process)
        elif hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _end() -> None:
    """A run that succeeded ends without the interpreter's teardown: it would free the compile's millions of
    objects one by one and collect them all once more (~0.4 CPU-s for 1,000 services), for a process about to
    exit. Exit handlers still run and output is flushed first; anything unusual takes the normal way out, as
    does a run under a profiler or tracer (`python -m cProfile`, coverage), which reports after `main`."""
    if threading.active_count() > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # the normal exit reports it (a closed pipe, a full disk)
    os._exit(0)
