"""The last clean-up of a run stopped by Ctrl-C, SIGTERM or SIGHUP: nothing of it stays beside the output.

Each step that makes something beside the output undoes it when a stop comes (writer.write, Session, the
lock). But Python raises a stop wherever the run is, also as such a clean-up starts (in a `finally`, an
`__exit__`), before it can hold stops (compiler/stops.py): the clean-up is then skipped. So the command's
handler of a stop (ui/failures.py) runs this too: for every output this process still holds exclusively, the
repair the next run would do (swap.recover: foreign entries moved back, staging trees removed; under the
lock, so no other run's tree is touched), then every lock is released and its file removed.
"""

from __future__ import annotations

import contextlib

from compiler import stops
from compiler.output import lock, swap


def clean_up() -> None:
    with stops.held():  # a second Ctrl-C waits for this
        for out in lock.held_exclusively():
            with contextlib.suppress(OSError):  # left as it is: the next run repairs it, as after a kill
                swap.recover(out)
        lock.release_all()
