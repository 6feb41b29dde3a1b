"""The options several obsc commands share (--platform and -J, --out/--format/--wait), and verify's flag checks."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from compiler.toolcheck.record_base import Base

from compiler.spec.discovery import named_once

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("prometheus", "prometheus-operator", "mimir", "vmalert")


class NonEmptyPath(click.Path):
    """A path argument or option that may not be empty: "" (an unset variable in a CI script) read as the working
    directory, so `--out "$OUT"` compiled into it and `obsc validate "$SPECS"` read every spec below it."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "":
            here = "; write . for the working directory" if self.dir_okay else ""
            self.fail(f"an empty path (an unset variable?){here}", param, ctx)
        return super().convert(value, param, ctx)


class NumberRange(click.FloatRange):
    """A FloatRange that refuses NaN: every comparison with NaN is false, so click let `--timeout nan` through
    to the socket, which raised it as an internal error (exit 70)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


SECONDS_PER_REQUEST = NumberRange(0.1, 120)
SPECS = NonEmptyPath()  # the SPECS... arguments: files or folders, checked by discovery
FOLDER = NonEmptyPath(file_okay=False)


def specs_argument(func: F) -> F:
    """SPECS...: files or folders, each read once however often it is named (`specs specs/payments` is `specs`)."""
    return click.argument("specs", nargs=-1, required=True, type=SPECS, callback=_named_once)(func)


def _named_once(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    return named_once(value) if len(value) > 1 else value


def spec_options(func: F) -> F:
    func = click.option(
        "--platform",
        "platform_file",
        type=NonEmptyPath(dir_okay=False),
        default=None,
        help="Platform defaults file (default: platform.yaml beside the specs).",
    )(func)
    func = click.option(
        "-J",
        "--jpath",
        multiple=True,
        type=NonEmptyPath(file_okay=False, exists=True),  # a misspelt path was read as no library (round 43)
        help="Jsonnet library path (repeatable); imports may not leave these or the spec's folder.",
    )(func)
    return func


def output_options(func: F, writes: bool = True) -> F:
    # compile writes, check/diff compare, by default in the layout --out was written in: a compile that
    # silently took "prometheus" moved a mimir tree's rule files (a subset compile: one service's) where the
    # team's ruler sync does not look
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Layout of the rule files. [default: the one --out was compiled with (its manifest), else prometheus]",
    )(func)
    out_help = (
        "Output directory (replaced atomically; files obsc does not own are kept as they are)."
        if writes
        else "Output directory to compare with (read only: nothing is written)."
    )
    func = click.option("--out", "out_dir", required=True, type=FOLDER, help=out_help)(func)
    if writes:  # (output/claim.py)
        func = click.option(
            "--adopt-out",
            "adopt",
            is_flag=True,
            help="--out holds other files and no .obsc-manifest yet (a deploy repository's checkout): write obsc's "
            "output among them anyway. They are kept as they are.",
        )(func)
    func = click.option(
        "--wait/--no-wait",
        default=True,
        show_default=True,
        help="When another obsc run is writing the same --out: wait for it, or fail at once (exit 4).",
    )(func)
    return func


def compared_options(func: F) -> F:
    return output_options(func, writes=False)


def check_prometheus_url(url: str) -> None:
    """`obsc verify --prometheus`: a usage error (exit 2) for a URL no request could reach as written."""
    from compiler.verify.client import url_problem

    problem = url_problem(url)
    if problem:
        raise click.BadParameter(problem, param_hint="--prometheus")


def lookback_range(text: str) -> str:
    """`obsc verify --lookback` as a PromQL range; a usage error (exit 2) otherwise."""
    from compiler import verify

    try:
        return verify.lookback_range(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--lookback") from None


record_base_option = click.option(
    "--record-base",
    metavar="REV",
    help="Pull-request CI: trust the record committed at git revision REV (the target branch), and only for "
    "files with the bytes committed there; what the change touched always runs (docs/ci.md).",
)


def validation_base(validate: bool, revalidate_all: bool, record_base: str | None, out_dir: str) -> Base | None:
    """What `--record-base` names, read before any work starts; flags of `compile` that would ask for one thing
    and do another are refused."""
    if revalidate_all and not validate:  # (it said nothing, and nothing was validated)
        raise click.UsageError("--revalidate-all validates everything again, --no-validate nothing: give one of them")
    if record_base is not None and (revalidate_all or not validate):
        raise click.UsageError(
            "--record-base trusts what a revision validated: give it without --revalidate-all and --no-validate"
        )
    from compiler.toolcheck.record_base import committed  # late, as validation

    return committed(out_dir, record_base)
