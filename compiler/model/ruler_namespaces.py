"""A service kept off the Mimir/Cortex ruler namespaces the tenant holds for other rules.

The mimir layout names each service's namespace after the service (`output.mimir_namespace` may prefix it): a
spec of one team could name its service `kubernetes-apps`, the namespace a platform's mixin rules live in, and a
rules sync of obsc's files would then replace that namespace's groups with the spec's. A platform that keeps the
default (renaming moves every deployed group) lists the namespaces it holds instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from compiler import conventions
from compiler.errors import Diagnostic
from compiler.model.types import Platform, Service


def reserved_namespace_clashes(services: Sequence[Service], platform: Platform | None) -> list[Diagnostic]:
    """Each service whose ruler namespace is one the platform reserves, located at its `service:`."""
    if platform is None or not platform.mimir_reserved_namespaces:
        return []
    found: list[Diagnostic] = []
    for service in services:
        namespace = conventions.mimir_namespace(service.name, platform.mimir_namespace)
        # `*` only: the schema lets no other glob character through, so `[` and `?` never reach fnmatch
        held = next((p for p in platform.mimir_reserved_namespaces if fnmatchcase(namespace, p)), None)
        if held is not None:
            found.append(
                Diagnostic(
                    service.location,
                    ("service",),
                    f"service {service.name!r} would have the Mimir ruler namespace {namespace!r}, which the platform "
                    f"holds for other rules (output.mimir_reserved_namespaces: {held!r}, {platform.location.file}): "
                    "a rules sync of obsc's files would replace that namespace's groups; rename the service",
                )
            )
    return found
