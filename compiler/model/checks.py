"""Rules JSON Schema cannot express: reachable thresholds, unique names, references that resolve."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.burnrate import catalog, error_ratio_threshold, unreachable, windows_for
from compiler.model.types import Receiver, Service
from compiler.model.units import decimal_text, format_duration


def check_slos(service: Service) -> list[Diagnostic]:
    found = []
    longest = max(w.long_seconds for w in catalog())
    for i, slo in enumerate(service.slos):
        path: tuple[str | int, ...] = ("slos", i)
        if slo.period_seconds < longest:
            found.append(
                Diagnostic(
                    slo.location,
                    (*path, "period"),
                    f"period {format_duration(slo.period_seconds)} is shorter than the longest alert window "
                    f"({format_duration(longest)}); use at least {format_duration(longest)}",
                )
            )
            continue
        for window in windows_for(slo):
            if unreachable(slo, window):
                needed = error_ratio_threshold(slo, window)
                found.append(
                    Diagnostic(
                        slo.location,
                        (*path, "objective"),
                        f"the {window.tier.value} burn alert over {window.long} can never fire: it needs an error "
                        f"ratio of {decimal_text(needed)} ({window.factor_text(slo.period_seconds)}x the "
                        f"{decimal_text(slo.error_budget * 100)}% budget), more than a total outage; raise the "
                        f"objective or set alerts: {{{window.tier.value}: false}} on this SLO",
                    )
                )
                break
    return found


def check_fleet(services: Sequence[Service], receivers: Sequence[Receiver]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    first: dict[str, Service] = {}
    for service in services:
        if service.name in first:
            found.append(
                Diagnostic(
                    service.location,
                    ("service",),
                    f"service {service.name!r} is already defined at {first[service.name].location}",
                )
            )
        first.setdefault(service.name, service)
    found.extend(_check_receivers(receivers))
    known = {r.name for r in receivers}
    for service in services:
        for route in service.routes:
            if route.receiver not in known:
                found.append(
                    Diagnostic(
                        route.location,
                        ("routing", route.tier.value),
                        f"receiver {route.receiver!r} is not defined in the platform file's receivers:"
                        + _hint(route.receiver, sorted(known)),
                    )
                )
    return found


def _check_receivers(receivers: Sequence[Receiver]) -> list[Diagnostic]:
    found = []
    seen: dict[str, Receiver] = {}
    for receiver in receivers:
        other = seen.get(receiver.name)
        if other is None:
            seen[receiver.name] = receiver
        elif other.integrations != receiver.integrations:
            found.append(
                Diagnostic(
                    receiver.location,
                    (),
                    f"receiver {receiver.name!r} is defined twice with different settings "
                    f"(here and at {other.location})",
                )
            )
    return found


def _hint(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
