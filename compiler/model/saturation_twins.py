"""Which CPU, memory and disk alerts carry a missing-data twin (targets/prometheus/key_missing.py writes it).

One twin per saturation signal: the disk signal read by both disk alerts, or a kind with a page and a ticket
line, is one missing series, reported once at the most urgent tier reading it. None for a service nobody
scrapes (`targets: false`): without `up`, "not running" cannot be told from "not measured". The rules and the
routing tests ask here, so both name the same alerts.
"""

from __future__ import annotations

from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.types import AlertKind, Service, Tier

# The saturation signal each alert reads (the disk's fill prediction reads the disk's utilisation).
SIGNAL_KIND = {
    AlertKind.CPU: AlertKind.CPU,
    AlertKind.MEMORY: AlertKind.MEMORY,
    AlertKind.DISK: AlertKind.DISK,
    AlertKind.DISK_FULL: AlertKind.DISK,
}
_RANK = {tier: n for n, tier in enumerate(Tier)}
_ORDER = {kind: n for n, kind in enumerate(SIGNAL_KIND)}


def saturation_twins(service: Service) -> list[tuple[AlertDef, AlertKind, list[AlertDef]]]:
    """(the alert each twin stands for, its signal's kind, every alert reading that signal), per signal read."""
    if not service.targets:
        return []
    readers: dict[AlertKind, list[tuple[int, int, AlertDef]]] = {}
    for alert in service_alerts(service):
        if alert.kind is not None and alert.kind in SIGNAL_KIND:
            rank = (_RANK[alert.tier], _ORDER[alert.kind], alert)
            readers.setdefault(SIGNAL_KIND[alert.kind], []).append(rank)
    return [(min(mine, key=lambda r: r[:2])[2], kind, [r[2] for r in mine]) for kind, mine in readers.items()]
