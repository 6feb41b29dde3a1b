"""A total outage no `up` shows: the SLO's events stop while ServiceDown cannot see the service die.

ServiceDown reads the service's own scrape targets. With `targets: false` (an ingress, a service measured from
outside) there are none, and with `targets_via:` (a collector, a Pushgateway or a federation in front) `up` is the
relay's, which stays 1 while the service is dead (round 38: an OpenTelemetry cart and an ingress down for 40
minutes got SLODataMissing tickets and no page). There the page is SLOTrafficStopped: a critical SLO with no events
at all for STOPPED_WINDOW that was busy (MIN_RATE in every SLOT but one) from an hour before to an hour after this
time both yesterday and a week ago:
- a service idle every night or every weekend was idle then yesterday or a week ago: quiet;
- a renamed metric (the spec changed with it) has no week of history under its new name: quiet that first week;
- at MIN_RATE, STOPPED_WINDOW holds ~60 events: a natural lull to none has odds of e^-60;
- a relay's own outage is ServiceDown's (on the relay's `up`): the page waits for the relay's targets to be up.
A service that scales to zero (ServiceDown's `missing: ignore`) has the same blind spot when it never comes up: a
revision that never starts a pod leaves no target, ServiceDown reads that as idle, and its failing requests (at the
activator or the ingress) are counted by no pod (round 40: a morning with no pod paged nothing). There the page
fires only while no target of the service exists at all: a target that exists and reports 0 is ServiceDown's page.
Where ServiceDown watches the service's own targets otherwise, nothing is added: one outage, one page.
"""

from __future__ import annotations

import re

from compiler.model import queries
from compiler.model.down_groups import scales_to_zero
from compiler.model.promql import Matcher
from compiler.model.promql_feed import single_rate
from compiler.model.silent_groups import COUNTED_KINDS, SLOT, busy_slots, group_traffic
from compiler.model.types import Service, SliKind, Slo

STOPPED_WINDOW = "10m"  # no event at all this long, then held STOPPED_FOR_SECONDS: a page ~15 minutes in
STOPPED_FOR_SECONDS = 300
MIN_RATE = "0.1"  # events a second (6 a minute) in each slot of both baselines: busier than the silent groups'
YESTERDAY, LAST_WEEK = "23h", "6d23h"  # offsets of the span's end: it ends an hour after this time then

_PROBED = re.compile(r"\bprobe_[A-Za-z0-9_:]*")  # a blackbox exporter's series: its events are its probes


def pages_when_stopped(service: Service, slo: Slo) -> bool:
    """Whether the SLO gets SLOTrafficStopped: it pages, counts events, and no `up` shows this service die (nothing
    scrapes it, what is scraped is a relay, or no target at all reads as idle). Not for a prober's events: the
    prober stopping is not the service's outage, and a failing probe is the burn alerts' (the cdn-edge golden)."""
    blind = not service.targets or service.relayed or scales_to_zero(service)
    if not slo.alerting.critical or slo.sli.kind not in COUNTED_KINDS or not blind:
        return False
    return total_counter(service, slo) is not None and not _PROBED.search(group_traffic(service, slo, "5m", ()))


def total_counter(service: Service, slo: Slo) -> tuple[str, tuple[Matcher, ...]] | None:
    """The counter whose rate is the SLI's total events, with its matchers (a latency SLI's `+Inf` bucket); None
    for free PromQL other than the rate of one counter: the generated cases could not feed it, and an alert no
    case proves is not emitted (a limit: docs/slo-kinds.md)."""
    sli = slo.sli
    if sli.kind is SliKind.LATENCY:
        if not (sli.latency and sli.latency.selector):
            return None
        sel = sli.latency.selector
        every = single_rate(f"rate({sel.render(sel.metric + '_bucket')}[5m])", ())
        return None if every is None else (every[0], (*every[1], Matcher("le", "=", "+Inf")))
    return single_rate(queries.sli_rates(service, sli, "5m")[1], ())


def busy_then(service: Service, slo: Slo, offset: str) -> str:
    """1 when the SLO had MIN_RATE in all slots but one of the span that ends `offset` ago."""
    return busy_slots(group_traffic(service, slo, SLOT, ()), MIN_RATE, offset)


def stopped_expr(service: Service, slo: Slo, up: str | None) -> str:
    """The condition: busy around this time yesterday and a week ago, no event now (no series or rate 0); while
    the relay's targets (`up`, the service's `up{...}` selector; None for `targets: false`) report, or, for a
    service that scales to zero, while none of its targets exists."""
    now = group_traffic(service, slo, STOPPED_WINDOW, ())
    lines = [
        "(",
        busy_then(service, slo, YESTERDAY),
        "and on ()",
        busy_then(service, slo, LAST_WEEK),
        ")",
        "unless on ()",
        f"{now} > 0",
    ]
    if up is not None and not service.relayed:  # scales to zero: a target that exists is ServiceDown's
        lines += ["unless on ()", f"group({up})"]
    elif up is not None:
        lines += ["and on ()", f"sum({up}) > 0"]
    return "\n".join(lines)


def stopped_meaning(service: Service, slo: Slo) -> str:
    """The runbook's line: what the page means and what it needs before it can fire."""
    check = (
        "no target of it exists (it scales to zero, and no pod started): check why its revision has no pod and "
        "what sends it traffic."
        if service.targets and not service.relayed
        else "check the service, what sends it traffic, and the relay its metrics come through."
    )
    return (
        f"no {slo.name} events at all for {STOPPED_WINDOW} (then held {STOPPED_FOR_SECONDS // 60}m), while at least "
        "6 a minute came in every 15m of the two hours around this time both yesterday and a week ago. No `up` shows "
        f"this service die, so this is its page for a total outage: {check}"
    )


def stopped_text(service: Service, slo: Slo) -> tuple[str, str]:
    """(summary, description) of the alert."""
    summary = f"{service.name}: the {slo.name} SLO has had no events for {STOPPED_WINDOW}, a total outage"
    watched = (
        "nothing scrapes it (targets: false)"
        if not service.targets
        else "its scrape target is a relay whose `up` stays 1 when the service dies"
        if service.relayed
        else "it scales to zero, and no target of it exists: a revision that never started a pod looks idle"
    )
    description = (
        f"No {slo.name} events at all in the last {STOPPED_WINDOW}, while it had at least 6 a minute around this "
        f"time both yesterday and a week ago. ServiceDown cannot see this service ({watched}), so this is its page: "
        "the service (or everything in front of it) is down, or its requests are routed elsewhere. If traffic was "
        "moved on purpose or the metric was renamed without the spec, this pages until yesterday's same hours were "
        "quiet too (about a day): silence it and fix the spec."
    )
    return summary, description
