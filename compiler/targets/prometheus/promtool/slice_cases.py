"""Test cases for time-slice and freshness SLIs: the recorded slice bit, window share and count of bad slices
(the burn alerts' min_bad_events floor) from the raw gauge, and the freshness stale alert.

Burn and budget alerts of these SLIs are tested like every SLO's, on the recorded window series (slo_cases);
SLODataMissing with the gauge absent or present in slo_more_cases. Here the gauge itself is fed, one value
just on the good side of the condition and one just on the bad side (so `>` vs `>=` or a wrong number
fails a case). A freshness gauge is a unix timestamp: promtool's clock starts at 0, so a last success
`max_age + 60s` ago is the value `-(max_age + 60)`. Each case is its own test group: it feeds the gauge
the recording rules of the merged groups would also read.
"""

from __future__ import annotations

from decimal import Decimal

from compiler import conventions as names
from compiler.model import timestamps
from compiler.model.burnrate import recorded_windows
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import Service, SliKind, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, ExprCheck, Firing, InputSeries, firing
from compiler.targets.prometheus.promtool.chain import LOOKBACK
from compiler.targets.prometheus.promtool.series import constant, satisfy, selects
from compiler.targets.prometheus.promtool.slice_counts import counted
from compiler.targets.prometheus.rule_model import Rule, ServiceRules, series

_MARGIN = 3600  # seconds a freshness case's age stays away from max_age over the case's two steps
# op → (a good value, a bad value) as offsets from the condition's number: the bad one sits on the edge
_SIDES = {"==": (0, 1), "!=": (1, 0), ">=": (0, -1), ">": (1, 0), "<=": (0, 1), "<": (-1, 0)}


def _values(slo: Slo) -> tuple[Decimal, Decimal]:
    """(good, bad) gauge values at time 0."""
    sli = slo.sli
    assert sli.value is not None
    if sli.kind is SliKind.FRESHNESS:  # age = 0 - value
        return -(sli.value - _MARGIN), -(sli.value + 60)
    good, bad = _SIDES[sli.op]
    return sli.value + good, sli.value + bad


def _stale_firing(stale_rules: list[Rule], fed: InputSeries, value: Decimal, at: int) -> tuple[Firing, ...]:
    """Every stale alert the fed gauge sets off at `at`: another freshness SLO of the service may read the
    same timestamp with its own max_age (one alert name, told apart by the slo label)."""
    out = []
    for rule in stale_rules:
        slo = rule.source.slo if rule.source is not None else None
        gauge = slo.sli.gauge if slo is not None else None
        sel = gauge.selector if gauge is not None else None
        if slo is None or gauge is None or sel is None or sel.metric != fed.name:
            continue
        if not selects(sel.matchers, dict(fed.labels)):
            continue
        age = Decimal(at) - value / timestamps.scale(gauge)
        if age > (slo.sli.value or 0):
            out.append(firing(rule, float(age)))
    return tuple(out)


def slices_read(bits: tuple[int, ...], at: int, window: int, slice_seconds: int) -> int:
    """The slices a `[window:slice]` subquery at `at` finds a bit in (slo_kinds._per_slice), the bits recorded at
    `bits` (seconds) only: each step of the slice's grid in the window takes the newest bit at most the lookback
    (5m, both ends counted as in Prometheus 2.42) old, so a bit of a 30m step is read at 6 steps of 1m."""
    first = -(-(at - window) // slice_seconds) * slice_seconds
    steps = range(first, at + 1, slice_seconds)
    return sum(1 for s in steps if any(b <= s <= b + LOOKBACK for b in bits))


def _case(service: Service, slo: Slo, stale_rules: list[Rule], bad: bool, step: int) -> Case | None:
    sli = slo.sli
    assert sli.gauge is not None and sli.gauge.selector is not None
    labels = satisfy(sli.gauge.selector.matchers)
    if labels is None:
        return None
    good_value, bad_value = _values(slo)
    # fed in the gauge's own unit: a freshness timestamp in ms is scaled; a time slice's number is written in the
    # gauge's unit already (`probe_ms < 250` compares the raw gauge: scaled, 249 was fed as 249000, a bad slice)
    value = (bad_value if bad else good_value) * (timestamps.scale(sli.gauge) if sli.kind is SliKind.FRESHNESS else 1)
    gauge = InputSeries(sli.gauge.selector.metric, tuple(sorted(labels.items())), constant(value, 2))
    own = {names.LABEL_SERVICE: service.name, names.LABEL_SLO: slo.name}
    bit = 1.0 if bad else 0.0
    slice_bit = series(names.SLI_BAD_SLICE, own)
    exprs = [ExprCheck(at, slice_bit, ((slice_bit, bit),)) for at in (0, step)]
    # the shortest window's share of bad slices: every recorded slice is the same here
    # (5m, unless a low objective left out the pair it is recorded for: model/reachable_pairs.py)
    shortest = format_duration(min(recorded_windows(slo)))
    ratio, windowed = names.sli_error_ratio(shortest), {**own, names.LABEL_WINDOW: shortest}
    exprs.append(ExprCheck(step, series(ratio, own), ((series(ratio, windowed), bit),)))
    # the bad slices each burn pair's floor counts (min_bad_events): the slice steps that read the bits at 0 and
    # `step` within the window
    for seconds in counted(slo):
        count, labelled = (
            names.sli_bad_slices(format_duration(seconds)),
            {**own, names.LABEL_WINDOW: format_duration(seconds)},
        )
        slices = slices_read((0, step), step, seconds, slo.slice_seconds)
        exprs.append(ExprCheck(step, series(count, own), ((series(count, labelled), bit * slices),)))
    stale = next((r for r in stale_rules if r.source is not None and r.source.slo == slo), None)
    alerts: tuple[AlertCheck, ...] = ()
    if stale is not None:
        alerts = tuple(AlertCheck(at, stale.alert, _stale_firing(stale_rules, gauge, value, at)) for at in (0, step))
    what = f"{sli.gauge.selector.metric} = {decimal_text(value)}"
    if sli.kind is SliKind.FRESHNESS:
        age = format_duration(int(-value / timestamps.scale(sli.gauge)))
        what = f"last success {age} ago at 0 (max_age {format_duration(int(sli.value or 0))})"
    verdict = "bad slices" + (f", {stale.alert} fires" if stale else "") if bad else "good slices"
    if not bad and stale:
        verdict += f", {stale.alert} quiet"
    return Case(f"{slo.name}: {what}: {verdict}", step, (gauge,), alerts, tuple(exprs))


def slice_cases(service: Service, rules: ServiceRules, step: int) -> list[Case]:
    out = []
    stale_rules = [r for r in rules.alert_rules if r.source is not None and r.source.stale]
    for slo in service.slos:
        if slo.sli.kind not in SLICE_KINDS:
            continue
        for bad in (True, False):
            case = _case(service, slo, stale_rules, bad, step)
            if case is not None:
                out.append(case)
    return out
