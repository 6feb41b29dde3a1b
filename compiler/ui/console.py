"""The global options (-v, -q, --log-format, --error-format), accepted before or after the subcommand, and
the one place that prints lines for people or log readers.

Why a settings object on the click context: `obsc -v compile` and `obsc compile -v` must mean the same, so
both the group and every subcommand declare the options and their callbacks merge into one `Settings`
(counts add up, a later format wins). `main()` keeps the object so an error raised after click returns is
still rendered the way the user asked.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from compiler.errors import Diagnostic
from compiler.ui import render

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("text", "json")
ERROR_FORMATS = ("text", "json", "github")


@dataclass
class Settings:
    verbose: int = 0
    quiet: bool = False
    log_format: str = "text"
    error_format: str | None = None  # None: follow --log-format

    @property
    def verbosity(self) -> int:
        """-1 quiet (errors only), 0 normal, 1 -v, 2 -vv."""
        return -1 if self.quiet else self.verbose

    @property
    def errors(self) -> str:
        return self.error_format or self.log_format


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    settings = ctx.find_object(Settings) or ctx.ensure_object(Settings)
    if param.name == "verbose":
        settings.verbose += value
    elif param.name == "quiet":
        settings.quiet = settings.quiet or bool(value)
    elif value is not None:  # given on this level: it wins over the group's
        setattr(settings, str(param.name), value)


def global_options(func: F) -> F:
    """Declare the global options on a command or on the group (expose_value=False: read `current()`)."""
    common: dict[str, Any] = {"expose_value": False, "callback": _store}
    func = click.option(
        "--error-format",
        type=click.Choice(ERROR_FORMATS),
        default=None,
        help="How errors are shown: text (file:line:col $.path: message), json (one object per error: file, "
        "line, column, path, message, code, severity), github (::error workflow annotations, paths relative to "
        "$GITHUB_WORKSPACE). Default: as --log-format.",
        **common,
    )(func)
    func = click.option(
        "--log-format",
        type=click.Choice(FORMATS),
        default=None,
        help="stderr as text, or every stderr line one JSON object (logs with stage timings, summaries, "
        "warnings, errors). [default: text]",
        **common,
    )(func)
    func = click.option("-q", "--quiet", is_flag=True, default=False, help="Only errors.", **common)(func)
    func = click.option(
        "-v", "--verbose", count=True, help="More detail: -v explains choices and timings, -vv debugs.", **common
    )(func)
    return func


class StopPastClick(Exception):
    """A stop (Ctrl-C, SIGTERM) carried past click: click writes a blank line for one (to end a terminal's `^C`),
    which is no JSON object among --log-format json's lines. Not a KeyboardInterrupt, so click lets it by;
    raised from the stop, so `stops.is_stop` knows it."""


class Group(click.Group):
    """obsc's command group: under --log-format json a stop reaches ui/failures.py without click's blank line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            if (ctx.find_object(Settings) or Settings()).log_format != "json":
                raise
            raise StopPastClick from stop


def current() -> Settings:
    ctx = click.get_current_context()
    return ctx.find_object(Settings) or ctx.ensure_object(Settings)


def sniff(argv: Sequence[str]) -> Settings:
    """The formats named on the command line, read before click parses it: a usage error (an unknown flag)
    stops click before any option callback runs, and must still come out as JSON when JSON was asked for."""
    settings = Settings()
    names = {"--log-format": "log_format", "--error-format": "error_format"}
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        if name in names:
            value = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            if value in (FORMATS if name == "--log-format" else ERROR_FORMATS):
                setattr(settings, names[name], value)
    return settings


class StdoutError(Exception):
    """Standard output cannot take what obsc prints (a full disk behind `>`, a failing device)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.closed_by_reader = cause.errno == errno.EPIPE  # `| head`: the reader stopped, nothing failed


def silence_stdout() -> None:
    """What is left in stdout's buffer would fail again at exit ("Exception ignored ..."): send it nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind it (a test's capture)
        pass


def echo(text: str, *, nl: bool = True) -> None:
    """`click.echo` to stdout; a failure to write is a StdoutError (said as such, exit 2), not a bug."""
    try:
        click.echo(text, nl=nl)
        sys.stdout.flush()
    except OSError as exc:
        raise StdoutError(exc) from None


class Console:
    """Prints for a person (text) or a program (one JSON object per stderr line)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.json = settings.log_format == "json"

    def say(self, text: str, *, level: str = "info", stdout: bool = False, **fields: Any) -> None:
        """A human line. Text: as written, on stdout when `stdout` (summaries) else stderr. JSON: on stderr,
        so stdout only ever holds machine output (a diff, a schema)."""
        if self.json:
            click.echo(render.to_json({"level": level, "logger": "obsc", "msg": text, **fields}), err=True)
        elif stdout:
            echo(render.terminal_text(text))
        else:
            click.echo(render.terminal_text(text), err=True)

    def diagnostics(
        self, diagnostics: Sequence[Diagnostic], *, severity: str = "error", code: str = "spec", stdout: bool = False
    ) -> None:
        """Located problems in the --error-format, the first `render.ERROR_CAP`, then how many more. On stderr,
        or on stdout when they are the command's output (`verify`'s findings). `severity`: error, warning or
        notice (GitHub's annotation kinds); text lines other than errors say which."""
        shown, hidden = render.cap(diagnostics)
        style = self.settings.errors
        for diagnostic in shown:
            if style == "github":
                line = render.github(diagnostic, severity)
            elif style == "json":
                line = render.to_json({"logger": "obsc", **render.record(diagnostic, severity, code)})
            else:
                where = dataclasses.replace(diagnostic.location, file=render.terminal_path(diagnostic.location.file))
                said = diagnostic.message if severity == "error" else f"{severity}: {diagnostic.message}"
                line = render.terminal_line(str(dataclasses.replace(diagnostic, location=where, message=said)))
            if stdout:
                echo(line)
            else:
                click.echo(line, err=True)
        if hidden:
            self.problem(f"obsc: ... and {hidden} more {severity}(s) not shown", code=code, omitted=hidden)

    def problem(self, text: str, *, code: str, file: str = "", level: str = "error", **fields: Any) -> None:
        """An error (or warning) that is not a spec diagnostic: drift, a tool's rejection, a usage error."""
        style = self.settings.errors
        if style == "github":
            message = text.removeprefix("obsc: ")
            click.echo(render.annotation(level, message, file=file, title=f"obsc: {code}"), err=True)
        elif style == "json":
            entry = {"level": level, "logger": "obsc", "severity": level, "code": code, "msg": text, **fields}
            click.echo(render.to_json({**entry, **({"file": file} if file else {})}), err=True)
        else:
            click.echo(render.terminal_text(text), err=True)

    def lines(self, texts: Iterable[str], *, level: str = "info", **fields: Any) -> None:
        for text in texts:
            self.say(text, level=level, **fields)
