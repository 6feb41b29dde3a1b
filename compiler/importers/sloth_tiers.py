"""Sloth's `page_alert.labels` / `ticket_alert.labels` as obsc's per-service `tier_labels`, where that is exact.

Teams route Sloth's pages and tickets on them (`routing_key`, `slack_channel`). obsc has labels per service and
tier, not per SLO and tier, so they are carried when every SLO of the document that alerts at the tier sets the
same ones (one alerting SLO always does), else reported at each SLO. A label one of those SLOs also sets in its
own labels (Sloth's alert carries the tier's value, obsc's the SLO's) moves to the tier labels of both tiers when
that is exact, else the import is refused there.
"""

from __future__ import annotations

from compiler.importers.common import service_labels
from compiler.importers.render import Origin, ServiceOut, SloOut
from compiler.importers.source import Source
from compiler.spec.document import Path

TIERS = ("critical", "warning")
_SLOTHS = {"critical": "page", "warning": "ticket"}  # what Sloth calls obsc's tiers
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
        if labels := dict(next(iter(given))):
            out[tier] = labels
    _settle_clashes(src, slos, out)
    for tier in list(out):
        if not out[tier]:
            del out[tier]
            continue
        out[tier] = dict(sorted(out[tier].items()))
        if tier == "warning" and (found := _tier_path(slos, tier)) is not None:
            src.note(
                found,
                f"{found[-2]} labels are the service's tier_labels.warning: obsc's SLODataMissing warnings "
                "(the SLI's data is gone; Sloth has no such alert) carry them too",
            )
    return out


def _settle_clashes(src: Source, slos: list[SloOut], carried: dict[str, dict[str, str]]) -> None:
    """A tier label that is also an SLO label: Sloth's alert of that tier carries the tier's value (an alert
    rule's labels override those of the series it reads), obsc's the SLO's (an SLO label wins over tier_labels).
    Where every alerting SLO's alerts carry one value per tier, the label leaves the SLOs for the service's
    tier_labels of both tiers, which is Sloth's routing exactly; else the import is refused there (a page
    routed on the SLO's value went to the ticket queue)."""
    for key in sorted({k for labels in carried.values() for k in labels}):
        alerting = {tier: [slo for slo in slos if slo.alerts.get(tier)] for tier in TIERS}
        if not any(key in slo.labels for tier in TIERS for slo in alerting[tier] if key in carried.get(tier, {})):
            continue
        fired = {tier: {_fired(slo, carried, tier, key) for slo in alerting[tier]} for tier in TIERS}
        split = [tier for tier in TIERS if len(fired[tier]) > 1]
        if split:
            _refuse_clash(src, slos, carried, key, split[0])
            for labels in carried.values():
                labels.pop(key, None)
            continue
        for tier in TIERS:
            value = next(iter(fired[tier]), None)
            if value is not None:
                carried.setdefault(tier, {})[key] = value
        moved = [slo for slo in slos if key in slo.labels and (slo.alerts.get("critical") or slo.alerts.get("warning"))]
        for slo in moved:
            del slo.labels[key]
        tiers = ", ".join(f"{t} {key}={next(iter(fired[t]))}" for t in TIERS if None not in fired[t] and fired[t])
        src.note(
            next(slo.tier_sets[t][0] for slo in slos for t in TIERS if key in slo.tier_sets.get(t, ((), {}))[1]),
            f"{key!r} is also an SLO label of {', '.join(s.name for s in moved)}: as in Sloth, where the alert's "
            f"label wins, the service's tier_labels carry it ({tiers}) and the SLOs' labels no longer do (obsc's "
            "SLODataMissing warnings carry the warning value)",
        )


def _tier_path(slos: list[SloOut], tier: str) -> Path | None:
    """Where the source writes the tier's labels (none when only a moved SLO label fills the tier: said there)."""
    return next((slo.tier_sets[tier][0] for slo in slos if slo.alerts.get(tier) and tier in slo.tier_sets), None)


def _fired(slo: SloOut, carried: dict[str, dict[str, str]], tier: str, key: str) -> str | None:
    """The value of `key` on Sloth's alert of this tier: the tier's label, else the SLO's."""
    return carried.get(tier, {}).get(key, slo.labels.get(key))


def _refuse_clash(src: Source, slos: list[SloOut], carried: dict[str, dict[str, str]], key: str, tier: str) -> None:
    values = sorted(
        {f"{slo.name}: {_fired(slo, carried, tier, key) or '(none)'}" for slo in slos if slo.alerts.get(tier)}
    )
    theirs = "; ".join(values)
    for slo in slos:
        for own in TIERS:
            if key in slo.tier_sets.get(own, ((), {}))[1]:
                src.error(
                    (*slo.tier_sets[own][0], key),
                    f"label {key!r} is also an SLO label: Sloth's {_SLOTHS[own]} alerts carry this value (an alert's "
                    f"label wins over its SLO's), and its {_SLOTHS[tier]} alerts carry one per SLO ({theirs}); obsc "
                    "has labels per SLO or per tier for the whole service, not per SLO and tier, so the import would "
                    f"route some of these alerts elsewhere: give the SLOs one {key} value, or name the tier's label "
                    f"apart (e.g. page_{key}) and route on that",
                )


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
