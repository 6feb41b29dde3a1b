"""The `obsc` command's first step, before obsc itself is imported: Ctrl-C during those imports (about
0.2 s) exits 130 without a traceback, as it does once the command runs (ui/failures.py); and the process's
own surroundings are made usable, or refused with exit 2, before any command reads them."""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        from compiler.cli import main as run
        from compiler.errors import ExitCode
    except KeyboardInterrupt:
        sys.exit(130)
    problem = _prepare_process()
    if problem:
        print(f"obsc: error: {problem}", file=sys.stderr)
        sys.exit(ExitCode.BAD_INPUT)
    run()


def _prepare_process() -> str | None:
    """Streams that never fail on a character, and a working directory that exists; else what is wrong.

    - A locale whose encoding lacks a character obsc prints (an arrow in `obsc diff`, a dash in a spec's
      description, under LC_ALL=en_US.ISO-8859-1) would raise UnicodeEncodeError mid-report: such a character
      is written as a backslash escape instead.
    - A stream the caller closed (`>&-`) is None in Python: output goes nowhere, the exit code still tells.
    - A deleted working directory breaks every relative path: said once, exit 2.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (lives as long as the process)
        elif hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        os.getcwd()
    except FileNotFoundError:
        return "the working directory no longer exists; cd into an existing directory and run obsc again"
    return None
