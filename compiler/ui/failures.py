"""Every way a run can end badly, mapped to its exit code and said in the format the user asked for."""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import click

from compiler.errors import ExitCode, InputError, OutputError, SettingError, ToolError
from compiler.output import stopped
from compiler.output.lock import LockBusy
from compiler.stops import is_stop
from compiler.ui import bug_report, console
from compiler.ui.console import Console, Settings, StdoutError, sniff

# An output directory is replaced in one swap: a run cut short leaves it as it was (or, after the swap, done).
INTERRUPTED = "obsc: interrupted (the output directory is as it was, or fully written)"


def run(invoke: Callable[[Settings], object], argv: Sequence[str]) -> None:
    """Call `invoke(settings)` (click's main); on failure print and exit with the documented code."""
    settings = sniff(argv)
    out = Console(settings)
    try:
        invoke(settings)
        console.echo("", nl=False)  # flushes: a full disk behind `> file` shows here, not at the interpreter's exit
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
    except SettingError as exc:
        _fail(out, f"obsc: error: {exc}", "settings", ExitCode.BAD_INPUT)
    except click.exceptions.Abort:  # click's form of Ctrl-C
        stopped.clean_up()
        _fail(out, _INTERRUPTED, "interrupted", ExitCode.INTERRUPTED)
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
        stopped.clean_up()
        _fail(out, _INTERRUPTED, "interrupted", ExitCode.INTERRUPTED)
    except StdoutError as exc:
        console.silence_stdout()
        _fail(out, f"obsc: error: cannot write to standard output: {exc}", "output", ExitCode.BAD_INPUT)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not _cwd_exists():
            _fail(out, f"obsc: error: {_NO_CWD}", "environment", ExitCode.BAD_INPUT)
        if exc.errno not in _ENVIRONMENT_ERRNOS:
            _internal(out)
        where = f" {exc.filename}" if exc.filename else ""  # a full disk or quota for a temporary file
        _fail(out, f"obsc: error: cannot write{where}: {exc.strerror}", "output", ExitCode.BAD_INPUT)
    except Exception as exc:
        if is_stop(exc):  # a stop wrapped by class creation in a lazy import (see compiler/stops.py)
            stopped.clean_up()
            _fail(out, _INTERRUPTED, "interrupted", ExitCode.INTERRUPTED)
        _internal(out)
    return None


_INTERRUPTED = "obsc: interrupted (the output directory is as it was, or fully written)"
_NO_CWD = "the working directory no longer exists; cd into an existing directory and run obsc again"


def _cwd_exists() -> bool:
    """False in a folder deleted under the shell: every path obsc resolves fails there, absolute ones too."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return False
    return True


_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def _internal(out: Console) -> None:
    """A bug: keep the traceback out of the user's way unless asked for."""
    if os.environ.get("OBSC_DEBUG"):
        traceback.print_exc()
    kept = bug_report.keep()
    if kept is None:
        message = "obsc: internal error (this is a bug in obsc). Re-run with OBSC_DEBUG=1 for the traceback "
        message += "and report it."
    else:  # (a run failing once in many may not fail again when re-run)
        message = f"obsc: internal error (this is a bug in obsc). Please report it with {kept}, which holds "
        message += "its traceback, obsc's version and the command."
    _fail(out, message, "internal", ExitCode.INTERNAL)


def _fail(out: Console, text: str, code: str, exit_code: ExitCode) -> None:
    extra: dict[str, Any] = {"exit": int(exit_code)}
    out.problem(text, code=code, **extra)
    sys.exit(exit_code)
