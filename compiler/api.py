"""The library entry point: `compile_specs(paths, options) -> Compilation`. The CLI is a thin shell.

Pipeline (one way): loader → schema → model build → model checks → targets → bundle.
Writing, diffing and external validation happen after, on the returned bundle.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from compiler import workers
from compiler.conventions import MANIFEST
from compiler.errors import Diagnostic, InputError, Location
from compiler.generation import Alongside, Into, generate, prepare
from compiler.model import build, checks, import_owners, shared_builds, team_claims, team_renames, tree_destinations
from compiler.model.skipped_notes import explain_skipped
from compiler.model.tree_names import tree_name_clashes
from compiler.model.types import Fleet, Platform, Receiver, Service
from compiler.model.unsure import Unsure, slo_words
from compiler.output.bundle import Bundle, BundleError, assemble
from compiler.output.command import regenerate_command as regenerate_command  # (re-exported: cli, tests)
from compiler.output.command import with_format
from compiler.output.subset import Subset, is_subset, services_in_output
from compiler.spec import discovery, file_caps, foreign, jsonnet_total, loader, prune, schema, tree_specs
from compiler.spec.document import Document, Path
from compiler.spec.platform_files import misnamed_platform, platform_above, platform_beside, standard_dashboards_apart
from compiler.targets import TargetOptions
from compiler.targets.prometheus import oversized_objects
from compiler.workers import paused_gc as paused_gc  # (re-exported: benches)

log = logging.getLogger("obsc")


@dataclass(frozen=True)
class CompileOptions:
    jsonnet_paths: tuple[str, ...] = ()
    platform_file: str | None = None
    format: str = "prometheus"
    regenerate_command: str = "obsc compile"
    # False when `format` is only --out's recorded layout (or the default): the platform's `output: {format:}`
    # then wins (ui/declared_format.py holds a given --format against it)
    format_given: bool = True
    jobs: int | None = None  # worker processes checking specs and generating; None: one per CPU for a large fleet
    # The choices explained with -v (Compilation.notes): worked out per spec (~3% of a fleet's cold compile) only
    # when someone reads them; the CLI asks only at -v.
    notes: bool = True
    in_output: frozenset[tuple[str, str]] = frozenset()  # (service, team) compiled in --out: a clash blames the other


def options_for_command(
    specs: Sequence[str],
    jpath: Sequence[str],
    platform_file: str | None,
    fmt: str,
    out_dir: str,
    given: bool = True,
    notes: bool = True,
) -> CompileOptions:
    """The options `obsc compile`, `check` and `diff` compile with (the headers name the command); `given`: the
    layout was given (--format, or the one --out records), else a platform's declared one wins; `notes`: work out
    the choices -v explains."""
    command = regenerate_command(specs, out_dir, fmt)
    in_output = services_in_output(out_dir)
    return CompileOptions(tuple(jpath), platform_file, fmt, command, given, notes=notes, in_output=in_output)


@dataclass
class Compilation:
    fleet: Fleet
    bundle: Bundle
    notes: list[str] = field(default_factory=list)  # choices explained with -v
    timings: dict[str, float] = field(default_factory=dict)
    fleet_wide: frozenset[str] = frozenset()  # paths of fleet-wide files (not one service's): kept by subset compiles
    options: CompileOptions | None = None
    written_into: str | None = None  # the staging tree the workers wrote every file into (all but the manifest)
    alongside: object = None  # what compile_specs' `alongside` returned

    def subset(self, specs: Sequence[str], out_dir: str, prune: bool = False) -> Subset | None:
        """How a compile of `specs` writes into a fleet's output: named spec files (no --prune) write only
        their services' files; None for a whole directory (or --prune), which owns the output."""
        if prune or not is_subset(specs, out_dir):
            return None
        teams = {s.name: (s.team, s.location) for s in self.fleet.services}
        return Subset(frozenset(teams), self.fleet_wide, self.command, teams=teams)

    def written(self, subset: Subset | None) -> Bundle:
        """The bundle a compile writes: this one, or what a subset compile merged into the fleet's output."""
        return subset.bundle if subset is not None and subset.bundle is not None else self.bundle

    @property
    def command(self) -> str:
        return self.options.regenerate_command if self.options else "obsc compile"


@contextmanager
def stage(name: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        timings[name] = timings.get(name, 0.0) + elapsed
        log.info("stage %s done", name, extra={"stage": name, "seconds": round(elapsed, 4)})


def load_fleet(paths: Sequence[str], options: CompileOptions, timings: dict[str, float]) -> tuple[Fleet, list[str]]:
    """Load, validate and build the model; raise InputError with every problem found."""
    diagnostics: list[Diagnostic] = []
    with stage("load", timings):
        libraries: list[str] = []
        spec_files, platform_files, problems = loader.discover(paths, libraries)
        diagnostics.extend(problems)
        if options.platform_file:
            platform_files = [options.platform_file]
        elif not platform_files:
            platform_files = platform_beside(paths)
            if not platform_files and (above := platform_above(paths)):
                # Read without it, every secret file and Slack channel of the specs was refused as well, saying
                # the platform "declares no secrets.team_root": follow-ons of this one mistake (round 43).
                raise InputError([*diagnostics, *above])
        if len(platform_files) > 1:
            diagnostics.append(
                Diagnostic(Location(platform_files[1]), (), f"more than one platform file: {', '.join(platform_files)}")
            )
        if not spec_files and not problems:
            # The platform file alone (as `obsc init --platform` leaves it) was "no spec files (.yaml...)": a
            # newcomer looking at a .yaml file read that as obsc not seeing it.
            beside = f" beside the platform file {platform_files[0]}" if platform_files else ""
            message = f"no service spec files (.yaml, .yml, .jsonnet) found{beside}; `obsc init SERVICE` writes one"
            diagnostics.append(Diagnostic(Location(", ".join(paths) or "."), (), message))
        jsonnet = loader.JsonnetOptions(tuple(options.jsonnet_paths))
        platform_doc: Document | None = None
        unsure = Unsure()
        for path in platform_files[:1]:
            before = len(diagnostics)
            loaded = _load(path, jsonnet, diagnostics)
            if not loaded and len(diagnostics) == before:  # read as no platform, its settings gone without a word
                diagnostics.append(Diagnostic(Location(path, 1, 1), (), EMPTY_PLATFORM))
            platform_doc = loaded[0] if loaded else None
            diagnostics.extend(_extra_platform_documents(loaded))
            unsure = Unsure(no_platform=len(diagnostics) > before)  # unreadable: services skip what needs it
        standard: list[tuple[str, str]] = []
        if platform_doc is not None:
            spec_files, standard = standard_dashboards_apart(spec_files, platform_files[0], platform_doc.data)
        # Jsonnet is evaluated here (Go does not survive a fork); YAML spec files are read and parsed by the
        # workers that check them (None: not loaded yet), so parsing spreads over every CPU too.
        spec_time = jsonnet_total.SpecTime.from_environment()
        spec_jsonnet = dataclasses.replace(jsonnet, spec_time=spec_time)
        sources: list[_Source] = [
            (path, _load(path, spec_jsonnet, diagnostics) if discovery.is_jsonnet(path) else None)
            for path in spec_files
        ]
        if (ran_out := spec_time.problem()) is not None:
            diagnostics.append(ran_out)
        # the specs of the tree this compile did not name, for the folder reading of imports (import_owners.py)
        top = tree_specs.tree_top(paths, platform_files[0] if platform_files else None) if not ran_out else None
        named = map(os.path.realpath, [*spec_files, *platform_files[:1], *(path for path, _ in standard)])
        # an allowance of its own: this compile's specs cannot spend it to leave the others unread
        tree_jsonnet = dataclasses.replace(jsonnet, spec_time=jsonnet_total.SpecTime.from_environment())
        tree = tree_specs.TreeSpecs(top, named, tree_jsonnet, all(map(os.path.isabs, paths))) if top else None
    with stage("validate", timings):
        if platform_doc is not None:
            found = schema.validate(platform_doc)
            if isinstance(platform_doc.data, dict) and platform_doc.data.get("kind") != "Platform":
                # Checked as a service spec, so its other errors would be about service keys: only the kind.
                # `kind: platform` is said once, at its value ("write 'Platform'"), and another kind there is not
                # told "is not one of 'Service', 'Platform'", Service being no kind for this file (round 43).
                kind = [d for d in found if d.path[:1] == ("kind",) and "'Service'" not in d.message]
                where = platform_doc.locate(("kind",) if "kind" in platform_doc.data else ())
                said = kind or [Diagnostic(where, ("kind",), "a platform file needs kind: Platform")]
                diagnostics.extend(said)
                platform_doc, unsure = None, Unsure(no_platform=True)
            elif found:  # build it from its sound parts; services skip checks that need the rest
                diagnostics.extend(found)
                pruned = None if schema.stopped(found) else prune.prune(platform_doc, found, platform=True)
                platform_doc = pruned.doc if pruned else None
                unsure = Unsure(platform=pruned.broken) if pruned else Unsure(no_platform=True)
        platform, receivers, defaults = build.build_platform(platform_doc, diagnostics, unsure)
        # Each spec file is loaded, checked and built on its own (against the platform): on every CPU for a
        # large fleet. Results come back in file order, so receivers and notes keep their order.
        count = workers.worker_count(len(sources), options.jobs)
        # What the platform mentions: a spec naming one of those is never renamed from another (shared_builds.py)
        words = "\n".join(shared_builds.strings_in([platform_doc.data if platform_doc else None, defaults.data]))
        against = _Platform(platform, defaults, unsure)
        # One before the fork: each worker fills its own copy, over every piece it runs.
        on = shared_builds.enabled() and unsure == Unsure()
        shared = shared_builds.SharedBuilds(lambda doc: _built(doc, against), words, on)
        tasks = [_spec_part(chunk, jsonnet, against, shared, options.notes) for chunk in workers.chunks(sources, count)]
        services: list[Service] = []
        notes: list[str] = []
        for found, service, inline_receivers, explained in (r for part in workers.run(tasks, count) for r in part):
            diagnostics.extend(found)
            receivers.extend(inline_receivers)
            if service is not None:
                services.append(service)
                notes.extend(explained)
        notes.extend(
            f"{path}: not read as a spec: a .jsonnet file below a lib folder is a library" for path in libraries
        )
        notes.extend(
            f"{path}: not read as a spec: the platform's standard dashboard {name!r}" for path, name in standard
        )
        diagnostics.extend(_folder_owner_problems(sources, services, platform, unsure, tree))
        diagnostics.extend(checks.check_fleet(services, receivers, unsure, platform, options.in_output))
        if tree is not None and unsure == Unsure():
            others = tree.every  # read only when a spec of this compile writes a destination
            diagnostics.extend(tree_destinations.tree_clashes(services, receivers, platform, defaults, others))
            diagnostics.extend(tree_name_clashes(services, tree.of_fleet(platform_files), defaults, platform))
        diagnostics = team_renames.with_rename_hint(diagnostics, services, platform)
    if diagnostics:
        raise InputError(diagnostics)
    return _fleet(services, platform, receivers), notes


_SpecResult = tuple[list[Diagnostic], Service | None, list[Receiver], list[str]]
_Source = tuple[str, list[Document] | None]  # a spec file and its documents (None: to be loaded by the task)


@dataclass(frozen=True)
class _Platform:
    """What every spec is built against."""

    platform: Platform
    defaults: build.Defaults
    unsure: Unsure


def _spec_part(
    sources: Sequence[_Source],
    jsonnet: loader.JsonnetOptions,
    against: _Platform,
    shared: shared_builds.SharedBuilds,
    notes: bool = True,
) -> Callable[[], list[_SpecResult]]:
    def part() -> list[_SpecResult]:
        loaded: list[tuple[list[_SpecResult], list[Document]]] = []
        for path, docs in sources:
            problems: list[_SpecResult] = []
            if docs is None:
                found: list[Diagnostic] = []
                docs = _load(path, jsonnet, found)
                if not docs and not found:
                    found.append(Diagnostic(Location(path, 1, 1), (), EMPTY_SPEC))
                if found:  # the file's load errors, as a result without a service
                    problems.append((found, None, [], []))
            beyond = file_caps.file_caps(docs)
            if beyond:
                problems.append((beyond, None, [], []))
                docs = docs[: file_caps.MAX_DOCUMENTS]  # the file fails: building the rest would only cost time
            loaded.append((problems, docs))
        # Every document of the piece is known before any is built: a shape is proven only if enough of it follows.
        shared.plan([doc for _, docs in loaded for doc in docs])
        results: list[_SpecResult] = []
        for problems, docs in loaded:
            results.extend(problems)
            results.extend(_spec(doc, against, shared, notes) for doc in docs)
        return results

    return part


def _spec(
    doc: Document, against: _Platform, shared: Callable[[Document], shared_builds.Built], notes: bool = True
) -> _SpecResult:
    """One spec document: its problems, its service (for the fleet checks; partly built if it has problems),
    the receivers it defines inline and the notes `-v` shows (none unless `notes`)."""
    if other := foreign.other_tool(doc):  # its schema errors would all be consequences of that one
        return [other], None, [], []
    found = schema.validate(doc)
    if isinstance(doc.data, dict) and doc.data.get("kind") == "Platform":
        message = misnamed_platform(doc.file) or "platform defaults belong in platform.yaml beside the specs"
        return [*found, Diagnostic(doc.locate(("kind",)), ("kind",), message)], None, [], []
    pruned = prune.prune(doc, found) if found and not schema.stopped(found) else None
    if found and pruned is None:
        return found, None, [], []
    found = [*found, *_import_problems(doc, against, pruned.broken if pruned else frozenset())]
    if pruned:
        unsure = against.unsure
        own = Unsure(pruned.broken, unsure.platform, unsure.no_platform, slo_words(doc.data, pruned.broken))
        found_here, service, receivers = _model(pruned.doc, dataclasses.replace(against, unsure=own))
        diagnostics = [*found, *(pruned.restore(d) for d in found_here)]
        if service is None:  # no name: no duplicate or receiver check either
            return diagnostics, None, [], []
        diagnostics.extend(checks.check_slos(service, _slo_positions(doc), doc.locate))
        return diagnostics, service, receivers, []
    diagnostics, service, receivers = shared(doc)  # a spec without schema errors: maybe renamed from its shape's
    diagnostics = [*found, *diagnostics]  # its imports' problems: judged here, a shared build knows no imports
    if service is None or diagnostics:  # built for the fleet checks only; `load_fleet` reports and stops
        return diagnostics, service, receivers, []
    explained = explain_skipped(service, doc.data, against.defaults) if notes else []
    return diagnostics, service, receivers, [f"{service.name}: {n}" for n in explained]


def _import_problems(doc: Document, against: _Platform, broken: frozenset[Path]) -> list[Diagnostic]:
    """A Jsonnet spec's imports of another team's or a secret file (model/team_claims.py), when its team is known."""
    team = doc.data.get("team") if isinstance(doc.data, dict) else None
    if not doc.imports or not isinstance(team, str) or ("team",) in broken or against.unsure.secrets():
        return []
    return team_claims.import_problems(doc.file, doc.imports, team, against.platform.secrets)


def _folder_owner_problems(
    sources: Sequence[_Source],
    services: Sequence[Service],
    platform: Platform,
    unsure: Unsure,
    tree: tree_specs.TreeSpecs | None,
) -> list[Diagnostic]:
    """Without team_spec_dir, a Jsonnet spec's imports from a folder only another team's specs live in
    (model/import_owners.py), with the tree's specs this compile did not name (`tree`); the specs' real paths are
    read here, the model reads no file system."""
    if platform.secrets.team_spec_dir or unsure.secrets():
        return []
    importers = [
        (doc.file, doc.data["team"], doc.imports)
        for _, docs in sources
        for doc in docs or ()
        if doc.imports and isinstance(doc.data, dict) and isinstance(doc.data.get("team"), str)
    ]
    if not importers:
        return []
    spec_teams = {os.path.realpath(s.location.file): s.team for s in services if s.location.file}
    return import_owners.problems(importers, spec_teams, tree)


def _built(doc: Document, against: _Platform) -> shared_builds.Built:
    """A spec's model and its own problems, with the SLO checks (the service None when it has no name)."""
    diagnostics, service, receivers = _model(doc, against)
    if service is not None:
        diagnostics.extend(checks.check_slos(service, _slo_positions(doc) if diagnostics else None, doc.locate))
    return diagnostics, service, receivers


def _model(doc: Document, against: _Platform) -> shared_builds.Built:
    diagnostics: list[Diagnostic] = []
    receivers: list[Receiver] = []
    unsure = against.unsure
    service = build.build_service(doc, against.platform, against.defaults, receivers, diagnostics, unsure, True)
    if service is None or ("service",) in unsure.service:
        return diagnostics, None, receivers
    return diagnostics, service, receivers


def _slo_positions(doc: Document) -> dict[str, int]:
    positions: dict[str, int] = {}
    slos = doc.data.get("slos")
    for i, slo in enumerate(slos if isinstance(slos, list) else []):
        if isinstance(slo, dict) and isinstance(slo.get("name"), str):
            positions.setdefault(slo["name"], i)
    return positions


# A spec file that lost its content (truncated, emptied by a bad merge) would otherwise compile as no service
# and prune that service's output without a word.
EMPTY_SPEC = "the file holds no spec (it is empty, or only `---` or null); delete it if that is meant"
EMPTY_PLATFORM = (
    "the platform file holds nothing (it is empty, or only `---` or null): fill it (`obsc init --platform` "
    "writes a starter) or delete it to use the defaults"
)


def _load(path: str, jsonnet: loader.JsonnetOptions, diagnostics: list[Diagnostic]) -> list[Document]:
    try:
        return loader.load_file(path, jsonnet)
    except InputError as exc:
        diagnostics.extend(exc.diagnostics)
        return []


def _extra_platform_documents(loaded: Sequence[Document]) -> list[Diagnostic]:
    """A platform file holds one document: what follows it (a service spec pasted below `---`) would be
    read by nothing, so its service would get no rules, routes or tests, without a word."""
    if len(loaded) < 2:
        return []
    return [
        Diagnostic(
            loaded[1].locate(()),
            (),
            f"the platform file holds {len(loaded)} documents; only one, the Platform, is read: move the others "
            "(service specs) into spec files of their own",
        )
    ]


def _fleet(services: list[Service], platform: Platform, receivers: list[Receiver]) -> Fleet:
    unique: dict[str, Receiver] = {}
    for receiver in receivers:
        unique.setdefault(receiver.name, receiver)
    return Fleet(
        services=tuple(sorted(services, key=lambda s: s.name)),
        platform=platform,
        receivers=tuple(unique[name] for name in sorted(unique)),
    )


def validate_specs(paths: Sequence[str], options: CompileOptions) -> tuple[Fleet, list[str]]:
    """What `obsc validate` judges: the specs, and the platform's standard dashboards each service asks for.
    Those are Jsonnet a compile evaluates per service (prepare): left out, a dashboard that cannot evaluate
    passed validate (and its pre-commit hook) and failed the compile after it."""
    fleet, notes = load_fleet(paths, options, {})
    # the prepared fleet: it carries the standard dashboards' warnings (one rendering no panel for a service)
    fleet = prepare(fleet, TargetOptions(format=options.format, jsonnet_paths=tuple(options.jsonnet_paths)))
    return fleet, notes


def compile_specs(
    paths: Sequence[str],
    options: CompileOptions | None = None,
    write_into: Callable[[], str | None] | None = None,
    alongside: Callable[[Fleet, str], object] | None = None,
    compare_with: str | None = None,
) -> Compilation:
    """Compile `paths`. `write_into`, called once the specs are sound, may name an empty staging tree the workers
    write each file into (output/direct.py; a cold compile); else a file whose bytes `compare_with` (the live output,
    locked) holds comes back as `Artifact.kept`. `alongside` (pure) runs in the generation pool with the fleet."""
    options = options or CompileOptions()
    timings: dict[str, float] = {}
    with paused_gc():
        fleet, notes = load_fleet(paths, options, timings)
        declared = fleet.platform.output_format
        if declared and declared != options.format and not options.format_given:
            command = with_format(options.regenerate_command, declared)
            options = dataclasses.replace(options, format=declared, regenerate_command=command)
        target_options = TargetOptions(format=options.format, jsonnet_paths=tuple(options.jsonnet_paths))
        staging = write_into() if write_into is not None else None
        with stage("prepare", timings):
            fleet = prepare(fleet, target_options)
        with stage("generate", timings):
            fleet_wide: set[str] = set()
            # Headers and stub markers are added in the workers too (a runbook's marker is a SHA-256 of it).
            into = Into(staging, options.regenerate_command, compare_with)
            prepared, fmt = fleet, options.format
            beside = Alongside(lambda: alongside(prepared, fmt)) if alongside is not None else None
            try:
                artifacts = generate(fleet, target_options, options.jobs, fleet_wide, into, beside)
                bundle = assemble(artifacts, options.regenerate_command, finished=True)
            except BundleError as exc:
                raise AssertionError(str(exc)) from exc  # a target bug, not user input
        # Known only once generated; the staging tree is dropped, as on any error.
        operator = options.format == "prometheus-operator"
        if operator and (oversized := oversized_objects(fleet.services, bundle.artifacts)):
            raise InputError(oversized)
    wide = frozenset(fleet_wide) | {MANIFEST}
    return Compilation(fleet, bundle, notes, timings, wide, options, staging, beside.result if beside else None)
