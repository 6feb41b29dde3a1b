"""The command every generated file's DO-NOT-EDIT header names, to regenerate it."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from compiler.errors import OutputError

# C0 and C1 controls, DEL, and the line and paragraph separators YAML also breaks lines at.
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def regenerate_command(specs: Sequence[str], out_dir: str, fmt: str = "prometheus") -> str:
    """The command named in DO-NOT-EDIT headers, with paths relative to the deepest directory that holds
    the specs and the output: the same bytes whatever the working directory, however the paths are
    spelled (./x/, absolute, through a symlink), so `obsc check` run from anywhere agrees with `compile`."""
    given = (*specs, out_dir)
    full = [os.path.realpath(p) for p in given]
    base = os.path.commonpath(full)
    shown = [Path(os.path.relpath(path, base)).as_posix() for path in full]
    for i, (name, text) in enumerate(zip(given, shown, strict=True)):
        if _LINE_BREAKING.search(text):
            option = "--out " if i == len(specs) else ""
            raise OutputError(
                f"{option}{name!r}: a path with a control character or line break cannot be named in the "
                "generated files' 'Regenerate with' comment (it would end the comment there); rename it. "
                "Nothing was written"
            )
    # quoted as a shell reads it: `--out gen out` named two paths, and a folder named `x --format mimir` read back
    # as that flag (the next compile moved the output into mimir's layout)
    return shlex.join(
        ["obsc", "compile", *shown[:-1], "--out", shown[-1], *(["--format", fmt] if fmt != "prometheus" else [])]
    )


def with_format(command: str, fmt: str) -> str:
    """`command` (as regenerate_command writes it) compiling in `fmt` instead (a platform's declared layout)."""
    words = shlex.split(command)
    if "--format" in words:
        at = words.index("--format")
        del words[at : at + 2]
    return shlex.join([*words, *(["--format", fmt] if fmt != "prometheus" else [])])
