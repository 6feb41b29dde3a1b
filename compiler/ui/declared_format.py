"""The layout a platform file declares (`output: {format:}`), held against the one a run writes or compares in.

Without it the layout is whatever --out's manifest records: a pull request that recompiled the output with
another `--format` (every rule file moved where the servers do not look) passed `obsc check`, which compares in
the recorded layout. With it, `compile` writes in the declared layout unless told otherwise (api.compile_specs),
and `check`/`diff` refuse an output in another one.
"""

from __future__ import annotations

import sys

from compiler.api import Compilation
from compiler.errors import Diagnostic, ExitCode
from compiler.output import writer
from compiler.ui.console import Console


def refuse_other_layout(out: Console, compilation: Compilation, given: str | None, out_dir: str, subset: bool) -> None:
    """`compile`: an explicit --format other than the declared one, or a compile of spec files one by one into
    an output of another layout (it would move its own services' files only), is refused (exit 2)."""
    declared = compilation.fleet.platform.output_format
    if declared is None:
        return
    if given is not None and given != declared:
        _refuse(out, compilation, f"--format {given} was given: leave it out", given, ExitCode.BAD_INPUT)
    recorded = writer.recorded_format(out_dir) if subset else None
    if recorded is not None and recorded != declared:
        advice = f"{out_dir} holds --format {recorded}, which named spec files cannot move: compile the folder"
        _refuse(out, compilation, advice, recorded, ExitCode.BAD_INPUT)


def compared_layout(out: Console, compilation: Compilation, out_dir: str, code: ExitCode) -> str:
    """`check` and `diff`: the layout compared in, which must be the declared one (exit `code` otherwise)."""
    actual = compilation.options.format if compilation.options else "prometheus"
    declared = compilation.fleet.platform.output_format
    if declared is not None and declared != actual:
        _refuse(out, compilation, f"{out_dir} holds --format {actual}: recompile the spec directory", actual, code)
    return actual


def _refuse(out: Console, compilation: Compilation, advice: str, fmt: str, code: ExitCode) -> None:
    platform = compilation.fleet.platform
    said = f"the platform file declares --format {platform.output_format}, but {advice}"
    message = str(Diagnostic(platform.output_format_location, ("output", "format"), said))
    out.problem(message, code="format", declared=platform.output_format, found=fmt, exit=int(code))
    sys.exit(code)
