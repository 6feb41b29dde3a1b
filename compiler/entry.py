"""The `obsc` command's first step, before obsc itself is imported: Ctrl-C during those imports (about
0.2 s) exits 130 without a traceback, as it does once the command runs (ui/failures.py)."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from compiler.cli import main as run
    except KeyboardInterrupt:
        sys.exit(130)
    run()
