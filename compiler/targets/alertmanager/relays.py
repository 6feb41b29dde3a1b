"""The inhibit rules that hold a relayed service's ServiceDown back while its relay's own ServiceDown pages.

One OpenTelemetry collector down in front of cart (team web) and checkout (team pay) paged three teams for one
outage: the collector's owner, and web and pay, whose services may be healthy but cannot be seen (round 48). A spec
that names its relay (`relay: {service, team}`, model/relays.py) has its ServiceDown held back by that service's
page: the relay's owner gets the one page. The relayed teams get nothing while it lasts (their own alerts read
`sum(up) > 0` and stay quiet, their SLOs have no events to burn): a "blind" ticket would tell each team what the
relay's owner is already paged for, and nothing it can act on.

Every rule is pinned on both sides: the source is the relay's ServiceDown of the whole service by its team and
service, the targets are the ServiceDowns of the services of one team that named that relay and team, with the
`relay` label they carry (the `up` they read, which the model checked is the relay's). A spec cannot hold back
another team's page (only the held spec's `relay:` makes a rule), and a service of another team taking the relay's
name holds back nothing (the team is in the rule, and a spec naming the wrong team is refused).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.relays import relay_label, relay_of
from compiler.model.types import AlertKind, Fleet, Service, Tier
from compiler.targets.alertmanager.routes import Inhibit, Match, equals


def held_behind_relays(fleet: Fleet) -> dict[tuple[str, str], list[Service]]:
    """(relay service, held team) → the services of that team whose ServiceDown that relay's page holds back."""
    by_name = {s.name: s for s in fleet.services}
    held: dict[tuple[str, str], list[Service]] = {}
    for service in fleet.services:
        relay = relay_of(service, by_name)
        if relay is not None:
            held.setdefault((relay.name, service.team), []).append(service)
    return held


def relay_rules(fleet: Fleet) -> list[Inhibit]:
    """One rule per relay and team behind it, in order of relay and team."""
    by_name = {s.name: s for s in fleet.services}
    down = names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN]
    rules = []
    for (relay_name, team), services in sorted(held_behind_relays(fleet).items()):
        relay = by_name[relay_name]
        label = relay_label(services[0])
        assert label is not None  # relay_of: relayed services with targets only
        held = sorted(s.name for s in services)
        rules.append(
            Inhibit(
                why=f"{down} of service {relay.name} (team {relay.team}), a relay down, holds back the {down} of "
                f"{'service' if len(held) == 1 else 'services'} {', '.join(held)} of team {team} behind it "
                "(their relay:): one relay down, one page, to its owner.",
                source=(
                    equals(names.LABEL_ALERTNAME, down),
                    equals(names.LABEL_SEVERITY, Tier.CRITICAL.value),
                    equals(names.LABEL_DOWN_GROUP, ""),
                    equals(names.LABEL_TEAM, relay.team),
                    equals(names.LABEL_SERVICE, relay.name),
                ),
                target=(
                    equals(names.LABEL_ALERTNAME, down),
                    equals(names.LABEL_TEAM, team),
                    Match(names.LABEL_SERVICE, "=~", "|".join(held)),
                    equals(names.LABEL_RELAY, label),
                ),
                equal=(),
            )
        )
    return rules
