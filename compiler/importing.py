"""`obsc import` end to end: convert the sources, prove the specs compile, then write them into --out.

The proof compiles the new specs (with --out's own platform.yaml when it has one, else the skeleton) in a
scratch directory: a spec obsc would reject is never written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from compiler.api import CompileOptions, compile_specs
from compiler.errors import Diagnostic, InputError, Location, OutputError
from compiler.importers import ImportOptions, import_specs

PLATFORM = "platform.yaml"


def run(
    fmt: str, files: Sequence[str], out_dir: str, *, team: str | None, period: str, force: bool
) -> tuple[list[str], list[str]]:
    """(files written, report lines: each field not carried over and each choice made, located)."""
    imported = import_specs(fmt, files, ImportOptions(team=team, period=period))
    if not imported.specs:  # every objective was dropped: say why, write nothing
        raise InputError([*imported.dropped, *imported.notes])
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out_dir} is not a directory")
    existing = [name for name in imported.specs if (out / name).exists()]
    if existing and not force:
        raise OutputError(f"{', '.join(existing)} already exist in {out_dir}; pass --force to replace them")
    platform = out / PLATFORM
    files_out = dict(imported.specs)
    if not platform.exists():
        files_out[PLATFORM] = imported.platform
    _prove(files_out, str(platform) if platform.exists() else None, out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files_out.items()):
        _write_atomic(out / name, text)
    report = [f"dropped: {d}" for d in imported.dropped] + [f"note: {d}" for d in imported.notes]
    if platform.exists() and PLATFORM not in files_out:
        report.append(f"note: kept the existing {platform}; it must route team(s) of the imported services")
    return sorted(files_out), report


def _prove(files: dict[str, str], platform: str | None, out_dir: str) -> None:
    with tempfile.TemporaryDirectory(prefix="obsc-import-") as scratch:
        for name, text in files.items():
            Path(scratch, name).write_text(text, encoding="utf-8")
        options = CompileOptions(platform_file=platform, jobs=1)
        try:
            compile_specs([scratch], options)
        except InputError as exc:
            # Point at the file the user will see in --out, not the scratch copy.
            shown = [
                Diagnostic(
                    Location(d.location.file.replace(scratch, out_dir), d.location.line, d.location.col),
                    d.path,
                    f"the imported spec does not compile: {d.message}",
                )
                for d in exc.diagnostics
            ]
            raise InputError(shown) from None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
