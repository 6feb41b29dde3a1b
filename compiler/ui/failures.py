"""Every way a run can end badly, mapped to its exit code and said in the format the user asked for."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import click

from compiler.errors import ExitCode, InputError, OutputError, ToolError
from compiler.output.lock import LockBusy
from compiler.ui.console import Console, Settings, sniff

# An output directory is replaced in one swap: a run cut short leaves it as it was (or, after the swap, done).
INTERRUPTED = "obsc: interrupted (the output directory is as it was, or fully written)"


def run(invoke: Callable[[Settings], object], argv: Sequence[str]) -> None:
    """Call `invoke(settings)` (click's main); on failure print and exit with the documented code."""
    settings = sniff(argv)
    out = Console(settings)
    try:
        invoke(settings)
    except InputError as exc:
        out.diagnostics(exc.diagnostics)
        count = len(exc.diagnostics)
        out.say(
            f"obsc: {count} error{'s' if count != 1 else ''}; nothing was written",
            level="error",
            code="spec",
            errors=count,
            exit=int(ExitCode.BAD_INPUT),
        )
        sys.exit(ExitCode.BAD_INPUT)
    except LockBusy as exc:
        _fail(out, f"obsc: {exc}", "busy", ExitCode.BUSY)
    except OutputError as exc:
        _fail(out, f"obsc: error: {exc}", "output", ExitCode.BAD_INPUT)
    except ToolError as exc:
        _fail(out, f"obsc: {exc}", "tool", exc.exit_code)
    except click.exceptions.Abort:  # click's form of Ctrl-C
        _fail(
            out,
            "obsc: interrupted (the output directory is as it was, or fully written)",
            "interrupted",
            ExitCode.INTERRUPTED,
        )
    except click.ClickException as exc:
        if settings.errors == "text" and settings.log_format == "text":
            exc.show()  # click's usage line and hint, as people know them
        else:
            hint = f" (see: {exc.ctx.command_path} --help)" if isinstance(exc, click.UsageError) and exc.ctx else ""
            _fail(out, f"obsc: {exc.format_message()}{hint}", "usage", ExitCode.BAD_INPUT)
        sys.exit(ExitCode.BAD_INPUT)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _fail(
            out,
            "obsc: interrupted (the output directory is as it was, or fully written)",
            "interrupted",
            ExitCode.INTERRUPTED,
        )
    except Exception:  # a bug: keep the traceback out of the user's way unless asked for
        if os.environ.get("OBSC_DEBUG"):
            traceback.print_exc()
        message = "obsc: internal error (this is a bug in obsc). Re-run with OBSC_DEBUG=1 for the traceback "
        message += "and report it."
        _fail(out, message, "internal", ExitCode.INTERNAL)
    return None


def _fail(out: Console, text: str, code: str, exit_code: ExitCode) -> None:
    extra: dict[str, Any] = {"exit": int(exit_code)}
    out.problem(text, code=code, **extra)
    sys.exit(exit_code)
