"""Services whose selector also matches another service's series.

Team pay's `api` on `{job: api}` and team pay-eu's `api-v2` on `{job: api, namespace: eu}`: every series of
api-v2 carries `job="api"`, so api's SLOs count api-v2's requests and failures (pay is paged for pay-eu's
incidents) and api's ServiceDown sums api-v2's targets into its own `up` (it cannot fire while api-v2 is up).
Found by the round 21 routing hunt. A warning, not an error: a monolith split into services on one job may mean
it. Only equality matchers are compared: a selector with a regex or a negation is not judged. Services on one job
told apart by their metrics' own labels (`http_requests_total{handler="cart"}` beside `{handler="pay"}`) share
targets, not series: their selectors are not said to overlap.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.promql import Matcher
from compiler.model.relays import relay_of
from compiler.model.types import Service


def overlaps(services: Sequence[Service]) -> list[str]:
    """One warning per service whose metrics' selector or targets' labels hold a subset of another
    service's equality matchers (so they match that service's series)."""
    found: list[str] = []
    by_name = {s.name: s for s in services}
    for kind, of in (("selector", _selector), ("targets", _targets)):
        keyed = [(service, pairs) for service in services if (pairs := of(service))]
        holders: dict[tuple[str, str], set[int]] = {}
        for index, (_, pairs) in enumerate(keyed):
            for pair in pairs:
                holders.setdefault(pair, set()).add(index)
        for index, (service, pairs) in enumerate(keyed):
            if kind == "targets" and _targets(service) == _selector(service):
                continue  # the same labels: said under `selector`
            wider = set.intersection(*(holders[pair] for pair in pairs)) - {index}
            if kind == "selector":
                wider = {i for i in wider if not _metrics_apart(service, keyed[i][0])}
            for other, other_pairs in sorted((keyed[i] for i in wider), key=lambda found: found[0].name):
                if kind == "targets" and _relay_handled(service, other, by_name):
                    continue
                found.append(_message(kind, service, pairs, other, other_pairs))
    return found


def _relay_handled(service: Service, other: Service, by_name: dict[str, Service]) -> bool:
    """One of the two is the other's relay and its page holds the other's back, or both are held by a relay's
    page (model/relays.py): neither pages ServiceDown for this outage, so their pair has nothing to warn of. Held
    by two relays of one `up` (two specs of one collector), the relays' double page is said of the relays' own
    pair and of each held service beside the relay it does not name (drawn settings seed 944, round 51: the pair
    of held services was told both page and to name a relay they both named)."""
    mine, theirs = relay_of(service, by_name), relay_of(other, by_name)
    return mine is other or theirs is service or (mine is not None and theirs is not None)


def _message(
    kind: str,
    service: Service,
    pairs: frozenset[tuple[str, str]],
    other: Service,
    other_pairs: frozenset[tuple[str, str]],
) -> str:
    if kind == "targets" and (service.relayed or other.relayed):
        return _relay_message(service, pairs, other)
    what = (
        f"its SLOs and key metrics count {other.name}'s series as its own"
        if kind == "selector"
        else f"its ServiceDown counts {other.name}'s targets as its own (it cannot fire while they are up)"
    )
    return (
        f"{service.location}: service {service.name} (team {service.team}) {kind} {_text(pairs)} also matches "
        f"service {other.name} (team {other.team}, {other.location.file}) {kind} {_text(other_pairs)}: {what}; "
        "add a label that tells them apart (namespace, cluster), or merge them if they are one service"
    )


def _relay_message(service: Service, pairs: frozenset[tuple[str, str]], other: Service) -> str:
    """Targets shared through a relay (`targets_via`: a collector, a Pushgateway, an ingress controller) are meant:
    telling them apart or merging the services (the advice above) does not fit. What it does mean: one relay down
    pages every service behind it, each to its own team (round 47, e2e47; promtool, round 48)."""
    both = service.relayed and other.relayed
    whose = "both name them a relay" if both else f"{(service if service.relayed else other).name} names them its relay"
    held, relay = (service, other) if service.relayed else (other, service)
    advice = (
        "where the fleet holds the service whose own targets these are, name it in each spec (relay: {service: ..., "
        "team: ...}): its page then holds theirs back"
        if both
        else f"say relay: {{service: {relay.name}, team: {relay.team}}} in {held.name}'s spec: {relay.name}'s page "
        f"then holds {held.name}'s back, one page to team {relay.team}"
    )
    return (
        f"{service.location}: service {service.name} (team {service.team}) targets {_text(pairs)} are also the "
        f"targets of service {other.name} (team {other.team}, {other.location.file}), and {whose} (targets_via): "
        f"when those targets are down, {service.name} and {other.name} each page ServiceDown, to team "
        f"{service.team} and team {other.team}, for one outage; {advice}"
    )


def _metrics_apart(service: Service, other: Service) -> bool:
    """Whether every series selector of `service` sets a label to another value than each of `other`'s
    selectors of that metric does (`handler="cart"`, `handler="pay"`): it reads none of their series. False
    for an expression (it reads the service selector as is) or a metric `other` does not declare."""
    theirs: dict[str, list[dict[str, str]]] = {}
    for metric in other.metrics:
        if metric.selector is not None:
            theirs.setdefault(metric.selector.metric, []).append(_values(metric.selector.matchers))
    for metric in service.metrics:
        if metric.selector is None or metric.selector.metric not in theirs:
            return False
        own = _values(metric.selector.matchers)
        if any(
            all(own.get(label, value) == value for label, value in values.items())
            for values in theirs[metric.selector.metric]
        ):
            return False
    return bool(service.metrics)


def _values(matchers: Sequence[Matcher]) -> dict[str, str]:
    return {m.label: m.value for m in matchers if m.op == "="}


def _selector(service: Service) -> frozenset[tuple[str, str]]:
    return _equalities(service.selector)


def _targets(service: Service) -> frozenset[tuple[str, str]]:
    return _equalities(service.targets)


def _equalities(matchers: Sequence[Matcher]) -> frozenset[tuple[str, str]]:
    """The equality matchers, or nothing when any matcher is of another kind (not judged)."""
    if not matchers or any(m.op != "=" for m in matchers):
        return frozenset()
    return frozenset((m.label, m.value) for m in matchers)


def _text(pairs: frozenset[tuple[str, str]]) -> str:
    return "{" + ", ".join(f'{label}="{value}"' for label, value in sorted(pairs)) + "}"
