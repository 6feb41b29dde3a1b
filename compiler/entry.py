"""The `obsc` command's first step, before obsc itself is imported: Ctrl-C during those imports (about
0.2 s) exits 130 without a traceback, as it does once the command runs (ui/failures.py); and standard
output and error are made safe to print to before any command does."""

from __future__ import annotations

import _thread
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from compiler.stops import is_stop

if TYPE_CHECKING:
    from sys import UnraisableHookArgs


def main() -> None:
    _stop_cleanly_when_terminated()
    try:
        from compiler.cli import main as run
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        if is_stop(error):  # a stop wrapped by class creation (see compiler/stops.py)
            sys.exit(130)
        raise
    _prepare_streams()
    run()
    _end()


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, taken as Ctrl-C is: a cancelled CI job (SIGTERM after SIGINT), `timeout`, a closed
    terminal. By default they killed obsc on the spot, leaving a staging tree (a copy of the whole output)
    and the lock file beside the output for the next compile to clean; now the same clean-up as Ctrl-C runs
    and obsc exits 130. SIGKILL still cannot be caught: the next compile repairs what it leaves."""


def _stop_cleanly_when_terminated() -> None:
    def stop(signum: int, frame: object) -> None:
        raise Terminated(signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name)
        if signal.getsignal(number) is signal.SIG_DFL:  # (one the caller ignores, as nohup does, stays ignored)
            signal.signal(number, stop)
    sys.unraisablehook = _stop_again(sys.unraisablehook)


def _stop_again(
    default: Callable[[UnraisableHookArgs], object],
) -> Callable[[UnraisableHookArgs], object]:
    """A stop raised where Python cannot raise (a weakref callback, `__del__`, the import system's module
    locks) is printed as "Exception ignored" and the run goes on: CI caught a SIGTERM lost that way, the
    compile finishing with a traceback printed. Such a stop is delivered again, to run at the next
    ordinary line; other unraisable exceptions are reported as before."""

    def hook(unraisable: UnraisableHookArgs) -> object:
        stop = unraisable.exc_value
        if not isinstance(stop, KeyboardInterrupt):
            return default(unraisable)
        name = stop.args[0] if isinstance(stop, Terminated) and stop.args else "SIGINT"
        _thread.start_new_thread(_send_soon, (getattr(signal, name, signal.SIGINT),))
        return None

    return hook


def _send_soon(number: int) -> None:
    """The stop sent again from another thread, a moment later: sent at once from the hook, its handler
    would run inside the hook, where nothing can catch it either. The main thread runs it at its next line
    (and if that is a callback again, it comes back here)."""
    time.sleep(0.01)
    os.kill(os.getpid(), number)


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
    import atexit  # (here, not above: Ctrl-C while this module is imported is outside main's guard)
    import threading

    if threading.active_count() > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # the normal exit reports it (a closed pipe, a full disk)
    os._exit(0)
