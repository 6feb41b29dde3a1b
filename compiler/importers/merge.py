"""Documents that name the same service: one spec when they are the same service, apart when they are not.

A fleet repeats names: Pyrra objectives are Kubernetes objects named per namespace (`checkout` in
team-a and in team-b), and Sloth files of two teams can both say `service: my-service` (or names that
normalise alike, `My_Service`). A spec has one team, one selector and one set of service labels, so
merging such documents paged the first team for the second team's SLOs. Documents merge only when they
have the same owner (Sloth's team, Pyrra's namespace); several owners of one name give one service each,
named `<service>-<owner>`, with a note. Same owner, different selectors that metrics depend on: an error.
"""

from __future__ import annotations

import re

from compiler import conventions
from compiler.errors import Diagnostic
from compiler.importers.render import GuessedSelector, ServiceOut, SloOut
from compiler.importers.sloth_tiers import merged_tier_labels
from compiler.importers.source import NOT_CARRIED, Findings

_NAME = re.compile(f"^{conventions.NAME}$")


def merge_services(services: list[ServiceOut], findings: Findings) -> list[ServiceOut]:
    by_name: dict[str, dict[str, ServiceOut]] = {}  # service name → owner → the service
    for service in services:
        _drop_repeated_slos(service, findings)
        owners = by_name.setdefault(service.name, {})
        first = owners.get(service.owner)
        if first is None:
            owners[service.owner] = service
        else:
            _merge_into(first, service, findings)
    out: list[ServiceOut] = []
    for owners in by_name.values():
        if len(owners) > 1:
            _keep_apart(list(owners.values()), findings)
        out.extend(owners.values())
    named: dict[str, ServiceOut] = {}
    for service in out:
        other = named.setdefault(service.name, service)
        if other is not service:  # a name given to keep two owners apart was already taken
            findings.errors.append(
                Diagnostic(
                    service.origin,
                    (),
                    f"service {service.name!r} is also defined at {other.origin}; rename one of them",
                )
            )
    return sorted(named.values(), key=lambda s: s.name)


def _merge_into(first: ServiceOut, service: ServiceOut, findings: Findings) -> None:
    """Add a document's SLOs to the service of the same name and owner another document defined."""
    if first.selector != service.selector:
        if first.metrics or service.metrics:  # obsc adds the selector to every metric: it must be one
            findings.errors.append(
                Diagnostic(
                    service.origin,
                    (),
                    f"service {service.name!r} of {service.owner_text()} is also defined at {first.origin} with "
                    f"selector {_shown(first.selector)}, this one with {_shown(service.selector)}: one spec has one "
                    "selector; make them agree or rename one",
                )
            )
            return
        # the matchers every query of both documents shares, as for one document with all their queries
        shared = {k: v for k, v in first.selector.items() if service.selector.get(k) == v}
        both_guessed = isinstance(first.selector, GuessedSelector) and isinstance(service.selector, GuessedSelector)
        if not both_guessed:  # (two guesses of one name agree, and stay a guess)
            first.selector = shared or GuessedSelector(job=first.name)
        if not shared and not both_guessed:
            findings.notes.append(
                Diagnostic(
                    service.origin,
                    (),
                    f"the documents of service {service.name!r} share no label matcher; selector set to "
                    f"{{job: {first.name}}} with `targets: false` (nothing reads `up` with a guess): edit both to "
                    "match its targets",
                )
            )
    _move_differing_labels(first, service)
    first.tier_labels, differing = merged_tier_labels(first, service)
    for tier in differing:
        findings.dropped.append(
            Diagnostic(
                service.origin,
                (),
                f"{NOT_CARRIED}{tier} tier labels: the documents of service {service.name!r} (also {first.origin}) "
                "set different ones, and obsc has one set per service and tier",
            )
        )
    seen = {slo.name: slo for slo in first.slos}
    for slo in service.slos:
        if slo.name in seen:
            findings.errors.append(_repeated(service.name, slo, seen[slo.name]))
        else:
            first.slos.append(slo)
    first.metrics = {**service.metrics, **first.metrics}
    first.sources.extend(s for s in service.sources if s not in first.sources)


def _drop_repeated_slos(service: ServiceOut, findings: Findings) -> None:
    """Two SLOs of one name in one document (Sloth's `slos:`): an error at the second, naming the first in the
    source. Left to the check of the imported spec, it named the line of the first in the spec not written."""
    seen: dict[str, SloOut] = {}
    for slo in service.slos:
        if slo.name in seen:
            findings.errors.append(_repeated(service.name, slo, seen[slo.name]))
        seen.setdefault(slo.name, slo)
    service.slos = list(seen.values())


def _repeated(service: str, slo: SloOut, first: SloOut) -> Diagnostic:
    """At the field that names the SLO (the document's origin where no field does)."""
    where, path = slo.fields.get("name", (slo.origin, ()))
    first_at = first.fields.get("name", (first.origin, ()))[0]
    return Diagnostic(where, path, f"service {service!r} already has an SLO {slo.name!r} ({first_at})")


def _move_differing_labels(first: ServiceOut, service: ServiceOut) -> None:
    """Service labels both documents agree on stay on the service; the others go on the SLOs of the document
    that set them (the SLO's own labels win, as they did over the service's), so none lands on the other's."""
    common = {k: v for k, v in first.labels.items() if service.labels.get(k) == v}
    for owner in (first, service):
        for slo in owner.slos:
            slo.labels = {**{k: v for k, v in owner.labels.items() if k not in common}, **slo.labels}
    first.labels = common


def _keep_apart(services: list[ServiceOut], findings: Findings) -> None:
    name = services[0].name
    owners = ", ".join(s.owner_text() for s in services)
    for service in services:
        renamed = re.sub(r"[^a-z0-9]+", "-", f"{name}-{service.owner}".lower()).strip("-")[:63].rstrip("-")
        if not _NAME.match(renamed):
            findings.errors.append(
                Diagnostic(service.origin, (), f"service {name!r} has several owners ({owners}); rename one")
            )
            continue
        service.name = renamed
        findings.notes.append(
            Diagnostic(
                service.origin,
                (),
                f"service {name!r} is defined by several owners ({owners}): imported apart as {renamed!r} (team "
                f"{service.team!r}), so no owner's SLOs page another team; rename it if you prefer",
            )
        )


def _shown(selector: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(selector.items())) + "}"
