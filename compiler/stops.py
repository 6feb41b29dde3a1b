"""Stops (Ctrl-C, SIGTERM, SIGHUP): recognising one in disguise, and holding them through a step that must
finish once begun.

Python wraps an exception raised while it creates a class: a stop landing in a dataclass field's
`__set_name__` (Python 3.11) reaches obsc as `RuntimeError: Error calling __set_name__ ...` caused by the
KeyboardInterrupt. Read as a bug, it printed a traceback during the imports, and "internal error" later.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def is_stop(error: BaseException) -> bool:
    """True when `error`, or an exception it was raised from or during, is a KeyboardInterrupt."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP held for the body and delivered as it ends, so the stop is raised where
    the `with` statement stands: for a step whose disk state and Python state must change together (forking
    the workers, the swap and the old tree's removal, a clean-up). Only the main thread gets signals; held
    elsewhere is a no-op. SIGKILL cannot be held: the next run repairs what it leaves (output/swap.py)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # The mask read first, then changed inside the `try`: a stop that came just before is raised as the
    # blocking call returns (Python runs handlers after a call), and the `finally` must then unblock.
    before = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, taken as Ctrl-C is: a cancelled CI job (SIGTERM after SIGINT), `timeout`, a closed
    terminal. By default they killed obsc on the spot, leaving a staging tree (a copy of the whole output)
    and the lock file beside the output for the next compile to clean; now the same clean-up as Ctrl-C runs
    and obsc exits 130. SIGKILL still cannot be caught: the next compile repairs what it leaves."""


def raise_stops(numbers: tuple[int, ...]) -> None:
    """From here on each of `numbers` (those the command handles: compiler/entry.py) is raised where the run
    is, Ctrl-C as KeyboardInterrupt, SIGTERM and SIGHUP as Terminated, for the command's clean-up to handle."""

    def terminated(signum: int, frame: object) -> None:
        raise Terminated(signal.Signals(signum).name)

    for number in numbers:
        signal.signal(number, signal.default_int_handler if number == signal.SIGINT else terminated)
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
