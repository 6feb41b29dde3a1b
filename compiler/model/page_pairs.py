"""The page pairs a firing ServiceDown page is held into (targets/prometheus/down_handover.py): each SLO's
critical burn pairs whose short window the fast tier records, so that ServiceDown's group reads it fresh."""

from __future__ import annotations

from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.burnrate import recording_tiers
from compiler.model.types import Service, Tier


def page_pairs(service: Service) -> list[AlertDef]:
    return [
        a
        for a in service_alerts(service)
        if a.window is not None
        and a.slo is not None
        and a.tier is Tier.CRITICAL
        and not a.reads_raw_series
        and not recording_tiers().is_coarse(a.window.short_seconds)
    ]
