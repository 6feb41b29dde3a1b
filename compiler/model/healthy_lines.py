"""Inherited error-rate lines below the error budget of the SLO that counts the same requests.

A 95% SLO lets 5% of requests fail; the built-in ServiceHighErrorRate ticket fires above 1%. A steady 3% meets
the objective and still ticketed for as long as it lasted (a 0.5 req/s admin API at 95% over 7d, promtool, round
27): an alert that fires on a healthy SLO. A line the spec writes itself is its team's choice; an inherited one
(the built-in table, the platform's defaults) is said at the SLO, once per tier, with the line that fits.
"""

from __future__ import annotations

from compiler import conventions
from compiler.errors import Diagnostic
from compiler.model.types import AlertKind, Service, Tier
from compiler.model.units import percent_text

_ALERT = conventions.KEY_ALERT_NAMES[AlertKind.ERROR_RATE.value]


def inherited_lines_below_budget(service: Service) -> list[Diagnostic]:
    """A located warning per inherited error-rate tier whose line is below its SLO's error budget."""
    found = []
    slos = {slo.name: (index, slo) for index, slo in enumerate(service.slos)}
    for alert in service.key_alerts:
        if (
            alert.kind is not AlertKind.ERROR_RATE
            or alert.slo is None
            or alert.slo not in slos
            or alert.threshold is None
        ):
            continue
        if service.location.file and alert.location.file == service.location.file:
            continue  # the spec wrote this line itself
        index, slo = slos[alert.slo]
        if alert.threshold >= slo.error_budget:
            continue
        tier = Tier.CRITICAL.value if alert.demoted else alert.tier.value
        source = "the built-in table" if alert.location.file == "<defaults>" else f"platform defaults, {alert.location}"
        does = "pages" if alert.tier is Tier.CRITICAL else "tickets"
        budget = percent_text(slo.error_budget)
        found.append(
            Diagnostic(
                slo.location,
                ("slos", index),
                f"the {slo.name} SLO lets {budget} of requests fail, but {_ALERT} inherits a {tier} line of "
                f"{percent_text(alert.threshold)} ({source}): a steady error rate between the two meets the "
                f"objective and {does} for as long as it lasts; set alerts: {{error_rate: {{{tier}: {budget}}}}} "
                f"in this spec (or {tier}: false, or the line you mean)",
            )
        )
    return found
