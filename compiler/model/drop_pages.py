"""The pages a traffic drop leaves its stop to: within the hour ServiceUnusualTraffic averages, a drop after one of
them fired is that outage, not a ticket of its own (round 49).

SLOTrafficStopped (ingress49): no events where no `up` shows it. The whole service's ServiceDown (servicedown49): a
directly scraped service down 40 minutes paged +5m to +40m and ticketed +60m to +75m, the hour's mean still low; down
3h, the ticket outlived the page by 35 minutes. An inhibit rule mutes only while its source fires, so it held back
neither. Read: the same service and team's alerts only, ServiceDown of the whole service only (a group's, marked
`down_group`, is part of the traffic: the rest still serves, and a drop of the whole is news), and only a tier at
least as urgent as the ticket's (a ServiceDown digest that may notify nobody holds back no ticket).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.promql import Matcher
from compiler.model.types import AlertKind, Service, Tier


def stop_pages(service: Service, tier: Tier) -> tuple[tuple[Matcher, ...], ...]:
    """The ALERTS matchers of each alert that holds back a `tier` traffic drop of the service: none, one or two."""
    alerts = service_alerts(service)
    own = (
        Matcher(names.LABEL_ALERTSTATE, "=", "firing"),
        Matcher(names.LABEL_SERVICE, "=", service.name),
        Matcher(names.LABEL_TEAM, "=", service.team),
    )
    out: list[tuple[Matcher, ...]] = []
    if any(alert.stopped for alert in alerts):  # always a page
        out.append((Matcher(names.LABEL_ALERTNAME, "=", names.SLO_TRAFFIC_STOPPED), *own))
    down = sorted(
        {a.tier for a in alerts if a.kind is AlertKind.SERVICE_DOWN and a.tier.rank <= tier.rank},
        key=lambda t: t.rank,
    )
    if down:
        down_name = Matcher(names.LABEL_ALERTNAME, "=", names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN])
        whole = Matcher(names.LABEL_DOWN_GROUP, "=", "")
        severity = Matcher(names.LABEL_SEVERITY, "=~" if len(down) > 1 else "=", "|".join(t.value for t in down))
        out.append(tuple(sorted((down_name, whole, severity, *own), key=lambda m: m.label)))
    return tuple(out)


def stop_page_names(service: Service, tier: Tier) -> list[str]:
    """The alert names of `stop_pages`, as a runbook says them."""
    return [m.value for page in stop_pages(service, tier) for m in page if m.label == names.LABEL_ALERTNAME]
