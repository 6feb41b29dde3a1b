"""One incident, one page: the SLOs of a service that count the same failures share a notification group.

An overall SLO and one kept `by: [route]` (or a second objective over the same errors) burn together in an
outage; grouped by `slo`, each paged as an incident of its own. Silencing one page with the other would lose the
silenced page's resolve whenever it had rung first (Alertmanager 0.25 mutes resolves too), so they are grouped
instead: their alerts, and the key alerts labelled with them, carry `incident`, the name of the SLO that stands
for the rest (the first kept for the whole service, else the first), and the routes group by it. Only the same
failures count: a latency SLO at another threshold, or one over another counter, is an incident of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from compiler.model.failed_pods import reads_job_failures
from compiler.model.symptoms import complement, same_series
from compiler.model.types import Comparison, KeyAlert, SliKind, Slo, ThresholdAlert


def _same_failures(a: Slo, b: Slo) -> bool:
    x, y = a.sli, b.sli
    if x.kind is not y.kind:
        return False
    if x.kind is SliKind.RATIO:
        if not same_series(x.total, y.total):
            return False
        if x.errors is not None and y.errors is not None:
            return same_series(x.errors, y.errors)
        if x.errors is None and y.errors is None:
            return same_series(x.good, y.good)
        # errors on one side, good on the other: the same failures when good is the requests without them
        errors, good = (x.errors, y.good) if x.errors is not None else (y.errors, x.good)
        return complement(good, errors, x.total)
    if x.kind is SliKind.LATENCY:
        return same_series(x.latency, y.latency) and x.threshold_seconds == y.threshold_seconds
    if x.kind is SliKind.RAW:
        return (x.raw_errors, x.raw_total) == (y.raw_errors, y.raw_total)
    if x.kind is SliKind.ERROR_RATIO:
        return x.error_ratio == y.error_ratio
    return False  # time slices and freshness: each SLO's condition is its own


def share_incidents(slos: Sequence[Slo]) -> list[Slo]:
    """The SLOs, those that count the same failures as another labelled with their shared incident."""
    classes: list[list[Slo]] = []
    for slo in slos:
        found = next((c for c in classes if _same_failures(c[0], slo)), None)
        if found is None:
            classes.append([slo])
        else:
            found.append(slo)
    incident: dict[str, str] = {}
    for members in classes:
        if len(members) > 1:
            named = next((s for s in members if not s.by), members[0])
            incident.update((s.name, named.name) for s in members)
    return [replace(slo, incident=incident[slo.name]) if slo.name in incident else slo for slo in slos]


def label_key_alerts(alerts: Sequence[KeyAlert], slos: Sequence[Slo]) -> list[KeyAlert]:
    """Key alerts labelled with an SLO join that SLO's incident."""
    incident = {slo.name: slo.incident for slo in slos if slo.incident}
    return [replace(a, incident=incident[a.slo]) if a.slo in incident else a for a in alerts]


def label_thresholds(alerts: Sequence[ThresholdAlert], slos: Sequence[Slo]) -> list[ThresholdAlert]:
    """A spec's alert over an SLO's own errors (`errors` above 10/s), or over a time-slice SLO's gauge on the bad side
    of its condition, sees that SLO's incident: like a key alert of the SLO's symptom it carries the SLO's `slo`
    (and incident), so its page rings in the SLO's page's group, not as a page of its own, and its ticket joins the
    SLO's tickets and is silenced by either page. So does an alert on a Job's failures beside a freshness SLO (a
    batch job's spec): the failed run is the one the SLO's stale ticket reports max_age later (round 47 live: a
    failed CronJob opened SLOFreshnessStale and InvoiceJobFailed as two tickets)."""
    out = []
    for alert in alerts:
        counting = [
            s
            for s in slos
            if (s.sli.kind is SliKind.RATIO and same_series(s.sli.errors, alert.metric))
            or _bad_slices(alert, s)
            or (s.sli.kind is SliKind.FRESHNESS and reads_job_failures(alert))
        ]
        if not counting:
            out.append(alert)
            continue
        slo = next((s for s in counting if not s.by), counting[0])
        out.append(replace(alert, slo=slo.name, incident=slo.incident))
    return out


def _bad_slices(alert: ThresholdAlert, slo: Slo) -> bool:
    """Whether `alert` fires only while a time-slice SLO over the same gauge counts bad slices: `lag above 500000`
    beside `good_when: lag < 50000` is that SLO's failure (a stuck consumer), and paged as a second incident beside
    the SLO's page (round 34). A line short of the SLO's (an early warning) or the other side of it is not."""
    sli = slo.sli
    if sli.kind is not SliKind.TIME_SLICE or sli.value is None or not same_series(sli.gauge, alert.metric):
        return False
    line, good = alert.threshold, sli.value
    if alert.comparison is Comparison.ABOVE:
        return sli.op in ("<", "<=", "==") and line >= good
    if alert.comparison is Comparison.BELOW:
        return sli.op in (">", ">=", "==") and line <= good
    return False


def label_incidents(
    slos: Sequence[Slo], key_alerts: Sequence[KeyAlert], thresholds: Sequence[ThresholdAlert]
) -> tuple[list[Slo], list[KeyAlert], tuple[ThresholdAlert, ...]]:
    """A service's SLOs, key alerts and threshold alerts, each labelled with the incident it shares, if any."""
    shared = share_incidents(slos)
    return shared, label_key_alerts(key_alerts, shared), tuple(label_thresholds(thresholds, shared))
