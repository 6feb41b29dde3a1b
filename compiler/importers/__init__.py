"""`obsc import`: Sloth, OpenSLO and Pyrra specs → obsc spec YAML text, with every field that could not be
carried over reported at its `file:line:col`.

The face: `import_specs(fmt, paths, options) -> Imported`. It reads files through the spec loader (located,
bounded) and returns text; writing is the CLI's job, and the CLI proves the text by compiling it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from compiler.errors import Diagnostic, InputError, Location
from compiler.importers import openslo, openslo_alpha, pyrra, sloth, sloth_windows
from compiler.importers.merge import merge_services
from compiler.importers.render import ServiceOut, platform_text, spec_text
from compiler.importers.source import Findings, Source
from compiler.model.units import format_duration, parse_duration
from compiler.spec import foreign, loader

FORMATS = ("sloth", "openslo", "pyrra")
_LABEL = {"sloth": "Sloth", "openslo": "OpenSLO v1", "pyrra": "Pyrra ServiceLevelObjective"}


@dataclass(frozen=True)
class ImportOptions:
    team: str | None = None  # owning team for every imported service (else taken from the source)
    period: str = "30d"  # Sloth's default SLO period (its --default-slo-period)


@dataclass
class Imported:
    specs: dict[str, str] = field(default_factory=dict)  # file name → obsc spec text
    platform: str = ""  # a platform skeleton (routing for the imported teams)
    dropped: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    converted: dict[str, ServiceOut] = field(default_factory=dict)  # file name → the service its spec writes


def import_specs(fmt: str, paths: Sequence[str], options: ImportOptions) -> Imported:
    """Raise InputError (every problem, located) when a source is not a valid spec of its format.

    A directory stands for every YAML file below it (as `obsc compile` finds spec files: no hidden folders,
    no symlink out of it). A peer's repository holds more than specs, so there a file that does not parse
    or a document of another kind is skipped with a note; a file named on its own must be a spec."""
    findings = Findings()
    sources: list[Source] = []
    for path, in_directory in _files(paths, findings):
        try:
            docs = loader.load_file(path, loader.JsonnetOptions())
        except InputError as exc:
            if not in_directory:
                findings.errors.extend(exc.diagnostics)
            else:
                first = exc.diagnostics[0] if exc.diagnostics else Diagnostic(Location(path), (), "it does not load")
                findings.notes.append(Diagnostic(first.location, (), f"skipped: not read ({first.message})"))
            continue
        if not docs and not in_directory:
            findings.errors.append(Diagnostic(Location(path, 1, 1), (), f"no {_LABEL[fmt]} documents found"))
        for doc in docs:
            if in_directory and not _of_format(fmt, doc.data):
                findings.notes.append(Diagnostic(doc.locate(()), (), f"skipped: not a {_LABEL[fmt]} document"))
                continue
            sources.append(Source(doc, findings))
    services = _convert(fmt, sources, options, findings)
    for src in sources:
        src.leftovers()
        src.shape_errors()
    merged = merge_services(services, findings)
    if findings.errors:
        raise InputError(findings.errors)
    command = f"obsc import {fmt}"
    out = Imported(dropped=sorted(set(findings.dropped)), notes=sorted(set(findings.notes)))
    for service in merged:
        out.specs[f"{service.name}.yaml"] = spec_text(service, command)
        out.converted[f"{service.name}.yaml"] = service
        out.services.append(service.name)
    out.platform = platform_text(sorted({s.team for s in merged}), command)
    return out


_DIRECTORY_SUFFIXES = (".yaml", ".yml")  # not Jsonnet: a repository's .jsonnet files are libraries and mixins


def _files(paths: Sequence[str], findings: Findings) -> list[tuple[str, bool]]:
    """Each source file, and whether it was found in a directory; problems (a symlink out of a directory, a
    directory without YAML) are errors."""
    out: list[tuple[str, bool]] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append((path, False))
            continue
        specs, platforms, problems = loader.discover([path])
        findings.errors.extend(problems)
        found = sorted(f for f in (*specs, *platforms) if f.lower().endswith(_DIRECTORY_SUFFIXES))
        if not found and not problems:
            findings.errors.append(Diagnostic(Location(path), (), "no .yaml or .yml files in this directory"))
        out.extend((f, True) for f in found)
    return out


def _not_of_format(fmt: str, data: object) -> str:
    """ "not a Sloth document", and what it is when obsc can tell: `obsc import sloth` given an obsc spec or a
    Pyrra file said only that, the command that reads it left to guess."""
    said = f"not a {_LABEL[fmt]} document"
    found = foreign.written_for(data)
    if found is None or found[1] == fmt:
        return said
    what, tool = found
    if tool == "obsc":
        return f"{said}: it is {what} (`obsc validate` or `obsc compile` reads it)"
    return f"{said}: it is {what}" + (f"; `obsc import {tool}` reads it" if tool else "")


def _of_format(fmt: str, data: object) -> bool:
    if fmt == "sloth":  # Sloth generates rules for the openslo/v1alpha SLOs beside its own specs
        return sloth.is_sloth(data) or openslo_alpha.is_alpha(data)
    if fmt == "pyrra":
        return pyrra.is_pyrra(data)
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("openslo/")


def _convert(fmt: str, sources: list[Source], options: ImportOptions, findings: Findings) -> list[ServiceOut]:
    services: list[ServiceOut] = []
    for src in [s for s in sources if fmt != "pyrra" and openslo_alpha.is_alpha(s.doc.data)]:
        if (alpha := openslo_alpha.import_doc(src, options.team, options.period)) is not None:
            alpha.sources = [f"{src.doc.file} (OpenSLO v1alpha, document {src.doc.index + 1})"]
            services.append(alpha)
    sources = [s for s in sources if fmt == "pyrra" or not openslo_alpha.is_alpha(s.doc.data)]
    if fmt == "openslo":
        return services + openslo.import_docs(sources, options.team)
    windows = _sloth_windows(sources, options.period) if fmt == "sloth" else {}
    for src in sources:
        if fmt == "sloth" and sloth_windows.is_windows(src.doc.data):
            continue
        recognised = sloth.is_sloth(src.doc.data) if fmt == "sloth" else pyrra.is_pyrra(src.doc.data)
        if not recognised:
            src.error((), _not_of_format(fmt, src.doc.data))
            src.take(())  # one error for the document, not one per field
            continue
        service: ServiceOut | None = (
            sloth.import_doc(src, options.team, options.period, windows)
            if fmt == "sloth"
            else pyrra.import_doc(src, options.team)
        )
        if service is not None:
            service.sources = [f"{src.doc.file} ({_LABEL[fmt]}, document {src.doc.index + 1})"]
            services.append(service)
    return services


def _sloth_windows(sources: list[Source], period: str) -> dict[int, sloth_windows.Windows]:
    """Sloth's windows files among the sources (its `--slo-period-windows-path`), by SLO period; one for
    another period than the import's is noted (no imported SLO uses it)."""
    read = []
    for src in sources:
        if sloth_windows.is_windows(src.doc.data) and (windows := sloth_windows.read(src)) is not None:
            read.append((src, windows))
            if format_duration(windows.period_seconds) != format_duration(_seconds(period)):
                src.note(
                    ("spec", "sloPeriod"),
                    f"windows for {format_duration(windows.period_seconds)}: the SLOs are imported at --period "
                    f"{period}, so none uses them",
                )
    return sloth_windows.by_period(read)


def _seconds(period: str) -> int:
    try:
        return parse_duration(period)
    except ValueError:  # (refused when the spec is compiled)
        return 0
