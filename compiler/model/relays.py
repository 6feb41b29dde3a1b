"""A relay in front of services (`targets_via`), and the service of the fleet that is that relay (`relay:`).

Two span-metric services of two teams behind one OpenTelemetry collector (`targets: {job: otel-collector}`,
`targets_via: collector`) each paged ServiceDown to its own team when the collector's `up` went to 0, and the
collector's own spec paged its owner a third time: one outage, three pages, two of them to teams that can do
nothing about it (round 48, promtool). A relayed service's ServiceDown now carries `relay` (its `up` selector), and
a spec that names the fleet's service that is its relay (`relay: {service, team}`) has its ServiceDown held back
while that service's ServiceDown pages (alertmanager/relays.py).

Only the relayed spec opts in, naming the relay's service *and* team: a spec cannot put another team's page
behind its own service, and a service that takes the relay's name in another team holds back nothing (an error
here). The relay must read the same `up` (the same outage) and page for it (a critical ServiceDown of the whole
service), or the held page would reach nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from compiler import conventions as names
from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx, Layer
from compiler.model.evaluation_interval import declared_evaluation_seconds
from compiler.model.promql import Matcher
from compiler.model.relay_names import NamedRelay
from compiler.model.types import AlertKind, KeyAlert, Service, Tier
from compiler.model.units import format_duration


def named_relay(data: Mapping[str, Any], ctx: Ctx, defaults: Layer) -> NamedRelay | None:
    relay = data.get("relay")
    if not isinstance(relay, Mapping):
        return None
    evaluation = declared_evaluation_seconds(defaults.data.get("slo_alerts") or {})
    return NamedRelay(str(relay["service"]), str(relay["team"]), ctx.loc(("relay", "service")), evaluation)


def relay_problems(data: Mapping[str, Any]) -> list[tuple[tuple[str], str]]:
    """(path, message) of `targets_via` and `relay` written without what gives them a meaning."""
    found = []
    if "targets_via" in data and data.get("targets") in (None, False):
        found.append(
            (
                ("targets_via",),
                "targets_via: names what relays this service's metrics, whose `up` targets: must then name "
                "(targets: {job: otel-collector}); without targets, or with targets: false, drop targets_via",
            )
        )
    if "relay" in data and "targets_via" not in data:
        found.append(
            (
                ("relay",),
                "relay: names the service whose targets this service's targets: are (a collector in front of it), "
                "and needs targets_via: beside it (targets_via: collector); drop relay if those targets are the "
                "service's own",
            )
        )
    return found


def relayed_extra_hold_seconds(evaluation_seconds: int) -> int:
    """How much longer a ServiceDown held back by its relay's waits than its spec says: two evaluation intervals.

    Rule groups run at offsets of their own (Prometheus hashes each into [0, interval)), so the relay's page, of a
    `for` no longer than this one's over the same `up`, can start up to an interval after it, and a scrape later
    where the relay's group reads the outage a scrape later. One extra interval was the whole margin: live, the
    relay's page fired 0.26-1 s (at 1 s = 1 min) before the held page would have (e2e51), and a slower evaluation
    of the relay's group paged the team behind it. Two leave an interval to spare past the worst phase gap.
    """
    return 2 * evaluation_seconds


def held_behind_relay(data: Mapping[str, Any], defaults: Layer, key_alerts: list[KeyAlert]) -> list[KeyAlert]:
    """The key alerts of a spec, ServiceDown held two evaluation intervals longer when it names its relay."""
    if not isinstance(data.get("relay"), Mapping) or "targets_via" not in data:
        return key_alerts
    extra = relayed_extra_hold_seconds(declared_evaluation_seconds(defaults.data.get("slo_alerts") or {}))
    down = AlertKind.SERVICE_DOWN
    return [replace(a, for_seconds=a.for_seconds + extra) if a.kind is down else a for a in key_alerts]


def extra_hold(service: Service) -> int:
    """How much longer the service's ServiceDown waits than its spec says (0 unless it names its relay)."""
    if service.relay is None or not service.relayed:
        return 0
    return relayed_extra_hold_seconds(service.relay.evaluation_seconds)


def crash_loop_hold(service: Service, for_seconds: int) -> int:
    """The hold a ServiceDown's crash-loop windows are twice of: a held page's is its written hold, not the minute
    longer, so that over the relay's own `up` it reads the relay's windows (at equal holds) and cannot go on
    through a crash loop the relay's page reads as over (replayed: down 2.5m, up 2m from 10m to 50m, the relay's
    page never fired, the held pages fired 25-50m over their 12m windows)."""
    return max(0, for_seconds - extra_hold(service))


def down_hold(service: Service) -> int | None:
    """The hold of the service's ServiceDown page, None without one."""
    holds = [a.for_seconds for a in service.key_alerts if a.kind is AlertKind.SERVICE_DOWN and a.tier is Tier.CRITICAL]
    return holds[0] if holds else None


def relay_page_labels(service: Service) -> dict[str, str] | None:
    """The labels of the relay's firing page as the spec names it (`relay:`): its whole-service critical ServiceDown,
    of the relay's service and team, so that no other team's page (nor a group's) quiets anything here. None when
    the spec names no relay."""
    if service.relay is None or not service.relayed:
        return None
    return {
        names.LABEL_ALERTNAME: names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN],
        names.LABEL_ALERTSTATE: "firing",
        names.LABEL_DOWN_GROUP: "",
        names.LABEL_SERVICE: service.relay.service,
        names.LABEL_SEVERITY: Tier.CRITICAL.value,
        names.LABEL_TEAM: service.relay.team,
    }


def held_by_relay_text(service: Service) -> str:
    """The sentence a ServiceDown held back by its relay's page adds to its description."""
    if service.relay is None or not service.relayed:
        return ""
    named = service.relay
    return (
        f" These targets are service {named.service}'s (team {named.team}), whose own ServiceDown holds this one back "
        f"while it pages (relay:): this one waits {format_duration(extra_hold(service))} longer (two evaluation "
        "intervals), so that the relay's page comes first."
    )


def relay_label(service: Service) -> str | None:
    """The `relay` label of a relayed service's ServiceDown: the `up` it reads, which is the relay's."""
    if not service.relayed or not service.targets:
        return None
    return "up{" + ",".join(m.render() for m in sorted(service.targets, key=_key)) + "}"


def same_targets(one: Sequence[Matcher], other: Sequence[Matcher]) -> bool:
    """Whether two services read the same `up` series (the matchers in any order)."""
    return sorted(map(_key, one)) == sorted(map(_key, other))


def _key(matcher: Matcher) -> tuple[str, str, str]:
    return matcher.label, matcher.op, matcher.value


def pages_when_down(service: Service) -> bool:
    """Whether the service's ServiceDown of the whole service is a page (its relay's page holds others back)."""
    return any(a.kind is AlertKind.SERVICE_DOWN and a.tier is Tier.CRITICAL for a in service.key_alerts)


def relay_of(service: Service, by_name: Mapping[str, Service]) -> Service | None:
    """The fleet's service `service` names as its relay, when it may hold back `service`'s page (`relay_check`)."""
    if service.relay is None or not service.relayed:
        return None
    relay = by_name.get(service.relay.service)
    return relay if relay is not None and relay_check(service, relay) is None else None


def relay_check(service: Service, relay: Service | None) -> str | None:
    """Why the service `relay:` names cannot hold back this service's page; None when it can."""
    assert service.relay is not None
    named = service.relay
    if relay is None:
        return None
    if relay.team != named.team:
        return (
            f"service {relay.name} is team {relay.team}'s ({relay.location}), not team {named.team}'s: "
            f"its page would hold back this service's ServiceDown; name its team, or another relay"
        )
    if relay.relayed:
        return (
            f"service {relay.name} ({relay.location}) has targets_via itself: its ServiceDown reads a relay "
            "in front of it, not its own targets; name the service whose own targets these are"
        )
    if not same_targets(relay.targets, service.targets):
        read = "up{" + ",".join(m.render() for m in relay.targets) + "}" if relay.targets else "no `up`"
        return (
            f"service {relay.name} ({relay.location}) reads {read}, this service {relay_label(service)}: "
            "its page is not this outage; say the same targets: in both, or name the service they belong to"
        )
    hold, mine = down_hold(relay), down_hold(service)
    if hold is None:
        return (
            f"service {relay.name} ({relay.location}) has no ServiceDown page (alerts.service_down is off or "
            "not critical): nobody would be paged while its targets are down; give it one, or drop relay"
        )
    if mine is not None and mine - extra_hold(service) < hold:  # its extra hold is the margin, not the hold's part
        least = format_duration(hold)
        return (
            f"the ServiceDown of service {relay.name} ({relay.location}) holds {least}, this service's "
            f"{format_duration(mine - extra_hold(service))}: this page would ring first, and its resolve be "
            f"lost once the relay's holds it back; hold it at least as long (alerts: {{service_down: {{critical: "
            f"{{for: {least}}}}}}})"
        )
    return None


def relay_diagnostics(services: Sequence[Service]) -> list[Diagnostic]:
    """An error at each `relay:` whose service cannot hold back the spec's page (another team's, other targets)."""
    by_name = {s.name: s for s in services}
    found = []
    for service in services:
        if service.relay is None or not service.relayed or service.relay.service not in by_name:
            continue  # no targets_via: refused already (relay_problems)
        problem = relay_check(service, by_name[service.relay.service])
        if problem is not None:
            found.append(Diagnostic(service.relay.location, ("relay", "service"), problem))
    return found


def missing_relays(services: Sequence[Service]) -> list[str]:
    """A warning at each `relay:` naming a service this compile does not hold: its page is not held back."""
    held = {s.name for s in services}
    return [
        f"{s.relay.location}: service {s.relay.service} (relay:) is not among the compiled specs: {s.name}'s "
        f"ServiceDown pages team {s.team} while {relay_label(s)} is 0, beside any page of the relay's own "
        f"({names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN]} is held back only by a relay compiled with it)"
        for s in services
        if s.relay is not None and s.relay.service not in held
    ]
