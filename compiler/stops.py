"""Stops (Ctrl-C, SIGTERM, SIGHUP): recognising one in disguise, and holding them through a step that must
finish once begun.

Python wraps an exception raised while it creates a class: a stop landing in a dataclass field's
`__set_name__` (Python 3.11) reaches obsc as `RuntimeError: Error calling __set_name__ ...` caused by the
KeyboardInterrupt. Read as a bug, it printed a traceback during the imports, and "internal error" later.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

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
