"""ServiceDown's steady cases: one instance up while another reports 0 (quiet), and every instance of one group
down while another group reports (the group's alert fires, the service's does not).

Their `up` is written at the case's step. The main file's 30m step leaves 25 minutes between two samples past the
5m lookback, which the churn branch (service_down._churned) reads as moments with no target: it holds from the
first step its offset finds a sample, and a tier of 10-30m beside a 1h one (checked at 1h) fired there on a
service that was up all along (seeds 40, 104, 133, 183, 188 of tests/drawn_settings.py, round 48). The rule is
right (a target seen once in 30m is up at a sixth of the moments); the input was not. Where the main grid's gaps
would fire a tier by the last check, the cases run in the 1m scrapes file instead, where `up` is every scrape.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import conventions as names
from compiler.model.down_groups import down_groups
from compiler.model.types import AlertKind, Service
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.promtool.cases import MAIN_STEP, Case, InputSeries, hold_times, steps_after
from compiler.targets.prometheus.promtool.down_loop_cases import STEP as SCRAPE_STEP
from compiler.targets.prometheus.promtool.down_loop_cases import churns, loop_hold
from compiler.targets.prometheus.promtool.key_common import check
from compiler.targets.prometheus.promtool.key_missing_cases import up_labels
from compiler.targets.prometheus.promtool.series import constant
from compiler.targets.prometheus.rule_model import Rule, ServiceRules


def gaps_read_as_loop(service: Service, rules: list[Rule], step: int) -> bool:
    """Whether `up` sampled every `step` (over the 5m lookback) fires a churn tier by the steady cases' last check:
    the branch first holds at the step its offset (the loop's hold) reaches the sample at 0, and fires its `for`
    later."""
    last = max(hold_times(max(r.for_seconds for r in rules), step))
    return step > 300 and any(
        churns(service, r) and steps_after(steps_after(loop_hold(service, r), step) + r.for_seconds, step) <= last
        for r in rules
    )


def steady_cases(service: Service, rules: list[Rule], step: int) -> Iterator[Case]:
    """The steady cases of ServiceDown's `rules` (its tiers), evaluated every `step`."""
    times = hold_times(max(r.for_seconds for r in rules), step)
    samples = max(times) // step + 1

    def up(instance: str, value: int) -> InputSeries:
        return InputSeries("up", up_labels(service, instance), constant(value, samples))

    quiet = tuple(check(rules, at, lambda r: None) for at in times)
    yield Case(f"{rules[0].alert}: one instance up is enough", step, (up("a", 1), up("b", 0)), quiet)
    ruled = {m.label for m in service.targets}  # a regex on the label: made-up group names might not match it
    for split in (split for split in down_groups(service) if not ruled & set(split)):
        gone, kept = ({label: name for label in split} for name in ("obsc-gone", "obsc-kept"))

        def member(instance: str, group: dict[str, str], value: int) -> InputSeries:
            return InputSeries("up", up_labels(service, instance, group), constant(value, samples))

        lane = {**gone, names.LABEL_DOWN_GROUP: ", ".join(split)}
        fired = tuple(check(rules, at, lambda r: 0.0, lane=lane) for at in times)
        series = (member("a", gone, 0), member("b", gone, 0), member("c", kept, 1))
        yield Case(
            f"{rules[0].alert}: every instance of one {'/'.join(split)} down while others report", step, series, fired
        )


def scrape_steady_cases(service: Service, rules: ServiceRules) -> list[Case]:
    """The steady cases at the scrapes file's 1m step, for a service whose main grid cannot show them."""
    down = [
        r
        for r in rules.alert_rules
        if r.source is not None and r.source.kind is AlertKind.SERVICE_DOWN and not is_missing(r)
    ]
    if not down or not gaps_read_as_loop(service, down, MAIN_STEP):
        return []
    return list(steady_cases(service, down, SCRAPE_STEP))
