"""A spec's `relay:` as the model keeps it (model/relays.py reads it; types.Service holds it)."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.errors import NOWHERE, Location


@dataclass(frozen=True)
class NamedRelay:
    """The service of the fleet that relays a service's targets, that service's team, and where `relay:` says so;
    `evaluation_seconds`: the platform's evaluation interval, which the held page's read of the relay's page spans."""

    service: str
    team: str
    location: Location = NOWHERE
    evaluation_seconds: int = 60
