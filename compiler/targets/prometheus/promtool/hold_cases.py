"""One case per service that pins the holds of its key threshold alerts (`for` and `keep_firing_for`), in the
1m-step scrapes file.

The main file steps every 30 minutes, where a `for` of 5m, 15m or 30m all fire at the first step after 0 and a
`keep_firing_for` of 5m ends before the next one: a hold doubled, removed or cut passed every case there. Here each
alert's recorded signal breaches every tier's line from 0 for two minutes past its longest `for`, then drops under
every line; all signals at once, side by side (each alert reads its own). Each tier is checked one step before its
`for` ends and at it, and one step before its `keep_firing_for` ends and at it (at the drop and one step before,
without one). What fires at each check is replayed from the inputs as Prometheus 2.42 keeps alert state
(cases.fires_at).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from compiler import conventions as names
from compiler.model.types import AlertKind, Service, Slo
from compiler.model.units import decimal_text, parse_duration
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
from compiler.targets.prometheus.promtool.hold_burn_cases import burn_holds
from compiler.targets.prometheus.promtool.hold_feed import HoldFeed
from compiler.targets.prometheus.promtool.key_common import ABOVE, BELOW, check
from compiler.targets.prometheus.promtool.key_common import signal as _signal
from compiler.targets.prometheus.promtool.key_common import threshold as _threshold
from compiler.targets.prometheus.promtool.key_missing_cases import up_series
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.slo import slo_labels

STEP = 60
_SIGNALS = {
    AlertKind.LATENCY_P99: names.SERVICE_LATENCY_P99,
    AlertKind.DISK: names.SERVICE_DISK,
    **UTILISATION_SIGNALS,
}


class _Kind:
    """One alert kind's tiers, its inputs (breaching every line, then under every line) and the value they show."""

    def __init__(self, service: Service, kind: AlertKind, rules: list[Rule]) -> None:
        self.rules = rules
        lines = [_threshold(r) for r in rules]
        high, low = off_ties(max(lines) * ABOVE), min(lines) * BELOW
        self.breach = 2 + max(r.for_seconds for r in rules) // STEP  # minutes the signal breaches
        self.minutes = self.breach + max(r.keep_firing_seconds for r in rules) // STEP + 1
        quiet = self.minutes - self.breach
        if kind is AlertKind.ERROR_RATE:
            # traffic a power of two (ratios stay exact) high enough that the quiet ratio still counts failures
            events, window, total = Decimal(error_rate_min_events()), parse_duration(SIGNAL_WINDOW), Decimal(1)
            while low * total * window < 2 * events:
                total *= 2
            bad, calm = ((v * total).quantize(Decimal("1e-15")).normalize() for v in (high, low))
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
        drop = self.breach * STEP
        out: set[int] = set()
        for rule in self.rules:
            out |= {rule.for_seconds - STEP, rule.for_seconds}
            out |= {drop + rule.keep_firing_seconds - STEP, drop + rule.keep_firing_seconds}
        return {t for t in out if t >= 0}

    def fires(self, rule: Rule) -> Callable[[int], bool]:
        holds = [m < self.breach for m in range(self.minutes + 1)]
        state = fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, STEP)
        return lambda at: state[at // STEP]


def _timeline(high: Decimal, low: Decimal, breach: int, quiet: int) -> str:
    """`high` at `breach` samples from 0, then `low` at the `quiet` samples after (promtool's `axn`: n + 1 samples)."""
    return f"{decimal_text(high)}x{breach - 1} {decimal_text(low)}x{quiet - 1}"


def _while_blind(rule: Rule) -> bool:
    """The latency page kept while an SLO is blind: it reads raw series, which this case does not feed."""
    return rule.source is not None and rule.source.key_alert is not None and rule.source.key_alert.while_blind


def _held(rule: Rule) -> bool:
    return bool(rule.for_seconds or rule.keep_firing_seconds) and not _while_blind(rule)


def hold_cases(service: Service, rules: ServiceRules) -> list[Case]:
    """The threshold alerts' group (with ServiceDown, no target scraped at all, beside them), then the SLOs'
    data-missing group: targets up and no SLI series at all."""
    by_kind: dict[AlertKind, list[Rule]] = {}
    for rule in rules.alert_rules:
        kind = rule.source.kind if rule.source is not None else None
        if kind is not None and (kind is AlertKind.ERROR_RATE or kind in _SIGNALS) and not is_missing(rule):
            by_kind.setdefault(kind, []).append(rule)
    feed = HoldFeed(rules)  # what the group feeds never clashes with what a rule of the file writes
    kinds = [_Kind(service, kind, mine) for kind, mine in by_kind.items() if any(_held(r) for r in mine)]
    kinds = [one for one in kinds if feed.admits(one.series)]
    checks = []
    for one in kinds:
        fires = {id(r): one.fires(r) for r in one.rules}
        for at in sorted(one.times()):
            fired = tuple(firing(r, one.value) for r in one.rules if not _while_blind(r) and fires[id(r)](at))
            checks.append(AlertCheck(at, one.rules[0].alert, fired))
    down = [r for r in rules.alert_rules if _kind(r) is AlertKind.SERVICE_DOWN and not is_missing(r)]
    if any(r.for_seconds for r in down):  # no `up` fed: nothing scraped, down from 0 on
        for at in _edges(down):
            checks.append(check(down, at, lambda r: 0.0))
    budget_series, budget_checks = _budget(service, rules, feed)
    burn_series, burn_checks = burn_holds(service, rules, feed)
    checks += budget_checks + burn_checks
    out = []
    if checks:
        named = dict.fromkeys(c.alertname for c in checks)
        title = "holds: " + ", ".join(named) + " breach at once (nothing scraped), then drop"
        fed = (*(s for k in kinds for s in k.series), *budget_series, *burn_series)
        out.append(Case(title, STEP, fed, tuple(checks)))
    missing = [r for r in rules.alert_rules if r.alert == names.SLO_DATA_MISSING and r.for_seconds]
    if missing and service.targets:
        samples = max(r.for_seconds for r in missing) // STEP
        held = tuple(check(missing, at, lambda r: 1.0) for at in _edges(missing))
        title = f"holds: {names.SLO_DATA_MISSING}: targets up and no SLI series at all"
        out.append(Case(title, STEP, (up_series(service, samples),), held))
    return out


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


def _budget(service: Service, rules: ServiceRules, feed: HoldFeed) -> tuple[tuple[InputSeries, ...], list[AlertCheck]]:
    """Each SLO's remaining budget fed as recorded: low from 0 until its `for` has passed, then spent as long
    again. SLOErrorBudgetLow is checked a step before and at its `for`, and at the drop (no keep_firing_for);
    SLOErrorBudgetExhausted a step before and at its `for` after the drop."""
    by_slo: dict[int, tuple[Slo, dict[str, Rule]]] = {}
    for rule in rules.alert_rules:
        source = rule.source
        if source is not None and source.slo is not None and source.budget:
            by_slo.setdefault(id(source.slo), (source.slo, {}))[1][source.budget] = rule
    series: list[InputSeries] = []
    states: list[tuple[Rule, Firing, list[bool]]] = []
    times: dict[str, set[int]] = {}
    for slo, budget in by_slo.values():
        low, spent = budget.get("low"), budget.get("exhausted")
        if low is None or spent is None or not (low.for_seconds or spent.for_seconds):
            continue
        share = _low_share(slo.alerting.budget_left)
        if share is None:
            continue
        drop = low.for_seconds // STEP + 1  # samples at the low share
        end = drop + spent.for_seconds // STEP
        group = sample_group(slo)
        labels = tuple(sorted({**slo_labels(service, slo), **group}.items()))
        values = f"{decimal_text(share)}x{drop - 1} {decimal_text(_SPENT)}x{end - drop}"
        fed = InputSeries(names.SLO_BUDGET_REMAINING, labels, values)
        if not feed.admits((fed,)):
            continue
        series.append(fed)
        for rule, shown, start, stop in ((low, share, 0, drop), (spent, _SPENT, drop, end + 1)):
            holds = [start <= m < stop for m in range(end + 1)]
            fired = firing(rule, float(shown), group=group or None)
            states.append((rule, fired, fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, STEP)))
            edges = {start * STEP + rule.for_seconds - STEP, start * STEP + rule.for_seconds}
            times.setdefault(rule.alert, set()).update(edges | ({stop * STEP} if stop <= end else set()))
    checks = [
        AlertCheck(
            at,
            name,
            tuple(f for r, f, fires in states if r.alert == name and at // STEP < len(fires) and fires[at // STEP]),
        )
        for name, at_ in times.items()
        for at in sorted(at_)
    ]
    return tuple(series), checks


def _kind(rule: Rule) -> AlertKind | None:
    return rule.source.kind if rule.source is not None else None


def _edges(rules: list[Rule]) -> list[int]:
    """One step before each rule's `for` ends, and at it: the rules' condition holds from 0."""
    return sorted({t for r in rules for t in (r.for_seconds - STEP, r.for_seconds) if t >= 0})
