"""One incident, one page: key-metric alerts that measure the same symptom as an SLO.

An error-rate alert over the requests and errors an availability SLO counts, or a p99 alert over the histogram
a latency SLO reads, sees the incident the SLO's burn-rate page sees. Such alerts carry the SLO's `slo`
label (Alertmanager groups and inhibits on service+slo), and where the SLO pages, their critical tier
is demoted to a warning: the SLO owns the page, the threshold becomes a ticket that the page inhibits.
Series, not metric names, decide what an SLO measures (a second name for the same series is the same
symptom; an SLO counting only timeouts does not measure every 5xx), and a page is only demoted where the
SLO pages on the same failures, as soon (see _takes_page): a 95% SLO whose pages need 30% errors does not
take over a page at 10%, nor a 99.3% one whose only page pair below 10% is the 6h one.
Demoting (rather than inhibiting one page with another) leaves no race: a critical threshold alert
that fires before the burn-rate page exists would be delivered before any inhibition could apply,
while a warning waits for its group_wait (minutes) and is inhibited once the page is active.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from compiler.model.alert_kinds import SIGNAL_SECONDS
from compiler.model.burnrate import default_min_bad_events, error_ratio_threshold, windows_for
from compiler.model.types import Aggregation, AlertKind, KeyAlert, Metric, Service, SliKind, Slo, Tier
from compiler.spec.document import Path


def pages(slo: Slo) -> bool:
    """True when the SLO has a burn-rate page that can fire."""
    return _page_line(slo) is not None


_SYMPTOM_KINDS = (AlertKind.ERROR_RATE, AlertKind.LATENCY_P99)  # the kinds `_measures` can find an SLO for


def same_series(a: Metric | None, b: Metric | None) -> bool:
    """Whether two metrics read the same series: one selector (name and matchers, in any order), or one name."""
    if a is None or b is None:
        return False
    if a.selector is None or b.selector is None:
        return a.name == b.name
    return a.selector.metric == b.selector.metric and set(a.selector.matchers) == set(b.selector.matchers)


def _measures(kind: AlertKind, slo: Slo, metrics: Mapping[str, Metric]) -> bool:
    sli = slo.sli
    if kind is AlertKind.ERROR_RATE:
        requests = metrics.get("requests")
        if sli.kind is SliKind.RATIO:
            if not same_series(sli.total, requests):
                return False
            # bad events: the alert's errors themselves; or all but the good ones (which cannot be proved to
            # hold every error the alert counts, and are taken to: `code=~"2.."` beside `code=~"5.."`)
            return sli.errors is None or same_series(sli.errors, metrics.get("errors"))
        if sli.kind is SliKind.RAW and requests is not None and requests.selector is not None:
            # A raw SLI whose total reads the requests series counts the same events.
            return (
                re.search(rf"(?<![\w:]){re.escape(requests.selector.metric)}(?![\w:])", sli.raw_total or "") is not None
            )
        return False
    if kind is AlertKind.LATENCY_P99:
        return sli.kind is SliKind.LATENCY and same_series(sli.latency, metrics.get("latency"))
    return False


def _counts_every_error(slo: Slo, metrics: Mapping[str, Metric]) -> bool:
    """An error-rate alert's page may go to the SLO only if the SLO's bad events hold every error the alert
    counts: its errors are the alert's own series, or its good events are exactly the requests without them
    (`code!~"5.."` beside `code=~"5.."`). A raw SLI's PromQL cannot be shown to, nor good events such as
    `code!="504"` (only timeouts bad): an SLO of 504s had taken the 5xx page, and a 500 outage paged nobody.
    Such an SLO still labels the alert (grouped with its pages), the page stays."""
    sli = slo.sli
    if sli.kind is not SliKind.RATIO:
        return False
    if sli.errors is not None:
        return same_series(sli.errors, metrics.get("errors"))
    return complement(sli.good, metrics.get("errors"), metrics.get("requests"))


_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}


def complement(good: Metric | None, errors: Metric | None, requests: Metric | None) -> bool:
    """Good events are the requests without the errors: one matcher more than the requests', the errors' one
    negated (same label and value)."""
    if good is None or errors is None or requests is None:
        return False
    if good.selector is None or errors.selector is None or requests.selector is None:
        return False
    same_name = good.selector.metric == errors.selector.metric == requests.selector.metric
    base = set(requests.selector.matchers)
    good_own, errors_own = set(good.selector.matchers) - base, set(errors.selector.matchers) - base
    if not same_name or len(good_own) != 1 or len(errors_own) != 1:
        return False
    (g,), (e,) = good_own, errors_own
    return g.label == e.label and g.value == e.value and _NEGATED[e.op] == g.op


_P99_SHARE = Decimal("0.01")  # the share of requests above a p99


def _page_line(slo: Slo) -> Decimal | None:
    """The lowest error ratio at which the SLO's burn-rate page can fire; None when it cannot page."""
    lines = [error_ratio_threshold(slo, w) for w in windows_for(slo) if w.tier is Tier.CRITICAL]
    reachable = [line for line in lines if line < 1]
    return min(reachable) if reachable else None


def _takes_page(slo: Slo, critical: KeyAlert, paging: Callable[[Slo], bool], metrics: Mapping[str, Metric]) -> bool:
    """Whether the SLO's page stands for `critical` (a key alert's critical tier): the SLO pages on the same
    errors (all of them), with the same evidence (its event floor), for the whole service (not per group), and
    where the alert has a line, a steady burn at that line pages about as soon as the alert (_pages_in_time)."""
    if not paging(slo) or _page_line(slo) is None or not _evidence_within(slo):
        return False
    if slo.by and slo.min_bad_events > 0:
        # each group needs its own floor: 12% errors over 100 quiet tenants paged nobody for 9 hours
        return False
    if critical.threshold is None or critical.kind not in _SYMPTOM_KINDS:
        return True
    if critical.kind is AlertKind.LATENCY_P99:
        # p99 above X: more than 1% of requests slower than X. The SLO sees them if its threshold is at most X;
        # it must page at 1% slow requests.
        latency = slo.sli.threshold_seconds
        return latency is not None and latency <= critical.threshold and _pages_in_time(slo, _P99_SHARE, critical)
    return _counts_every_error(slo, metrics) and _pages_in_time(slo, critical.threshold, critical)


# A demoted page may come later than the alert's own, within reason: a 99.5% SLO's 1h pair reaches a steady
# 20% error rate's 7.2% line after 22 minutes, where the alert (5m window, `for: 5m`) pages after about 10.
_SLOWER_AT_MOST = 3


def _pages_in_time(slo: Slo, ratio: Decimal, critical: KeyAlert) -> bool:
    """Some page pair of the SLO fires on a steady error ratio `ratio` (from a healthy start) within
    _SLOWER_AT_MOST times the key alert's own delay (its `for` and its 5m window): the pair's long window
    must fill up to its line. Only the lowest line was compared: a 99.3% SLO paged a 10% error rate only on
    its 6h pair, after 2h50m, and a 99.9% latency SLO a 5.8s p99 after 3h30m."""
    bound = _SLOWER_AT_MOST * (critical.for_seconds + SIGNAL_SECONDS)
    for window in windows_for(slo):
        line = error_ratio_threshold(slo, window)
        if window.tier is not Tier.CRITICAL or line > ratio:
            continue
        if window.long_seconds * line / ratio + window.for_seconds <= bound:
            return True
    return False


def _evidence_within(slo: Slo) -> bool:
    """The SLO's `min_bad_events`, spread over its fastest page window, asks no more failures a second than the
    key alerts' own floor (3 in 5m, the default min_bad_events). A larger floor holds the page back at low
    traffic: 1000 failures in 1h at 0.2 req/s took three hours of a 50% outage, while the error-rate alert it
    had replaced would have paged within 10 minutes."""
    fastest = min(w.long_seconds for w in windows_for(slo) if w.tier is Tier.CRITICAL)
    return slo.min_bad_events * SIGNAL_SECONDS <= default_min_bad_events() * fastest


def symptom_slo(
    kind: AlertKind, slos: Sequence[Slo], metrics: Mapping[str, Metric], paging: Callable[[Slo], bool] = pages
) -> Slo | None:
    """The SLO measuring the same symptom as `kind`: the first one that pages (as `paging` says), else the first."""
    if kind not in _SYMPTOM_KINDS:
        return None
    matching = [slo for slo in slos if _measures(kind, slo, metrics)]
    return next((slo for slo in matching if paging(slo)), matching[0] if matching else None)


def cover_symptoms(alerts: Sequence[KeyAlert], slos: Sequence[Slo], metrics: Mapping[str, Metric]) -> list[KeyAlert]:
    """Label the alerts an SLO covers with it; demote their page to a ticket where the SLO pages."""
    out: list[KeyAlert] = []
    folded: set[AlertKind] = set()  # kinds whose page went into an existing, lower ticket
    # Each kind comes in up to two tiers, and the same SLO answers for several alerts: ask each once.
    covering: dict[AlertKind, Slo | None] = {}
    paging: dict[int, bool] = {}  # by id: names are not yet checked for duplicates here

    def slo_pages(slo: Slo) -> bool:
        known = paging.get(id(slo))
        if known is None:
            known = paging[id(slo)] = pages(slo)
        return known

    for alert in alerts:
        if alert.kind not in covering:
            covering[alert.kind] = _covering_slo(alert.kind, alerts, slos, metrics, slo_pages)
        slo = covering[alert.kind]
        if slo is None:
            out.append(alert)
            continue
        critical = _tier(alerts, alert.kind, Tier.CRITICAL)
        demoting = critical is not None and _takes_page(slo, critical, slo_pages, metrics)
        if alert.tier is not Tier.CRITICAL or not demoting:
            if not (demoting and _replaced_by_demoted(alert, alerts)):
                out.append(replace(alert, slo=slo.name))
            continue
        if slo.sli.kind is SliKind.LATENCY:
            # A latency SLI counts a series without its threshold bucket (other buckets: a release that changed
            # them) neither way; the p99 reads it. Handed to a blind SLO, a service whose every call took 7 s
            # opened two tickets and paged nobody: the page stays for as long as the SLO is blind.
            out.append(replace(alert, slo=slo.name, while_blind=True))
        warning = _tier(alerts, alert.kind, Tier.WARNING)
        if warning is not None and not _lower(alert, warning):
            folded.add(alert.kind)  # the ticket already fires at a lower line: the page simply goes
            continue
        out.append(replace(alert, tier=Tier.WARNING, slo=slo.name, demoted=True))
    return [replace(a, demoted=True) if a.kind in folded and a.tier is Tier.WARNING else a for a in out]


def _covering_slo(
    kind: AlertKind,
    alerts: Sequence[KeyAlert],
    slos: Sequence[Slo],
    metrics: Mapping[str, Metric],
    paging: Callable[[Slo], bool],
) -> Slo | None:
    """The SLO that answers for `kind`: the first that takes its page, else symptom_slo's choice. Taking the
    first paging SLO alone made the spec's order decide: a per-route SLO listed before an overall one (which
    takes the page) kept the key alert paging beside the overall SLO's page, two pages for one incident."""
    critical = _tier(alerts, kind, Tier.CRITICAL)
    if critical is not None and kind in _SYMPTOM_KINDS:
        for slo in slos:
            if _measures(kind, slo, metrics) and _takes_page(slo, critical, paging, metrics):
                return slo
    return symptom_slo(kind, slos, metrics, paging)


def _tier(alerts: Sequence[KeyAlert], kind: AlertKind, tier: Tier) -> KeyAlert | None:
    return next((a for a in alerts if a.kind is kind and a.tier is tier), None)


def _lower(a: KeyAlert, b: KeyAlert) -> bool:
    return a.threshold is not None and b.threshold is not None and a.threshold < b.threshold


def _replaced_by_demoted(alert: KeyAlert, alerts: Sequence[KeyAlert]) -> bool:
    """A warning whose line is above the demoted page's: the demoted alert takes its place (one rule per tier)."""
    if alert.tier is not Tier.WARNING:
        return False
    critical = _tier(alerts, alert.kind, Tier.CRITICAL)
    return critical is not None and _lower(critical, alert)


def sli_aggregation_problems(slos: Sequence[Slo]) -> list[tuple[Path, str]]:
    """(path, message) for SLI metrics not summed: an SLI is a ratio of sums (traffic-weighted)."""
    found: list[tuple[Path, str]] = []
    for i, slo in enumerate(slos):
        sli = slo.sli
        for field, metric in (
            ("errors", sli.errors),
            ("good", sli.good),
            ("total", sli.total),
            ("latency", sli.latency),
        ):
            if metric is not None and metric.aggregation is not Aggregation.SUM:
                found.append(
                    (
                        ("slos", i, "sli", field),
                        f"metric {metric.name!r} is aggregated with {metric.aggregation.value} "
                        f"(metrics.{metric.name}.aggregation); an SLI is a ratio of sums across instances: use sum",
                    )
                )
    return found


def symptom_notes(service: Service) -> list[str]:
    """`-v` notes: which key alerts became tickets, and which still page beside an SLO, and why."""
    notes = []
    for alert in service.key_alerts:
        if alert.demoted:
            notes.append(
                f"{alert.kind.value} does not page: its critical tier is a warning labelled slo={alert.slo} (the "
                "SLO's burn-rate page covers the same symptom and inhibits it while paging)"
            )
        elif alert.while_blind:
            notes.append(
                f"{alert.kind.value} critical pages only while slo {alert.slo} cannot see some series (they lack its "
                "threshold bucket)"
            )
        elif alert.slo is not None and alert.tier is Tier.CRITICAL:
            notes.append(
                f"{alert.kind.value} critical pages: slo {alert.slo} measures the symptom but does not page at this "
                "alert's line (no page tier, its pages need more failing requests, or its min_bad_events holds them "
                "back at low traffic)"
            )
    return notes
