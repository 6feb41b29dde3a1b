"""What `obsc verify` notes about `keep_firing_for` across a Prometheus restart: no server flag keeps it.

Prometheus 2.42 holds an alert's kept span (`keep_firing_for`, reported as `keepFiringFor` in /api/v1/rules) in
memory only. An alert firing on it alone, its condition false, is gone after a restart: the restarted server
finds nothing to restore (the condition is false at its first evaluations), Alertmanager resolves the alert four
resend delays after its last send, and if the condition comes back within what was the kept span the alert fires
again after its whole `for:`, a second notification for one incident. Measured live: round 51, 2 of 2 runs at
the default flags; round 52, firing, resolved, firing under a grace period and resend delay that restore a firing
alert (the grace period applies only to alerts active at the restore). No flag bridges it, so this is a note, not a
finding: nothing in the specs or the server's flags is wrong, and a restart outside a kept span is one
notification (docs/operations.md, "Prometheus restarts").

One note for the fleet, like the restart flags' findings: the loaded alerts that carry it, by name, and how many
services' rules hold them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.model.units import format_duration

SHOWN = 3  # alert names named in the note; the rest counted


@dataclass(frozen=True)
class KeptNote:
    """The note, and the service whose rules hold the longest kept span (where it goes without a platform file)."""

    message: str
    service: str


def kept_across_restart(loaded: Mapping[str, Sequence[Mapping[str, Any]]]) -> KeptNote | None:
    """The note when the loaded obsc groups (`loaded`: each service's) hold alerting rules with `keepFiringFor`;
    None when none does (a server that does not report it says nothing to go by)."""
    kept = {service: _kept(groups) for service, groups in sorted(loaded.items())}
    kept = {service: rules for service, rules in kept.items() if rules}
    if not kept:
        return None
    longest = max(span for rules in kept.values() for span, _ in rules)
    where = next(service for service, rules in kept.items() if any(span == longest for span, _ in rules))
    names = sorted({name for rules in kept.values() for _, name in rules})
    count = sum(len(rules) for rules in kept.values())
    return KeptNote(
        f"keep_firing_for is not kept across a Prometheus restart: {_count(count, 'alerting rule')} of "
        f"{_count(len(kept), 'service')} loaded here carry it ({_listed(names)}; up to {format_duration(longest)}). "
        "An alert firing only on it (its condition false) is gone after a restart, Alertmanager resolves it, and "
        "if the condition comes back within what was the kept span it notifies again after its whole for: (no "
        "server flag bridges this: restart outside an incident, or expect a second notification; "
        "docs/operations.md, Prometheus restarts)",
        where,
    )


def _kept(groups: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Each alerting rule's kept span (seconds) and name, for the rules that keep firing."""
    alerting = [
        rule
        for group in groups
        for rule in group.get("rules") or []
        if isinstance(rule, dict) and rule.get("type") == "alerting"
    ]
    return [
        (int(span), str(rule.get("name", "?"))) for rule in alerting if (span := _number(rule.get("keepFiringFor"))) > 0
    ]


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return f"{shown} and {len(items) - SHOWN} more" if len(items) > SHOWN else shown


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _number(value: object) -> float:
    """A number the API reported, 0 for anything else (text, null, an infinity)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0
