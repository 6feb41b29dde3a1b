"""A relayed ServiceDown's margin over its relay's page (`relay:`), at 1m steps in the scrapes file.

The relay's page, held no longer than this page's written hold over the same `up`, can start up to an evaluation
interval after it (its group's phase) and a scrape later still; the held page waits two intervals past its written
hold (model/relays.py) so that it reads that page first. Here the relay's page (its ALERTS, fed) appears as late as
that margin allows, at the step the held page would fire: the page stays quiet. Held one interval past its hold
(round 50), it fired a step before the relay's page (e2e51 saw that margin shrink to 0.26 s live, at 1 s = 1 min).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.relays import down_hold, relay_page_labels
from compiler.model.types import AlertKind, Service
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries, steps_after
from compiler.targets.prometheus.promtool.key_common import check
from compiler.targets.prometheus.promtool.key_missing_cases import up_labels
from compiler.targets.prometheus.promtool.series import constant
from compiler.targets.prometheus.rule_model import ServiceRules

STEP = 60


def relay_gap_cases(service: Service, rules: ServiceRules) -> list[Case]:
    relay, hold = relay_page_labels(service), down_hold(service)  # the model's hold: the oracle, not the rule's `for`
    down = [
        r
        for r in rules.alert_rules
        if r.source is not None and r.source.kind is AlertKind.SERVICE_DOWN and not is_missing(r)
    ]
    if relay is None or hold is None or not down:
        return []
    late = steps_after(hold, STEP)  # the held page's first firing step: the relay's page arrives then, no earlier
    samples = late // STEP + 1
    series = (
        InputSeries("up", up_labels(service, "a"), constant(0, samples)),
        InputSeries("up", up_labels(service, "b"), constant(0, samples)),
        InputSeries(names.ALERTS_SERIES, tuple(sorted(relay.items())), f"_x{late // STEP} {constant(1, 1)}"),
    )
    checks = (
        check(down, late - STEP, lambda r: 0.0),  # a tier of a shorter hold fires before the relay's page: not held
        AlertCheck(late, down[0].alert, ()),  # the relay's page read at the step the held page would fire
    )
    title = f"{down[0].alert}: every instance reports up 0 and the relay's page comes a phase gap and a scrape late"
    return [Case(title, STEP, series, checks)]
