"""Cases for a young SLO's coarse windows: each reads its samples' ratio times the share of the window they cover
(targets/prometheus/coarse_history.py), so history the rules have not seen spent no budget.

An event SLI whose counters the raw-counter case can write shows it from raw counters (slo_cases.py, its coarse
windows checked at `seen_share`); every other SLI (time slices, freshness, an error-ratio expression, free PromQL)
gets the case below: the coarse tier's 5m samples fed as a 1% share from minute 0, first seen then. Its series carry
a LANE label of their own: a case beside it may feed the SLI's raw counters, whose coarse rates its rules record.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.burnrate import recorded_windows, recording_tiers
from compiler.model.types import Service, Slo
from compiler.model.units import format_duration
from compiler.targets.prometheus.coarse_history import COARSE_BASE_SECONDS, SINCE_GAP_INTERVALS
from compiler.targets.prometheus.promtool.cases import LANE, Case, ExprCheck, InputSeries, near
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.series import constant
from compiler.targets.prometheus.rule_model import label_selector, series
from compiler.targets.prometheus.slo import slo_labels

_SHARE = 0.01  # the fed samples' bad share: any share under every line, that the coverage then scales


def seen_share(at: int, step: int, seconds: int) -> float:
    """The share of a coarse window of `seconds` that the coarse tier's samples cover at minute `at`, from its
    first sample's 5m (coarse_history.py); 1 for a window of the fast tier. The first sample is the first
    evaluation with two raw samples (`step` seconds); evaluated further apart than SINCE_GAP_INTERVALS coarse
    intervals (the main test file's 30m), each evaluation reads the last one's as a gap and counts back one coarse
    interval per sample instead, as after a gap."""
    tiers = recording_tiers()
    if seconds < tiers.coarse_from_seconds:
        return 1.0
    since = step
    if step > SINCE_GAP_INTERVALS * tiers.coarse_interval_seconds:
        since = at * 60 - (at * 60 // step - 1) * tiers.coarse_interval_seconds
    return min(1.0, (at * 60 - since + COARSE_BASE_SECONDS) / seconds)


def young_case(service: Service, slo: Slo, step: int) -> Case:
    """The SLO's coarse windows one evaluation (`step`) after it was first seen: a 1% share of samples read as
    1% of the share of each window they cover, and the budget remaining accordingly."""
    own = {**slo_labels(service, slo), **sample_group(slo), LANE: "young"}
    base = tuple(sorted({**own, names.LABEL_WINDOW: "5m"}.items()))
    samples = step // 60
    inputs = (
        InputSeries(names.SLI_ERRORS_COARSE, base, constant(_SHARE, samples)),
        InputSeries(names.SLI_TOTAL_COARSE, base, constant(1, samples)),
        InputSeries(names.SLI_COARSE_SINCE, base, constant(0, samples)),
    )
    exprs = []
    coarse = [s for s in recorded_windows(slo) if recording_tiers().is_coarse(s)]
    for seconds in coarse:
        window = format_duration(seconds)
        shown = near(series(names.sli_error_ratio(window), own), _SHARE * _covered(step, seconds))
        exprs.append(ExprCheck(step, shown, ((label_selector({**own, names.LABEL_WINDOW: window}), 1.0),)))
    spent = _SHARE * _covered(step, slo.period_seconds) / float(slo.error_budget)
    remaining = near(series(names.SLO_BUDGET_REMAINING, own), 1 - spent)
    exprs.append(ExprCheck(step, remaining, ((label_selector(own), 1.0),)))
    title = f"{slo.name}: first seen {format_duration(step)} ago, its coarse windows read the share they cover"
    return Case(title, 60, inputs, (), tuple(exprs))


def _covered(at_seconds: int, window_seconds: int) -> float:
    """The share of a window covered at `at_seconds` by samples first seen at 0, from the first one's 5m."""
    return min(1.0, (at_seconds + COARSE_BASE_SECONDS) / window_seconds)
