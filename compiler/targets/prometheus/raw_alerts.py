"""The SLO alerts that read the raw series, not the burn records: SLODataMissing, SLOFailuresCounterUnseen,
SLOFreshnessStale and SLOTrafficStopped (model/stopped_traffic.py), each with its hold and its words."""

from __future__ import annotations

from compiler.model import queries
from compiler.model.alerts import AlertDef
from compiler.model.stopped_traffic import STOPPED_FOR_SECONDS, stopped_expr, stopped_text
from compiler.model.types import Service, Slo
from compiler.targets.prometheus.slo_kinds import STALE_FOR_SECONDS, stale_expr, stale_text
from compiler.targets.prometheus.slo_missing import missing_rule, missing_text


def raw_alert_expr(service: Service, slo: Slo, alert: AlertDef) -> tuple[str, int]:
    """(expression, `for` seconds) of one of these alerts."""
    if alert.data_missing or alert.failures_unseen:
        return missing_rule(service, slo, alert.failures_unseen)
    if alert.stopped:
        return stopped_expr(service, slo, queries.up(service) if service.targets else None), STOPPED_FOR_SECONDS
    return stale_expr(slo), STALE_FOR_SECONDS


def raw_alert_text(service: Service, slo: Slo, alert: AlertDef) -> tuple[str, str]:
    """(summary, description) of one of these alerts."""
    if alert.data_missing or alert.failures_unseen:
        return missing_text(service, slo, alert.failures_unseen)
    if alert.stopped:
        return stopped_text(service, slo)
    return stale_text(service, slo)
