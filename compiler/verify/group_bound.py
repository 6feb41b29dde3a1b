"""`obsc verify`: a `by:` that splits an SLO or a threshold alert into more groups than the platform allows.

Each group of a grouped SLO records its own error ratios and budget (20 to 25 series, evaluated every
interval: docs/grouped-slos.md) and fires its own burn and missing-data alerts; each group of a threshold alert
records its value and fires its own alert. A `by:` over a request id, a user id or a raw URL path makes one group
per value, so a 100,000-value label makes one team's spec record and fire 100,000 times in the Prometheus and the
Alertmanager every team shares. The compile cannot see a label's values (it warns of names that are usually
unbounded: model/unbounded_groups.py); the live server can. The bound is the platform's `defaults.max_groups`
(DEFAULT_MAX_GROUPS unsaid).

The values are counted over the lookback, not now: the long windows (6h, 1d, 3d, the period) keep a group for as
long as its series are in them, so the lookback's count is a floor of what the rules hold. An SLO's counts come
from live_series.check_by's per-label query (no second read of the series), and one count of its labels together
when it has several, none past the bound alone; a threshold alert asks one count of its groups, and per label only
when past the bound with several labels (to name the one to drop). Past the bound, no SLO over that total asks the
per-group event floor (check_slos says why).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.errors import Location
from compiler.model.promql import expand
from compiler.model.types import Service, Slo, ThresholdAlert
from compiler.model.unbounded_groups import SLO_SERIES_PER_GROUP
from compiler.spec.document import Path
from compiler.verify import live_series

Find = Callable[[Path, Location, str], None]
Count = Callable[[str], int]  # the number of series `expr` returns now

DEFAULT_MAX_GROUPS = 500
SETTING: Path = ("defaults", "max_groups")


@dataclass(frozen=True)
class Bound:
    """The most groups a `by:` may make on the live server, and where the platform writes it (None: unsaid)."""

    groups: int = DEFAULT_MAX_GROUPS
    location: Location | None = None

    def said(self) -> str:
        if self.location is None:
            return f"obsc's default bound of {self.groups} groups (the platform does not set defaults.max_groups)"
        return f"the platform's bound of {self.groups} groups (defaults.max_groups, {self.location})"


def declared(data: Any, locate: Callable[[Path], Location]) -> Bound:
    """The platform document's `defaults.max_groups`; the default when unsaid (the schema refuses a bad one)."""
    defaults = data.get("defaults") if isinstance(data, Mapping) else None
    written = defaults.get(SETTING[-1]) if isinstance(defaults, Mapping) else None
    if isinstance(written, int) and not isinstance(written, bool) and written > 0:
        return Bound(written, locate(SETTING))
    return Bound()


def values_query(expr: str, labels: tuple[str, ...]) -> str:
    """One series per group of `expr` by `labels` with some label set (count counts them): a series without
    any of them is the one group of no value, which `on (...)` against a label-less vector matches."""
    on = ", ".join(labels)
    return f"count by ({on}) ({expr}) unless on ({on}) vector(1)"


def check_slo(service: Service, slo: Slo, path: Path, lookback: str, bound: Bound, count: Count, find: Find) -> bool:
    """live_series.check_by's checks of the SLO's `by:` (`path`), and a finding at the label whose values pass the
    bound; with several labels, none past it alone, one more count of their groups together. True when past it."""
    seen = live_series.check_by(service, slo, path, lookback, count, find)
    if not seen:
        return False
    label = max(slo.by, key=lambda name: (seen.get(name, 0), -slo.by.index(name)))
    groups, exact = seen.get(label, 0), len(slo.by) == 1
    if groups <= bound.groups and not exact and (total := live_series.total_expr(service, slo, lookback)):
        groups, exact = count(values_query(total, slo.by)), True
    if groups <= bound.groups:
        return False
    said = f"{groups:,} groups" if exact else f"at least {groups:,} groups"
    find((*path, slo.by.index(label)), slo.location, slo_message(slo, (label, seen[label]), said, lookback, bound))
    return True


def check_slos(
    service: Service, names: Sequence[object], lookback: str, bound: Bound, count: Count, find: Find
) -> frozenset[str]:
    """check_slo for every SLO (`names`: the SLO names as written under slos:, for each one's path), and the totals
    (as read now) of those past the bound. Every SLO over such a total skips the per-group event floor: its query
    reads each of the total's series at the day's 288 steps (14 s on 100,000 series of a request id, past verify's
    default 5 s timeout, and every finding was lost to "cannot reach Prometheus: timed out")."""
    past: set[str] = set()
    for slo in service.slos:
        index = names.index(slo.name) if slo.name in names else 0
        if check_slo(service, slo, ("slos", index, "by"), lookback, bound, count, find):
            past.add(live_series.total_expr(service, slo, None) or "")
    return frozenset(past)


def check_alerts(
    service: Service, paths: Mapping[str, Path], lookback: str, bound: Bound, count: Count, find: Find
) -> None:
    """check_alert for each of the service's threshold alerts with `by:` (`paths`: where each is written)."""
    for alert in service.threshold_alerts:
        if alert.by and alert.name in paths:
            check_alert(alert, paths[alert.name], lookback, bound, count, find)


def slo_message(slo: Slo, label: tuple[str, int], groups: str, lookback: str, bound: Bound) -> str:
    """`label`: the label with the most values and how many; `groups`: how many groups they make."""
    name, values = label
    split = f"`{name}`" if len(slo.by) == 1 else f"by: [{', '.join(slo.by)}] (`{name}` has {values:,} values)"
    return (
        f"SLO {slo.name!r}: {split} makes {groups} in the last {lookback}, past {bound.said()}: each group "
        f"records its own error ratios and budget ({SLO_SERIES_PER_GROUP} series a group, evaluated every "
        f"interval in the shared Prometheus) and fires its own burn and SLODataMissing alerts in the shared "
        f"Alertmanager; group by a label whose values are bounded (a route template, a tenant, a status class), "
        f"not an id or a raw path, or raise defaults.max_groups in the platform file if that many groups are meant"
    )


def check_alert(alert: ThresholdAlert, path: Path, lookback: str, bound: Bound, count: Count, find: Find) -> None:
    """A threshold alert split `by:` into more groups than the bound: one count of its groups, and when past the
    bound with several labels one count per label, to name the label that makes them."""
    if not alert.by or (series := _series(alert, lookback)) is None:
        return
    groups = count(values_query(series, alert.by))
    if groups <= bound.groups:
        return
    per_label = {label: count(values_query(series, (label,))) for label in alert.by} if len(alert.by) > 1 else {}
    label = max(alert.by, key=lambda name: (per_label.get(name, groups), -alert.by.index(name)))
    values = per_label.get(label, groups)
    split = f"`{label}`" if len(alert.by) == 1 else f"by: [{', '.join(alert.by)}] (`{label}` has {values:,} values)"
    find(
        (*path, "by", alert.by.index(label)),
        alert.location,
        f"threshold alert {alert.name!r}: {split} makes {groups:,} groups in the last {lookback}, past {bound.said()}: "
        f"each group records its own {alert.metric.name} series in the shared Prometheus and fires its own "
        f"{alert.name} (a {alert.tier.value}), up to {groups:,} at once in the shared Alertmanager; split by a label "
        f"whose values are bounded (a topic, a queue, an instance), not an id or a raw path, or raise "
        "defaults.max_groups in the platform file if that many groups are meant",
    )


def _series(alert: ThresholdAlert, lookback: str) -> str | None:
    """The alert's metric as series over the lookback (an expression: now, as its rules read it)."""
    metric = alert.metric
    if metric.selector is not None:
        return f"last_over_time({metric.selector.render()}[{lookback}])"
    return f"({expand(metric.expr, (), '5m')})" if metric.expr else None
