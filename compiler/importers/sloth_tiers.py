"""Sloth's `page_alert.labels` / `ticket_alert.labels` as obsc's per-service `tier_labels`, where that is exact.

Teams route Sloth's pages and tickets on them (`routing_key`, `slack_channel`). obsc has labels per service and
tier, not per SLO and tier, so they are carried when every SLO of the document that alerts at the tier sets the
same ones (one alerting SLO always does), else reported at each SLO. A label one of those SLOs also sets in its
own labels is reported too: in obsc the SLO's label wins, in Sloth the tier's.
"""

from __future__ import annotations

from compiler.importers.common import service_labels
from compiler.importers.render import Origin, ServiceOut, SloOut
from compiler.importers.source import Source
from compiler.spec.document import Path

TIERS = ("critical", "warning")
_PER_SLO = (
    "obsc has labels per tier for the whole service, and the service's SLOs that alert at this tier set different ones"
)


def alert_labels(src: Source, path: Path) -> dict[str, str]:
    """Labels Sloth puts on alerts (an SLO's, a tier's): obsc's own names and `__` ones reported where they are
    (severity comes from the tier)."""
    labels = service_labels(src, path)
    for key in [k for k in labels if k.startswith("__")]:
        src.drop((*path, key), f"label {key!r}: names starting with __ are Prometheus-internal")
        del labels[key]
    return labels


def service_tier_labels(src: Source, slos: list[SloOut]) -> dict[str, dict[str, str]]:
    """The tier labels of the service, from the SLOs' own (`SloOut.tier_sets`); the rest reported."""
    out: dict[str, dict[str, str]] = {}
    for tier in TIERS:
        alerting = [slo for slo in slos if slo.alerts.get(tier)]
        for slo in slos:
            if not slo.alerts.get(tier) and tier in slo.tier_sets:
                where = slo.tier_sets[tier][0]
                src.drop(where, f"the {where[-2]} is disabled: no alert carries them")
        given = {frozenset(slo.tier_sets.get(tier, ((), {}))[1].items()) for slo in alerting}
        if len(given) != 1:
            for slo in alerting:
                if tier in slo.tier_sets:
                    src.drop(slo.tier_sets[tier][0], _PER_SLO)
            continue
        labels = dict(next(iter(given)))
        for key in sorted(labels):
            if any(key in slo.labels for slo in alerting):
                for slo in alerting:
                    src.drop((*slo.tier_sets[tier][0], key), f"an SLO label {key!r} would win over it in obsc")
                del labels[key]
        if labels:
            out[tier] = dict(sorted(labels.items()))
            if tier == "warning":
                where = alerting[0].tier_sets[tier][0]
                src.note(
                    where,
                    f"{where[-2]} labels are the service's tier_labels.warning: obsc's SLODataMissing warnings "
                    "(the SLI's data is gone; Sloth has no such alert) carry them too",
                )
    return out


def merged_tier_labels(first: ServiceOut, other: ServiceOut) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The tier labels of two documents of one service, merged: a tier's labels are kept when only one document
    alerts at the tier or both set the same; else none, and the tier is returned to be reported."""
    out: dict[str, dict[str, str]] = {}
    differing = []
    for tier in TIERS:
        mine, theirs = first.tier_labels.get(tier, {}), other.tier_labels.get(tier, {})
        if not any(slo.alerts.get(tier) for slo in other.slos) or mine == theirs:
            chosen = mine
        elif not any(slo.alerts.get(tier) for slo in first.slos):
            chosen = theirs
        else:
            chosen = {}
            differing.append(tier)
        if chosen:
            out[tier] = chosen
    return out, differing


def tier_labels_origin(src: Source, slos: list[SloOut], carried: dict[str, dict[str, str]]) -> dict[str, Origin]:
    """Where the source writes the carried tier labels (the first SLO's), for errors of the trial compile."""
    for slo in slos:
        for tier in carried:
            if tier in slo.tier_sets:
                path = slo.tier_sets[tier][0]
                return {"tier_labels": (src.at(path), path)}
    return {}
