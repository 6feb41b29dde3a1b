"""Generation: every target's files for a loaded fleet, services spread over worker processes.

Split from api.py (loading and compiling) so that each module keeps one job: here, how the work is cut into
pieces, run, put back in fleet order, and how services of one shape share their files (targets/shapes.py).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from compiler import workers
from compiler.model.types import Fleet, Service
from compiler.output import direct
from compiler.output.bundle import Artifact
from compiler.targets import TargetOptions, all_targets, shapes

log = logging.getLogger("obsc")


def prepare(fleet: Fleet, options: TargetOptions) -> Fleet:
    """Every target's step that must run in this process before the fork, in `all_targets()` order."""
    for target in all_targets():
        if target.prepare is not None:
            fleet = target.prepare(fleet, options)
    return fleet


def generate(
    fleet: Fleet,
    options: TargetOptions,
    jobs: int | None = None,
    fleet_wide: set[str] | None = None,
    into: Into | None = None,
    alongside: Alongside | None = None,
) -> list[Artifact]:
    """Every target's artifacts, targets in `all_targets()` order, each target's services in fleet order
    then its fleet-wide files; services spread over worker processes for a large fleet (same bytes).
    `fleet_wide` receives the paths of the fleet-wide files. `into` (staging tree or None, regenerate
    command): each piece of work returns its artifacts finished (bundle.finish) and writes them into the
    staging tree if there is one; else, with a live output to compare with, a file that holds those bytes already
    comes back as `Artifact.kept`. `alongside` runs as one more piece of work, first, and keeps its result."""
    targets = all_targets()
    services = fleet.services
    count = workers.worker_count(len(services), jobs)
    # Services are cut into pieces of whole teams: services of one shape (targets/shapes.py) are always of
    # one team, so a shape is proven by one worker, not by each. Pieces return each service's files; they
    # are put back in fleet order.
    pieces = workers.chunks_of_groups([s.team for s in services], count)
    # (target, piece) → work; piece len(pieces) is the fleet-wide part. Fleet-wide parts go first: each is
    # one piece of work that cannot be split, so starting them early keeps the workers' ends together.
    work: dict[tuple[int, int], Callable[[], _Done]] = {}
    if alongside is not None:  # (-1, 0): before the targets' parts, as the largest piece that cannot be split
        work[(-1, 0)] = alongside.done
    for t, target in enumerate(targets):
        work[(t, len(pieces))] = _written(_fleet_part(target.fleet_artifacts, fleet, options), into)
    for t, target in enumerate(targets):
        # One SharedShapes per target, made before the fork: each worker fills its own copy.
        each = shapes.SharedShapes(target.service_artifacts, fleet, options, enabled=shapes.enabled())
        for p, piece in enumerate(pieces):
            work[(t, p)] = _written(_service_part(each, target.shares_shapes, [services[i] for i in piece]), into)
    results = dict(zip(work, workers.run(list(work.values()), count), strict=True))
    if alongside is not None:
        alongside.result = results[(-1, 0)].beside
    artifacts: list[Artifact] = []
    for t, target in enumerate(targets):
        per_service: list[list[Artifact]] = [[] for _ in services]
        tally: Counter[str] = Counter()
        for p, piece in enumerate(pieces):
            for i, files in zip(piece, results[(t, p)].files, strict=True):
                per_service[i] = files
            tally.update(results[(t, p)].tally)
        wide = results[(t, len(pieces))].files[0]
        produced = [a for files in per_service for a in files] + wide
        if fleet_wide is not None:
            fleet_wide.update(a.path for a in wide)
        log.debug("target %s produced %d files", target.name, len(produced), extra={"target": target.name})
        if target.shares_shapes and services:
            _explain_sharing(target.name, len(services), tally)
        artifacts.extend(produced)
    return artifacts


class Into(NamedTuple):
    """Where generation's finished files go: written into a cold compile's staging tree, or (`staging` None)
    returned as bytes; with `compare`, the live output, a file whose bytes are already there returns kept."""

    staging: str | None
    command: str
    compare: str | None = None


@dataclass(frozen=True)
class _Done:
    """A piece of generation's result: a list of files per service (or one list for a fleet-wide part), and
    how many services were renamed from a proven shape (shapes.RENAMED ...), for -v."""

    files: list[list[Artifact]]
    tally: Counter[str] = field(default_factory=Counter)
    beside: object = None  # what an Alongside's work returned


@dataclass
class Alongside:
    """Work on the fleet that is no target's (the warnings a compile prints) run as one more piece of the
    generation pool: in the parent it ran on one core after generation while the other sat idle (0.4-0.9 s for
    the 1,000-service bench fleet). It must be pure, as every piece of work is (workers.run)."""

    work: Callable[[], object]
    result: object = None

    def done(self) -> _Done:
        return _Done([], beside=self.work())


def _explain_sharing(target: str, services: int, tally: Counter[str]) -> None:
    """-v: how many services got their files renamed from a proven shape (targets/shapes.py)."""
    renamed, generated = tally[shapes.RENAMED], services - tally[shapes.RENAMED]
    facts = {"target": target, "renamed": renamed, "generated": generated, **dict(sorted(tally.items()))}
    if not shapes.enabled():
        log.info("%s: %d services generated (sharing off: OBSC_SHARE_SHAPES=0)", target, services, extra=facts)
        return
    log.info(
        "%s: %d of %d services renamed from %d proven shapes, %d generated (%d shapes failed their proof)",
        target,
        renamed,
        services,
        tally[shapes.PROVEN],
        generated,
        tally[shapes.UNPROVEN],
        extra=facts,
    )


def _written(part: Callable[[], _Done], into: Into | None) -> Callable[[], _Done]:
    """`part`'s files, finished and written."""
    if into is None:
        return part
    staging, command, compare = into
    if staging is None:
        return lambda: _finished(part(), command, compare)

    def written() -> _Done:
        done = part()
        staged = iter(direct.finish_and_write([a for files in done.files for a in files], command, staging))
        return _Done([[next(staged) for _ in files] for files in done.files], done.tally)

    return written


def _finished(done: _Done, command: str, compare: str | None = None) -> _Done:
    """Each file finished as the bytes the writer compares with the output and writes (a renamed service's
    encoded from its template's pieces in one pass: no text is made for it); with `compare` (the live
    output), one whose bytes are there already as `Artifact.kept` (direct.finish_against)."""
    finished = iter(direct.finish_against([a for files in done.files for a in files], command, compare))
    return _Done([[next(finished) for _ in files] for files in done.files], done.tally)


def _fleet_part(
    part: Callable[[Fleet, TargetOptions], list[Artifact]], fleet: Fleet, options: TargetOptions
) -> Callable[[], _Done]:
    return lambda: _Done([part(fleet, options)])


def _service_part(each: shapes.SharedShapes, shares: bool, services: Sequence[Service]) -> Callable[[], _Done]:
    if shares:
        return lambda: _Done(*each.piece(services))
    return lambda: _Done([each.in_full(s) for s in services])
