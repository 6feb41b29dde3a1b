"""Whether an exception is a stop (Ctrl-C, SIGTERM, SIGHUP) in disguise.

Python wraps an exception raised while it creates a class: a stop landing in a dataclass field's
`__set_name__` (Python 3.11) reaches obsc as `RuntimeError: Error calling __set_name__ ...` caused by the
KeyboardInterrupt. Read as a bug, it printed a traceback during the imports, and "internal error" later.
"""

from __future__ import annotations


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
