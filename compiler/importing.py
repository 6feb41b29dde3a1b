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
from compiler.errors import Diagnostic, InputError, Location, OutputError, json_path
from compiler.importers import Imported, ImportOptions, import_specs
from compiler.importers.render import one_line, source_of
from compiler.model.reachable_pairs import left_out_warnings
from compiler.output.file_set import write_files_together
from compiler.output.guard import inputs_inside, refuse_system_dir

PLATFORM = "platform.yaml"


def run(
    fmt: str, files: Sequence[str], out_dir: str, *, team: str | None, period: str, force: bool
) -> tuple[list[str], list[str]]:
    """(files written, report lines: each field not carried over and each choice made, located)."""
    imported = import_specs(fmt, files, ImportOptions(team=team, period=period))
    if not imported.specs:  # every objective was dropped: say so, and why (notes are not errors); write nothing
        reasons = imported.dropped or imported.notes
        # Alone, "not carried over" lines counted as errors never said that no SLO was found at all.
        where = Location(reasons[0].location.file if reasons else files[0], 1, 1)  # the file as a whole
        headline = Diagnostic(where, (), "nothing to import: no SLO could be carried over (the lines below say why)")
        raise InputError([headline, *reasons])
    out = Path(out_dir)
    refuse_system_dir(out_dir, "--out")
    inside = inputs_inside(out_dir, files)
    if inside:  # the specs beside their sources: `obsc validate DIR` then read the sources as obsc specs
        raise OutputError(
            f"--out {out_dir}: refusing this directory: it holds the source {inside[0]}, which `obsc validate "
            f"{out_dir}` would read as an obsc spec. Choose a directory of its own; nothing was written"
        )
    if os.path.lexists(out) and not out.is_dir():
        raise OutputError(f"{out_dir} is not a directory (or is a link to nothing)")
    existing = [name for name in imported.specs if os.path.lexists(out / name)]
    if existing and not force:
        raise OutputError(f"{', '.join(existing)} already exist in {out_dir}; pass --force to replace them")
    platform = out / PLATFORM
    if os.path.lexists(platform) and (platform.is_symlink() or not platform.is_file()):
        # (read as the platform it would be quoted in errors: a link to /etc/passwd printed the file)
        raise OutputError(f"{platform} is a link or not a regular file; not read (replace it with the platform file)")
    files_out = dict(imported.specs)
    if not platform.exists():
        files_out[PLATFORM] = imported.platform
    warnings = _prove(imported, files_out, str(platform) if platform.exists() else None, out_dir)
    write_files_together(out_dir, files_out)  # all or none: a stop or an error leaves --out as it was
    report = [one_line(f"dropped: {d}") for d in imported.dropped]
    report += [one_line(f"note: {d}") for d in [*imported.notes, *warnings]]
    if platform.exists() and PLATFORM not in files_out:
        report.append(f"note: kept the existing {platform}; it must route team(s) of the imported services")
    return sorted(files_out), report


def _prove(imported: Imported, files: dict[str, str], platform: str | None, out_dir: str) -> list[Diagnostic]:
    """Compile the specs in a scratch directory; the burn pairs a low objective left out (compile warns of
    them: model/reachable_pairs.py), each at its source."""
    with tempfile.TemporaryDirectory(prefix="obsc-import-") as scratch:
        for name, text in files.items():
            Path(scratch, name).write_text(text, encoding="utf-8")
        options = CompileOptions(platform_file=platform, jobs=1)
        try:
            fleet = compile_specs([scratch], options).fleet
        except InputError as exc:
            raise InputError([_at_source(d, imported, files, scratch, out_dir) for d in exc.diagnostics]) from None
        return [_at_source(d, imported, files, scratch, out_dir, True) for d in left_out_warnings(fleet.services)]


def _at_source(
    found: Diagnostic, imported: Imported, files: dict[str, str], scratch: str, out_dir: str, compiles: bool = False
) -> Diagnostic:
    """A trial-compile error (a warning when it `compiles`) where the user can fix it: at the source field the
    spec key was made from, with the spec line quoted (the scratch spec's file:line:col would point at nothing)."""
    where = found.location
    name = os.path.relpath(where.file, scratch)
    if name not in files:  # the existing platform.yaml of --out: a real file
        return Diagnostic(where, found.path, f"the imported spec does not compile: {found.message}")
    lines = files[name].splitlines()
    quoted = lines[where.line - 1].strip() if 0 < where.line <= len(lines) else ""
    reads = f" reads `{quoted}`" if quoted else ""
    said = "written" if compiles else "not written"
    would_be = f"spec {said}: {Path(out_dir, name)} line {where.line} at {json_path(found.path)}{reads}"
    service = imported.converted.get(name)
    if service is None:  # the platform skeleton: no source has it
        message = f"the platform skeleton does not compile: {found.message} ({would_be})"
        return Diagnostic(Location(str(Path(out_dir, name))), found.path, message)
    location, path = source_of(service, found.path)
    verdict = "compiles with a warning" if compiles else "does not compile"
    return Diagnostic(location, path, f"the imported spec {verdict}: {found.message} ({would_be})")
