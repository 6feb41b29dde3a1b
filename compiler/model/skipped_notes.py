"""The `-v` notes of a built service: the alerts it does not get and why, and the choices made for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.alert_kinds import KINDS
from compiler.model.alerts import NEEDS_SELECTOR
from compiler.model.build_context import Layer
from compiler.model.build_targets import targets_notes
from compiler.model.healthy_lines import counter_line_notes, line_source_notes
from compiler.model.prober_selector import prober_notes
from compiler.model.raw_rates import increase_notes
from compiler.model.silent_groups import unwatched_group_notes
from compiler.model.sli_kinds import kind_notes
from compiler.model.slo_sources import slo_source_notes
from compiler.model.symptoms import symptom_notes
from compiler.model.teams import DEFAULT_RECEIVER_PATH, is_unrouted_info
from compiler.model.types import Service
from compiler.model.unscraped_defaults import unscraped_notes


def explain_skipped(service: Service, data: Mapping[str, Any], defaults: Layer) -> list[str]:
    """Human notes for `-v`: alerts that a service does not get, and why."""
    notes = []
    present = {m.name for m in service.metrics}
    enabled = {a.kind for a in service.key_alerts}
    for kind, info in KINDS.items():
        missing = [m for m in info.requires if m not in present]
        if kind not in enabled and missing:
            notes.append(f"{kind.value} alert skipped: metrics.{', metrics.'.join(missing)} not defined")
        needed = NEEDS_SELECTOR.get(kind)
        metric = service.metric(needed) if needed else None
        if kind in enabled and metric is not None and metric.selector is None:
            notes.append(f"{kind.value} alert skipped: metrics.{needed} is an expression; it needs a series selector")
    notes += targets_notes(data, service.selector, service.targets)
    notes += prober_notes(data, defaults.data.get("metrics") or {})
    notes += unscraped_notes(data, defaults.data.get("metrics") or {})
    notes += increase_notes(data)
    notes += symptom_notes(service)
    notes += line_source_notes(service)
    notes += counter_line_notes(service)
    notes += slo_source_notes(service, data, defaults)
    notes += kind_notes(service)
    notes += unwatched_group_notes(service)
    for route in service.routes:
        if route.path == DEFAULT_RECEIVER_PATH:  # legal, but a page landing in a catch-all deserves a word
            notes.append(
                f"{route.tier.value} alerts go to the catch-all default receiver {route.receiver!r}: no "
                f"routing.{route.tier.value} in this spec, in teams.{service.team} or in platform defaults.routing"
            )
        if is_unrouted_info(route):
            notes.append(
                f"info alerts notify nobody: no routing.info in this spec, in teams.{service.team} or in platform "
                "defaults.routing (info never falls back to the default receiver)"
            )
    return notes
