"""A destination that another team's spec writes, seen from a compile of some spec files only (round 49).

With `secrets.team_spec_dir`, a webhook URL or e-mail address that specs of two teams write is an error at both
(spec_destinations.py). It was judged on the compile's own specs: `obsc compile specs/teams/alpha`, alpha's CI,
passed alpha's spec sending its pages to the hook bravo's spec writes, exit 0, which the compile of `specs`
refused. When a spec of the compile writes a destination, the specs of the tree it did not name are built too
(their receivers only: their own problems are their compile's), and what clashes is said at the compile's spec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from compiler.errors import Diagnostic
from compiler.model import build
from compiler.model.spec_destinations import spec_destination_clashes, writes_destination
from compiler.model.teams import spec_receiver_owners
from compiler.model.types import Platform, Receiver, Service
from compiler.spec import schema
from compiler.spec.document import Document


def tree_clashes(
    services: Sequence[Service],
    receivers: Sequence[Receiver],
    platform: Platform,
    defaults: build.Defaults,
    others: Callable[[], Iterable[Document]],
) -> list[Diagnostic]:
    """The clashes of the compile's spec destinations with those of `others` (the tree's unnamed specs, read only
    when a spec of the compile writes a destination), at the compile's specs, less those the compile finds alone."""
    if not platform.secrets.team_spec_dir:
        return []
    owners = spec_receiver_owners(services)
    if not any(owners.get((r.location.file, r.scope)) and writes_destination(r) for r in receivers):
        return []
    their_services: list[Service] = []
    their_receivers: list[Receiver] = []
    for doc in others():
        if not _routes_inline(doc) or schema.validate(doc):  # a spec with problems fails its own compile
            continue
        built: list[Receiver] = []
        service = build.build_service(doc, platform, defaults, built, [], partial=True)
        if service is not None:
            their_services.append(service)
            their_receivers.extend(built)
    if not their_receivers:
        return []
    alone = set(spec_destination_clashes(services, receivers, platform))
    files = {s.location.file for s in services}
    every = spec_destination_clashes([*services, *their_services], [*receivers, *their_receivers], platform)
    return [d for d in every if d.location.file in files and d not in alone]


def _routes_inline(doc: Document) -> bool:
    """Whether the document writes a receiver inline under routing: (only those write destinations). Asked before
    the schema's checks, which cost most of a spec's build."""
    if not isinstance(doc.data, dict) or doc.data.get("kind", "Service") != "Service":
        return False  # a platform file named otherwise (`Platform.yaml`) is no spec
    routing = doc.data.get("routing")
    return isinstance(routing, dict) and any(isinstance(value, dict) for value in routing.values())
