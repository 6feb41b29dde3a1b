"""The CPU seconds a child process has used so far, read from /proc (Linux).

The Jsonnet allowance is counted in the child's CPU time: wall time on a loaded CI machine, where a child gets a
fraction of a core, stopped sound specs and spent the compile's allowance sooner (round 46's open item).
"""

from __future__ import annotations

import os

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def seconds(pid: int) -> float | None:
    """User plus system CPU seconds of process `pid` (its threads: Go's collector counts), or None where there
    is no /proc or the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    # the command name, in parentheses, may hold spaces and parentheses: the fields follow its last ')'
    fields = text[text.rfind(b")") + 2 :].split()
    try:
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime: fields 14 and 15 of proc(5)
    except (IndexError, ValueError):
        return None
