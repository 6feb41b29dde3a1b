"""The groups ServiceDown watches apart: a service whose SLOs are split `by:` a label its scrape targets carry.

One ServiceDown for the whole service sums every target's `up`, so with every target of one region down and
another region healthy it stays quiet, and the region's SLO has no events to burn: a group nobody called read
as a group with nothing wrong. Split by such a label, ServiceDown also fires for each group whose targets all
report 0. Only labels `up` carries can split it: those the targets declare, and those the platform's
`defaults.target_labels` lists (unsaid: the usual target labels, model/build_targets.py); a metric label
(`route`, `topic`) is not on `up` and splits nothing.
"""

from __future__ import annotations

from compiler.model import queries
from compiler.model.build_targets import TARGET_LABELS
from compiler.model.fleet_target_labels import ALWAYS
from compiler.model.types import AlertKind, Service, Slo

# A group of a split whose `up` had series this recently and has none now has vanished (slo_missing.py): its SLO
# has no data there. Read at coarse steps: a group is seen if it reported at one of them; one removed on purpose
# tickets until the lookback ends.
VANISHED_GROUP_LOOKBACK = "1d"
VANISHED_GROUP_STEP = "1h"
# Labels whose values come and go with every deploy or scale-down (a pod's new name): one gone is no outage.
CHURNING_LABELS = frozenset({"instance", "pod", "container", "node"})


def down_groups(service: Service) -> tuple[tuple[str, ...], ...]:
    """Each distinct split (sorted labels) ServiceDown also fires per group of; () when nothing splits it.

    A split inside another (`[region]` beside `[cluster, region]`) is left out: a region all down is each of its
    clusters all down, which the finer split already pages, and a region of one cluster paged twice for one
    outage (and its generated case, expecting the finer page only, failed: round 40's drawn fleets)."""
    splits = {kept for slo in service.slos if (kept := slo_down_split(service, slo))}
    return tuple(sorted(s for s in splits if not any(set(s) < set(other) for other in splits)))


def slo_down_split(service: Service, slo: Slo) -> tuple[str, ...]:
    """The labels of the SLO's `by:` that `up` carries (sorted); () when none, or the service has no targets."""
    if not service.targets:
        return ()
    # A label the targets pin to one value (`region: eu`) has one group: the whole service's alert covers it. One they
    # match by a pattern (`job=~"search-(blue|green)"`) is not split either: the colours of a blue/green pair come and
    # go at each switch, and a colour removed would read as a lost group (the generated cases assume so too).
    # Nor one that churns (an instance, a pod): one of ten pods crash-looping while nine serve is no outage, and a
    # per-instance page fired for it (round 37; split by instance, the compile also failed its own tests).
    # A label the targets only leave values out of (`env!="staging"`) keeps its groups (prod, canary), which do not
    # come and go: it splits (round 38; unsplit, a canary all down while prod served fired nothing, no group watched).
    # Only labels the fleet's targets carry on `up` (the platform's `target_labels`, else the usual guess).
    matched = {m.label for m in service.targets if m.op in ("=", "=~")}
    fleet = service.fleet_target_labels
    usual = TARGET_LABELS if fleet is None else ALWAYS | frozenset(fleet)
    return tuple(sorted({label for label in slo.by if label in usual} - matched - CHURNING_LABELS))


def vanish_split(service: Service, slo: Slo) -> tuple[str, ...]:
    """The labels of the SLO's down split, whose groups should not vanish (none churns); none for a service that
    scales to zero (ServiceDown's `missing: ignore`), whose groups go idle one by one at quiet hours."""
    if scales_to_zero(service):
        return ()
    return slo_down_split(service, slo)


def scales_to_zero(service: Service) -> bool:
    """ServiceDown reads no target at all as idle, not down (`alerts: {service_down: {missing: ignore}}`)."""
    return any(a.kind is AlertKind.SERVICE_DOWN and not a.missing_fires for a in service.key_alerts)


def vanished_groups(service: Service, slo: Slo) -> str | None:
    """The SLO's groups of a label `up` carries whose targets had `up` at a step of the lookback and have none
    now (a cluster's federation or scrape config lost): every series of the group goes, so neither ServiceDown's
    group branch (`up` == 0) nor `absent` (other groups report) fires, and the group's burn has no ratio.
    SLODataMissing's branch (targets/prometheus/slo_missing.py) and its runbook's query."""
    split = vanish_split(service, slo)
    if not split:
        return None
    by, present = ", ".join(split), queries.up_in_groups(service, split)
    seen = f"max_over_time((group by ({by}) ({present}))[{VANISHED_GROUP_LOOKBACK}:{VANISHED_GROUP_STEP}])"
    return f"{seen}\nunless on ({by})\n{present}"
