"""Recording rules of the SLI kinds without event counts (time slices, freshness, one error-ratio expression)
and the freshness stale alert.

They record the same window series as event SLIs, so the burn, budget and missing-data alerts, the
dashboards and the generated alert tests read them unchanged: the "bad rate" of a window is its share of
bad slices (or its error ratio) and the "total rate" is 1 wherever the bad rate has a sample. With a total
of 1, `bad / total` is that share, and the coarse tier's `sum_over_time(bad) / sum_over_time(total)` is the
mean over the samples that exist, times the share of the window they cover (coarse_history.py): history the
rules never recorded counts as good slices, so one failed probe in a new 7d SLO's first hour is one slice of the
week, not 1/60 of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from compiler import conventions as names
from compiler.model import slice_queries
from compiler.model.burnrate import recorded_windows, recording_tiers
from compiler.model.groups import on_labels
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import Service, Slo
from compiler.model.units import format_duration
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.coarse_history import coarse_ratio_expr, since_expr
from compiler.targets.prometheus.rule_model import Rule, label_selector, record, series

__all__ = ["STALE_FOR_SECONDS", "UNCOUNTED_KINDS", "kind_records", "stale_expr", "stale_text"]

STALE_FOR_SECONDS = 0  # the age only grows until the next success: nothing to wait out
_COARSE_BASE = "5m"


def _own(service: Service, slo: Slo) -> dict[str, str]:
    return {names.LABEL_SERVICE: service.name, names.LABEL_SLO: slo.name}


def _bad(service: Service, slo: Slo, window: str) -> str:
    """The window's bad share: the mean of the recorded slice bits, or the error-ratio expression."""
    if slo.sli.kind in SLICE_KINDS:
        return f"avg_over_time({series(names.SLI_BAD_SLICE, _own(service, slo))}[{window}])"
    return slice_queries.error_ratio(slo.sli, window)


def kind_records(
    service: Service,
    slo: Slo,
    guards: Iterable[int] = (),
    sliced: Iterable[int] = (),
    bursts: Mapping[int, tuple[int, int]] | None = None,
) -> tuple[list[Rule], list[Rule]]:
    """(fast, coarse) recording rules, named as the event SLIs' ones; for time slices, the count of bad slices
    in each of the `guards` long windows (min_bad_events) and burst and long windows of the `bursts` (short
    window → (burst window, long window): model/burst_windows.burst_ends), of all slices in each `sliced`
    window (the windows that may end a held pair: counted_short.py), and whether each burst is over."""
    bursts = bursts or {}
    guards = {*guards, *(s for ends in bursts.values() for s in ends)}
    own = _own(service, slo)
    tiers = recording_tiers()
    fast: list[Rule] = []
    coarse: list[Rule] = []
    if slo.sli.kind in SLICE_KINDS:
        fast.append(record(names.SLI_BAD_SLICE, slice_queries.bad_slice(slo.sli), own))
        for seconds in sorted(guards):
            (coarse if tiers.is_coarse(seconds) else fast).append(_bad_slices(service, slo, format_duration(seconds)))
        for seconds in sorted(sliced):
            (coarse if tiers.is_coarse(seconds) else fast).append(_slices(service, slo, format_duration(seconds)))
    for seconds in recorded_windows(slo):
        if tiers.is_coarse(seconds):
            continue
        window = format_duration(seconds)
        labels = {**own, names.LABEL_WINDOW: window}
        bad = series(names.sli_errors_rate(window), own)
        total = series(names.sli_total_rate(window), own)
        fast.append(record(names.sli_errors_rate(window), _bad(service, slo, window), labels))
        fast.append(record(names.sli_total_rate(window), f"0 * {bad} + 1", labels))
        fast.append(record(names.sli_error_ratio(window), f"{bad}\n/\n({total} > 0)", labels))
    base = {**own, names.LABEL_WINDOW: _COARSE_BASE}
    bad_c, total_c = series(names.SLI_ERRORS_COARSE, own), series(names.SLI_TOTAL_COARSE, own)
    coarse.append(record(names.SLI_ERRORS_COARSE, _bad(service, slo, _COARSE_BASE), base))
    coarse.append(record(names.SLI_TOTAL_COARSE, f"0 * {bad_c} + 1", base))
    coarse_seconds = [seconds for seconds in recorded_windows(slo) if tiers.is_coarse(seconds)]
    selector = label_selector(own)
    since = names.SLI_COARSE_SINCE + selector
    coarse.append(record(names.SLI_COARSE_SINCE, since_expr(selector, max(coarse_seconds)), base))
    for seconds in coarse_seconds:
        window = format_duration(seconds)
        ratio = coarse_ratio_expr(bad_c, total_c, since, window, seconds)
        coarse.append(record(names.sli_error_ratio(window), ratio, {**own, names.LABEL_WINDOW: window}))
    for short, (burst, long) in sorted(bursts.items()):
        (coarse if tiers.is_coarse(long) else fast).append(_burst_over(service, slo, short, burst, long))
    return fast, coarse


def _burst_over(service: Service, slo: Slo, short: int, burst: int, long: int) -> Rule:
    """1 while the short window is clean and the long window holds no bad slice outside the burst window (the
    held pair's burst is over: model/burst_windows.py); absent otherwise. Read by the short window's slice gate
    (counted_short.sliced), where it shows as the highest ratio above: 1, so any clean short window ends the
    pair then."""
    own = _own(service, slo)
    window = format_duration(short)
    clean = f"({series(names.sli_error_ratio(window), own)} == 0) + 1"
    counts = (
        f"{series(names.sli_bad_slices(format_duration(long)), own)} <= ignoring ({names.LABEL_WINDOW}) "
        f"{series(names.sli_bad_slices(format_duration(burst)), own)}"
    )
    expr = f"{clean}\nand on ({on_labels(slo.by)})\n{counts}"
    return record(names.SLI_BURST_OVER, expr, {**own, names.LABEL_WINDOW: window})


def _bad_slices(service: Service, slo: Slo, window: str) -> Rule:
    """The bad slices in a long window, counted from the bits themselves (in the coarse tier's 5m means a bad
    slice is a share of a sample): the bits read every slice (`_per_slice`), so one failed scrape is one bad
    slice at any evaluation interval up to the slice, not one per evaluation (4 at 15s). Read every 5m for the
    1d and 3d windows: 4,320 steps of one series per 5m for 3d at 1m slices."""
    own = _own(service, slo)
    counted = f"sum_over_time({_per_slice(service, slo, window)})"
    return record(names.sli_bad_slices(window), counted, {**own, names.LABEL_WINDOW: window})


def _slices(service: Service, slo: Slo, window: str) -> Rule:
    """The slices in a window, good or bad: what a clean window can show (counted_short.py). Slices the bits
    were not recorded in (no data) are not counted."""
    own = _own(service, slo)
    counted = f"count_over_time({_per_slice(service, slo, window)})"
    return record(names.sli_slices(window), counted, {**own, names.LABEL_WINDOW: window})


def _per_slice(service: Service, slo: Slo, window: str) -> str:
    """The slice bits over `window` read once a slice (a subquery at the slice's step, aligned to it): each step
    takes the newest bit, so an evaluation interval of the slice or shorter gives the same counts."""
    return f"{series(names.SLI_BAD_SLICE, _own(service, slo))}[{window}:{format_duration(slo.slice_seconds)}]"


def stale_expr(slo: Slo) -> str:
    return slice_queries.stale(slo.sli)


def stale_text(service: Service, slo: Slo) -> tuple[str, str]:
    """(summary, description) of the freshness stale alert."""
    sli = slo.sli
    assert sli.gauge is not None and sli.gauge.selector is not None and sli.value is not None
    max_age = format_duration(int(sli.value))
    summary = f"{service.name}: the last {slo.name} success is more than {max_age} old"
    description = (
        f"The newest `{sli.gauge.selector.metric}` is {tmpl.DURATION} old (max_age {max_age}): the job has not "
        f"succeeded since. Every evaluation it stays late counts as a bad slice of the {slo.name} SLO."
    )
    return summary, description
