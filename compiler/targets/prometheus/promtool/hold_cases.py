"""One case per service that pins the holds of its key threshold alerts (`for` and `keep_firing_for`), in the
1m-step scrapes file, and one in the holds file for the holds a coarser grid pins as well (hold_grid.py).

The main file steps every 30 minutes, where a `for` of 5m, 15m or 30m all fire at the first step after 0 and a
`keep_firing_for` of 5m ends before the next one: a hold doubled, removed or cut passed every case there. Here each
alert's recorded signal breaches every tier's line from 0 for two minutes past its longest `for`, then drops under
every line; all signals at once, side by side (each alert reads its own). Each tier is checked one step before its
`for` ends and at it, and one step before its `keep_firing_for` ends and at it (at the drop and one step before,
without one), each end taken to the file's grid. Inputs stay at 1m on either grid. What fires at each check is
replayed from the inputs as Prometheus 2.42 keeps alert state (cases.fires_at).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from compiler import conventions as names
from compiler.model.types import AlertKind, Service, Slo
from compiler.model.units import decimal_text, format_duration, parse_duration
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.keyalerts import SIGNAL_WINDOW, UTILISATION_SIGNALS, error_rate_min_events
from compiler.targets.prometheus.promtool.cases import (
    AlertCheck,
    Case,
    Firing,
    InputSeries,
    fires_at,
    firing,
    off_ties,
)
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.hold_burn_cases import burn_holds, burn_units
from compiler.targets.prometheus.promtool.hold_feed import HoldFeed
from compiler.targets.prometheus.promtool.hold_grid import STEP, Admit, allowed_step, holds_step, up_to_grid
from compiler.targets.prometheus.promtool.key_common import ABOVE, BELOW, check
from compiler.targets.prometheus.promtool.key_common import signal as _signal
from compiler.targets.prometheus.promtool.key_common import threshold as _threshold
from compiler.targets.prometheus.promtool.key_missing_cases import up_series
from compiler.targets.prometheus.promtool.series import fed
from compiler.targets.prometheus.promtool.threshold_holds import threshold_holds, threshold_units
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.slo import slo_labels

_SIGNALS = {
    AlertKind.LATENCY_P99: names.SERVICE_LATENCY_P99,
    AlertKind.DISK: names.SERVICE_DISK,
    **UTILISATION_SIGNALS,
}


class _Kind:
    """One alert kind's tiers, its inputs (breaching every line, then under every line) and the value they show."""

    def __init__(self, service: Service, kind: AlertKind, rules: list[Rule], step: int) -> None:
        self.rules, self.step = rules, step
        lines = [_threshold(r) for r in rules]
        high, low = off_ties(max(lines) * ABOVE), min(lines) * BELOW
        # minutes the signal breaches: two steps past the longest `for`, ending on the grid
        self.breach = (2 + max(r.for_seconds for r in rules) // step) * step // STEP
        self.minutes = self.breach + up_to_grid(max(r.keep_firing_seconds for r in rules), step) // STEP + 1
        quiet = self.minutes - self.breach
        if kind is AlertKind.ERROR_RATE:
            # traffic a power of two (ratios stay exact) high enough that the quiet ratio still counts failures
            events, window, total = Decimal(error_rate_min_events()), parse_duration(SIGNAL_WINDOW), Decimal(1)
            while low * total * window < 2 * events:
                total *= 2
            bad, calm = (fed(v * total) for v in (high, low))
            self.series: tuple[InputSeries, ...] = (
                _signal(service, names.SERVICE_REQUESTS_RATE, f"{decimal_text(total)}+0x{self.minutes}"),
                _signal(service, names.SERVICE_ERRORS_RATE, _timeline(bad, calm, self.breach, quiet)),
            )
            self.value = float(bad) / float(total)
        else:
            values = _timeline(high, low, self.breach, quiet)
            self.series = (_signal(service, _SIGNALS[kind], values),)
            if names.SERVICE_LATENCY_EVIDENCE in rules[0].expr:  # the 3rd-slowest request as slow as the p99
                self.series += (_signal(service, names.SERVICE_LATENCY_EVIDENCE, values),)
            self.value = float(decimal_text(high))

    def times(self) -> set[int]:
        """The checks: one step before each tier's `for` ends and at it; one step before its `keep_firing_for`
        ends after the drop and at it (without one: the step before the drop and at it)."""
        drop, step = self.breach * STEP, self.step
        out: set[int] = set()
        for rule in self.rules:
            held, kept = up_to_grid(rule.for_seconds, step), drop + up_to_grid(rule.keep_firing_seconds, step)
            out |= {held - step, held, kept - step, kept}
        return {t for t in out if t >= 0}

    def fires(self, rule: Rule) -> Callable[[int], bool]:
        step = self.step
        holds = [m * step < self.breach * STEP for m in range(self.minutes * STEP // step + 1)]
        state = fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, step)
        return lambda at: state[at // step]


def _timeline(high: Decimal, low: Decimal, breach: int, quiet: int) -> str:
    """`high` at `breach` samples from 0, then `low` at the `quiet` samples after (promtool's `axn`: n + 1 samples)."""
    return f"{decimal_text(high)}x{breach - 1} {decimal_text(low)}x{quiet - 1}"


def _while_blind(rule: Rule) -> bool:
    """The latency page kept while an SLO is blind: it reads raw series, which this case does not feed."""
    return rule.source is not None and rule.source.key_alert is not None and rule.source.key_alert.while_blind


def _held(rule: Rule) -> bool:
    return bool(rule.for_seconds or rule.keep_firing_seconds) and not _while_blind(rule)


def hold_cases(service: Service, rules: ServiceRules) -> tuple[list[Case], list[Case], int]:
    """The scrapes file's 1m cases and the holds file's, with its step (hold_grid.py: none when every hold stays
    at 1m): in each, the holds it takes (ServiceDown, no target scraped at all, beside the others), then the SLOs'
    data-missing group (targets up and no SLI series at all) where its `for` goes."""
    units: list[list[Rule]] = [mine for mine in _by_kind(rules).values() if any(_held(r) for r in mine)]
    down = _down(rules)
    units += [down] if any(r.for_seconds for r in down) else []
    budgets = [r for _, low, spent in _budgets(rules) for r in (low, spent)]  # one unit: checks list every SLO's
    units += [budgets] if budgets else []
    units += burn_units(rules)
    units += threshold_units(rules)  # the spec's own threshold alerts
    missing = [r for r in rules.alert_rules if r.alert == names.SLO_DATA_MISSING and r.for_seconds]
    missing = missing if service.targets else []
    step = holds_step([*units, missing] if missing else units)

    def coarse(unit: Sequence[Rule]) -> bool:
        return step > STEP and allowed_step(unit) >= step

    fine, held = _holds(service, rules, STEP, lambda unit: not coarse(unit)), []
    if step > STEP:
        held = _holds(service, rules, step, coarse)
    if missing:
        (held if coarse(missing) else fine).append(_missing_case(service, missing, step if coarse(missing) else STEP))
    return fine, held, step


def every_hold_at(service: Service, rules: ServiceRules, step: int) -> list[Case]:
    """Every unit's holds evaluated every `step` (inputs at 1m): a declared interval's (interval_cases.py)."""
    return _holds(service, rules, step, lambda unit: True)


def _missing_case(service: Service, missing: list[Rule], step: int) -> Case:
    """SLODataMissing's holds: targets up and no SLI series at all, from 0."""
    samples = up_to_grid(max(r.for_seconds for r in missing), step) // STEP
    held = tuple(check(missing, at, lambda r: 1.0) for at in _edges(missing, step))
    title = f"holds: {names.SLO_DATA_MISSING}: targets up and no SLI series at all"
    return Case(title, STEP, (up_series(service, samples),), held)


def _by_kind(rules: ServiceRules) -> dict[AlertKind, list[Rule]]:
    by_kind: dict[AlertKind, list[Rule]] = {}
    for rule in rules.alert_rules:
        kind = rule.source.kind if rule.source is not None else None
        if kind is not None and (kind is AlertKind.ERROR_RATE or kind in _SIGNALS) and not is_missing(rule):
            by_kind.setdefault(kind, []).append(rule)
    return by_kind


def _down(rules: ServiceRules) -> list[Rule]:
    return [r for r in rules.alert_rules if _kind(r) is AlertKind.SERVICE_DOWN and not is_missing(r)]


def _holds(service: Service, rules: ServiceRules, step: int, admit: Admit) -> list[Case]:
    """The threshold alerts', ServiceDown's, the budget and the burn alerts' holds of the units `admit` takes,
    breaching at once, evaluated every `step` (inputs at 1m)."""
    feed = HoldFeed(rules)  # what the group feeds never clashes with what a rule of the file writes
    kinds = [_Kind(service, kind, mine, step) for kind, mine in _by_kind(rules).items() if any(map(_held, mine))]
    kinds = [one for one in kinds if admit(one.rules) and feed.admits(one.series)]
    checks = []
    for one in kinds:
        fires = {id(r): one.fires(r) for r in one.rules}
        for at in sorted(one.times()):
            fired = tuple(firing(r, one.value) for r in one.rules if not _while_blind(r) and fires[id(r)](at))
            checks.append(AlertCheck(at, one.rules[0].alert, fired))
    down = [r for r in _down(rules) if _absent_is_down(r)]
    if any(r.for_seconds for r in down) and admit(down):  # no `up` fed: nothing scraped, down from 0 on
        for at in _edges(down, step):
            checks.append(check(down, at, lambda r: 0.0))
    budget_series, budget_checks = _budget(service, rules, feed, step, admit)
    burn_series, burn_checks = burn_holds(service, rules, feed, step, admit)
    spec_series, spec_checks = threshold_holds(service, rules, feed, step, admit)
    checks += budget_checks + burn_checks + spec_checks
    if not checks:
        return _idle_down_holds(service, rules, step, admit)
    named = dict.fromkeys(c.alertname for c in checks)
    title = "holds: " + ", ".join(named) + " breach at once (nothing scraped), then drop"
    if step > STEP:
        title += f" (every {format_duration(step)})"
    fed = (*(s for k in kinds for s in k.series), *budget_series, *burn_series, *spec_series)
    return [Case(title, STEP, fed, tuple(checks)), *_idle_down_holds(service, rules, step, admit)]


def _absent_is_down(rule: Rule) -> bool:
    return rule.source is None or rule.source.key_alert is None or rule.source.key_alert.missing_fires


def _idle_down_holds(service: Service, rules: ServiceRules, step: int, admit: Admit) -> list[Case]:
    """ServiceDown of a service that scales to zero (`missing: ignore`): nothing scraped is idle, so its hold is
    pinned with two targets that report 0 from the start, in a case of their own (other alerts read `up`)."""
    down = [r for r in _down(rules) if not _absent_is_down(r)]
    if not any(r.for_seconds for r in down) or not admit(down):
        return []
    samples = up_to_grid(max(r.for_seconds for r in down), step) // STEP + 1
    fed = (up_series(service, samples, "a", 0), up_series(service, samples, "b", 0))
    checks = tuple(check(down, at, lambda r: 0.0) for at in _edges(down, step))
    title = f"holds: {down[0].alert} of a service that scales to zero: every target reports 0"
    if step > STEP:
        title += f" (every {format_duration(step)})"
    return [Case(title, STEP, fed, checks)]


_LOW, _SPENT = Decimal("0.125"), Decimal("-0.25")  # budget left: low, then spent (exact in binary)


def _low_share(line: Decimal) -> Decimal | None:
    """A budget share under SLOErrorBudgetLow's line and above 0, exact in binary: 0.125 halved until under it
    (a line of 10% never saw 0.125 as low). None for a line at 0 or under, where the alert cannot fire."""
    if line <= 0:
        return None
    share = _LOW
    while share >= line:
        share /= 2
    return share


def _budgets(rules: ServiceRules) -> list[tuple[Slo, Rule, Rule]]:
    """Each SLO's SLOErrorBudgetLow and SLOErrorBudgetExhausted, when both are there and one holds."""
    by_slo: dict[int, tuple[Slo, dict[str, Rule]]] = {}
    for rule in rules.alert_rules:
        source = rule.source
        if source is not None and source.slo is not None and source.budget:
            by_slo.setdefault(id(source.slo), (source.slo, {}))[1][source.budget] = rule
    out = []
    for slo, budget in by_slo.values():
        low, spent = budget.get("low"), budget.get("exhausted")
        if low is not None and spent is not None and (low.for_seconds or spent.for_seconds):
            out.append((slo, low, spent))
    return out


def _budget(
    service: Service, rules: ServiceRules, feed: HoldFeed, step: int, admit: Admit
) -> tuple[tuple[InputSeries, ...], list[AlertCheck]]:
    """Each SLO's remaining budget fed as recorded: low from 0 until its `for` has passed, then spent as long
    again. SLOErrorBudgetLow is checked a step before and at its `for`, and at the drop (no keep_firing_for);
    SLOErrorBudgetExhausted a step before and at its `for` after the drop."""
    series: list[InputSeries] = []
    states: list[tuple[Rule, Firing, list[bool]]] = []
    times: dict[str, set[int]] = {}
    budgets = _budgets(rules)
    if not admit([r for _, low, spent in budgets for r in (low, spent)]):
        budgets = []
    for slo, low, spent in budgets:
        share = _low_share(slo.alerting.budget_left)
        if share is None:
            continue
        drop = up_to_grid(low.for_seconds, step) // step + 1  # steps at the low share: one past its `for`
        end = drop + up_to_grid(spent.for_seconds, step) // step
        group = sample_group(slo)
        labels = tuple(sorted({**slo_labels(service, slo), **group}.items()))
        at_low, in_all = drop * step // STEP, end * step // STEP  # in 1m samples
        values = f"{decimal_text(share)}x{at_low - 1} {decimal_text(_SPENT)}x{in_all - at_low}"
        fed = InputSeries(names.SLO_BUDGET_REMAINING, labels, values)
        if not feed.admits((fed,)):
            continue
        series.append(fed)
        # which sample each evaluation reads, the latest at or before it: at a step under a minute the one before the
        # drop already reads the spent budget (a 30s platform: interval_cases.py)
        read = [m * step // STEP for m in range(end + 1)]
        for rule, shown, start, stop in ((low, share, 0, drop), (spent, _SPENT, drop, end + 1)):
            holds = [(minute < at_low) == (start == 0) for minute in read]
            fired = firing(rule, float(shown), group=group or None)
            states.append((rule, fired, fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, step)))
            held = start * step + up_to_grid(rule.for_seconds, step)
            times.setdefault(rule.alert, set()).update({held - step, held} | ({stop * step} if stop <= end else set()))
    checks = [
        AlertCheck(
            at,
            name,
            tuple(f for r, f, fires in states if r.alert == name and at // step < len(fires) and fires[at // step]),
        )
        for name, at_ in times.items()
        for at in sorted(at_)
    ]
    return tuple(series), checks


def _kind(rule: Rule) -> AlertKind | None:
    return rule.source.kind if rule.source is not None else None


def _edges(rules: list[Rule], step: int) -> list[int]:
    """One step before each rule's `for` ends, and at it (on the grid): the rules' condition holds from 0."""
    return sorted(
        {t for r in rules for t in (up_to_grid(r.for_seconds, step) - step, up_to_grid(r.for_seconds, step)) if t >= 0}
    )
