"""The pages a traffic drop leaves its stop to: within the hour ServiceUnusualTraffic averages, a drop after one of
them fired is that outage, not a ticket of its own (round 49).

SLOTrafficStopped (ingress49): no events where no `up` shows it. The whole service's ServiceDown (servicedown49): a
directly scraped service down 40 minutes paged +5m to +40m and ticketed +60m to +75m, the hour's mean still low; down
3h, the ticket outlived the page by 35 minutes. An inhibit rule mutes only while its source fires, so it held back
neither. Read: the same service and team's alerts only, ServiceDown of the whole service only (a group's, marked
`down_group`, is part of the traffic: the rest still serves, and a drop of the whole is news), and only a tier at
least as urgent as the ticket's (a ServiceDown digest that may notify nobody holds back no ticket).

A relayed service (`relay:`) also leaves a drop to its relay's page (round 50, relaytraffic50): its ServiceDown is
quiet while the relay's pages, so the relay down 40 minutes paged team obs and then ticketed each team behind it
+60m to +75m (3h: +60m to +3h35m) for traffic that only the relay lost. Pinned as relays.py's quiet clause is: the
relay's service and team as the spec names them (model/relays.py `relay_page_labels`).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.promql import Matcher
from compiler.model.relays import relay_page_labels
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
    relay = relay_page_labels(service)
    if relay is not None:  # a page: as urgent as any ticket
        out.append(tuple(Matcher(label, "=", value) for label, value in sorted(relay.items())))
    return tuple(out)


def is_relay_page(service: Service, page: tuple[Matcher, ...]) -> bool:
    """Whether `page` (of `stop_pages`) is the relay's ServiceDown, not one of the service's own alerts."""
    return Matcher(names.LABEL_SERVICE, "=", service.name) not in page


def stop_page_names(service: Service, tier: Tier) -> list[str]:
    """The alert names of `stop_pages`, as a runbook says them (the relay's page with its service and team)."""
    out = []
    for page in stop_pages(service, tier):
        labels = {m.label: m.value for m in page}
        name = labels[names.LABEL_ALERTNAME]
        if is_relay_page(service, page):
            name += f" of its relay {labels[names.LABEL_SERVICE]} (team {labels[names.LABEL_TEAM]})"
        out.append(name)
    return out
