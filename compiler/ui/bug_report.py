"""What a user needs to report an internal error, kept in a file: a bug seen once (under load, in one run of
many) was gone with its traceback, since that was printed only when OBSC_DEBUG was set before the run."""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
import sys
import tempfile
import traceback

from compiler import __version__


def keep() -> str | None:
    """Write the exception being handled, with the versions and the command, to a new file in the temporary
    directory; its path, or None where it cannot be written (a full disk: the message then says less, and no
    part of the file is left)."""
    try:
        load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:
        load = "unknown"
    lines = [
        "obsc internal error: please attach this file to the report",
        f"obsc {__version__} (from {os.path.dirname(os.path.dirname(__file__))}); Python {sys.version.split()[0]}; "
        f"{platform.platform()}",
        f"command: obsc {shlex.join(sys.argv[1:])}",
        f"PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', '(unset)')} OBSC_JOBS={os.environ.get('OBSC_JOBS', '')}",
        f"load average: {load}; CPUs: {os.cpu_count()}",
        "",
        traceback.format_exc(),
    ]
    try:
        fd, path = tempfile.mkstemp(prefix="obsc-internal-error-", suffix=".txt")
    except OSError:
        return None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as report:
            report.write("\n".join(lines))
    except OSError:  # a full disk: an empty or cut report is not one to attach
        with contextlib.suppress(OSError):
            os.close(fd)  # (when fdopen itself failed)
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None
    return path
