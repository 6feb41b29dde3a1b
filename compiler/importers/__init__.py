"""`obsc import`: Sloth, OpenSLO and Pyrra specs → obsc spec YAML text, with every field that could not be
carried over reported at its `file:line:col`.

The face: `import_specs(fmt, paths, options) -> Imported`. It reads files through the spec loader (located,
bounded) and returns text; writing is the CLI's job, and the CLI proves the text by compiling it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from compiler.errors import Diagnostic, InputError, Location
from compiler.importers import openslo, pyrra, sloth
from compiler.importers.render import ServiceOut, platform_text, spec_text
from compiler.importers.source import Findings, Source
from compiler.spec import loader

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


def import_specs(fmt: str, paths: Sequence[str], options: ImportOptions) -> Imported:
    """Raise InputError (every problem, located) when a source is not a valid spec of its format."""
    findings = Findings()
    sources: list[Source] = []
    for path in paths:
        try:
            docs = loader.load_file(path, loader.JsonnetOptions())
        except InputError as exc:
            findings.errors.extend(exc.diagnostics)
            continue
        if not docs:
            findings.errors.append(Diagnostic(Location(path), (), f"no {_LABEL[fmt]} documents found"))
        sources.extend(Source(doc, findings) for doc in docs)
    services = _convert(fmt, sources, options, findings)
    for src in sources:
        src.leftovers()
    merged = _merge(services, findings)
    if findings.errors:
        raise InputError(findings.errors)
    command = f"obsc import {fmt}"
    out = Imported(dropped=sorted(set(findings.dropped)), notes=sorted(set(findings.notes)))
    for service in merged:
        out.specs[f"{service.name}.yaml"] = spec_text(service, command)
        out.services.append(service.name)
    out.platform = platform_text(sorted({s.team for s in merged}), command)
    return out


def _convert(fmt: str, sources: list[Source], options: ImportOptions, findings: Findings) -> list[ServiceOut]:
    services: list[ServiceOut] = []
    if fmt == "openslo":
        return openslo.import_docs(sources, options.team)
    for src in sources:
        recognised = sloth.is_sloth(src.doc.data) if fmt == "sloth" else pyrra.is_pyrra(src.doc.data)
        if not recognised:
            src.error((), f"not a {_LABEL[fmt]} document")
            src.take(())  # one error for the document, not one per field
            continue
        service: ServiceOut | None = (
            sloth.import_doc(src, options.team, options.period)
            if fmt == "sloth"
            else pyrra.import_doc(src, options.team)
        )
        if service is not None:
            service.sources = [f"{src.doc.file} ({_LABEL[fmt]}, document {src.doc.index + 1})"]
            services.append(service)
    return services


def _merge(services: list[ServiceOut], findings: Findings) -> list[ServiceOut]:
    """One spec per service: documents naming the same service add their SLOs to it."""
    by_name: dict[str, ServiceOut] = {}
    for service in services:
        first = by_name.get(service.name)
        if first is None:
            by_name[service.name] = service
            continue
        seen = {slo.name: slo for slo in first.slos}
        for slo in service.slos:
            if slo.name in seen:
                where = seen[slo.name].origin
                findings.errors.append(
                    Diagnostic(slo.origin, (), f"service {service.name!r} already has an SLO {slo.name!r} ({where})")
                )
            else:
                first.slos.append(slo)
        first.sources.extend(s for s in service.sources if s not in first.sources)
        first.labels = {**service.labels, **first.labels}
    return sorted(by_name.values(), key=lambda s: s.name)
