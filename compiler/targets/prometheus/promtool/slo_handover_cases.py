"""Test cases for the hand-over from one page or ticket pair to the other (keep_firing_for): the faster pair's
short window stops as the slower one's starts, and the tier stays firing. They feed each window's recorded
rates; the hand-overs of different SLOs share one group (slo_more_cases.py)."""

from __future__ import annotations

from decimal import Decimal

from compiler import conventions as names
from compiler.model.burnrate import (
    count_floor,
    error_ratio_threshold,
    recorded_windows,
    recording_tiers,
    recovery_windows,
)
from compiler.model.sli_kinds import SLICE_KINDS, UNCOUNTED_KINDS
from compiler.model.types import BurnWindow, Service, SliKind, Slo, Tier
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.counted_short import restart_floor, short_counted, start_counted
from compiler.targets.prometheus.promtool.cases import (
    AlertCheck,
    Case,
    Firing,
    InputSeries,
    fires_at,
    firing,
    off_ties_fed,
    side_by_side,
    steps_after,
)
from compiler.targets.prometheus.promtool.chain import LOOKBACK
from compiler.targets.prometheus.promtool.coarse_seen import history_start
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.series import constant
from compiler.targets.prometheus.promtool.slice_counts import counted
from compiler.targets.prometheus.promtool.slo_pair_states import STARTS_SHOWN
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.slo import since_recorded, window_labels

_DIGITS = Decimal("1e-15")


def _tier_pairs(rules: list[Rule], tier: Tier) -> list[tuple[Rule, BurnWindow]]:
    pairs = [
        (r, r.source.window)
        for r in rules
        if r.source is not None and r.source.window is not None and r.source.tier is tier
    ]
    return sorted(pairs, key=lambda p: p[1].long_seconds)


def _handed_back_under_floor(slo: Slo, pairs: list[tuple[Rule, BurnWindow]], tier: Tier, bad: Decimal) -> bool:
    """Whether a page pair's short window holds fewer failures (bad slices) at `bad` a second than its restart
    floor (counted_short.restart_floor). The pair taking a page back then starts only while the other pair's page
    is up (counted_short.paged_now), read from the previous evaluation (instant, lookback 5m): at the main file's
    30m steps that sample is out of sight, as it never is at a server's interval (at most 5m), and the case would
    show a gap the rule does not have. Such a case runs in the scrapes file, at 1m (`fine`)."""
    floor = restart_floor(slo.min_bad_events)
    if tier is not Tier.CRITICAL or not floor or slo.sli.kind is SliKind.ERROR_RATIO:
        return False
    return any(start_counted(w) and short_counted(w) and bad * w.short_seconds < floor for _, w in pairs)


def _runs(*runs: tuple[Decimal, int]) -> str:
    """Input values: each (value, samples) run in turn."""
    return " ".join(constant(value, samples - 1) for value, samples in runs if samples > 0)


def _short_runs(value: Decimal, after: int, back: int, end: int, back_too: bool, first: bool) -> str:
    """A short window's input at `value` while it burns (the first pair's until `after`, and from `back` with
    `back_too`; the second's in between), else 0."""
    zero, value = Decimal(0), value.normalize()
    if first:
        return (
            _runs((value, after), (zero, back - after), (value, end + 1 - back))
            if back_too
            else (_runs((value, after), (zero, end + 1 - after)))
        )
    if back_too:
        return _runs((zero, after), (value, back - after), (zero, end + 1 - back))
    return _runs((zero, after), (value, end + 1 - after))


def handover_case(
    service: Service, slo: Slo, rules: list[Rule], step: int, tier: Tier = Tier.WARNING, fine: bool = False
) -> Case | None:
    """Both long windows of the tier's two fastest pairs burn; the faster pair's short window stops as the slower
    one's starts: the tier stays firing across the hand-over (the faster pair's keep_firing_for covers the slower
    one's `for`). Then back, where the slower pair keeps firing too: its short window stops as the faster one's
    starts again, and the slower pair stays up until the faster one fires. `fine`: the case of a page whose
    restart floor its short windows cannot hold, at 1m steps (`_handed_back_under_floor`); None otherwise."""
    pairs = _tier_pairs(rules, tier)
    if len(pairs) < 2:
        return None
    (first, a), (second, b) = pairs[0], pairs[1]
    tiers = recording_tiers()
    if a.short_seconds == b.short_seconds or any(tiers.is_coarse(w.short_seconds) for w in (a, b)):
        return None
    if {a.short_seconds, b.short_seconds} & {a.long_seconds, b.long_seconds}:
        return None  # one window both stops (or starts) and burns throughout: no such hand-over exists
    if not first.keep_firing_seconds or first.keep_firing_seconds < second.for_seconds:
        return None
    back_too = bool(second.keep_firing_seconds) and second.keep_firing_seconds >= first.for_seconds
    high = off_ties_fed(max(error_ratio_threshold(slo, a), error_ratio_threshold(slo, b)) * Decimal("1.25"), _DIGITS)
    if high >= 1:
        return None
    total = Decimal(1)
    while slo.min_bad_events and high * total * min(a.long_seconds, b.long_seconds) < 2 * slo.min_bad_events:
        total *= 2
    # A time-slice, freshness or error-ratio SLI records its totals from its errors (`0 * bad + 1`): feeding
    # them too gave promtool two samples of one series ("duplicate sample for timestamp").
    derived = slo.sli.kind in UNCOUNTED_KINDS
    # Each short window that stops must hold events enough to end its pair (counted_short.py; else the
    # pair holds: another case): one failure at the line, twice over; and each that starts enough to start it
    # without its newest failure (STARTS_SHOWN at the line, counted_short.started_by_counted_short).
    # A time-slice page pair's start after the other pair's page counts bad slices less one the same way.
    slices = slo.sli.kind in SLICE_KINDS
    while (slices or not derived) and any(
        total * w.short_seconds * error_ratio_threshold(slo, w) < STARTS_SHOWN for _, w in pairs
    ):
        total *= 2
    bad = (high * total).normalize()
    if _handed_back_under_floor(slo, pairs, tier, bad) != fine:
        return None  # the main file's case, or the scrapes file's (1m): one of them
    start = steps_after(max(a.for_seconds, step), step)  # the first pair fires here
    switch = start + step  # the first pair's short window stops, the second's starts
    taken_at = switch + max(step, steps_after(second.for_seconds, step))  # the second pair fires by then
    back = taken_at + step  # the second pair's short window stops, the first's starts again
    returned_at = back + max(step, steps_after(first.for_seconds, step))  # the first pair fires again by then
    after, end = switch // step, (returned_at if back_too else taken_at) // step
    group = sample_group(slo)

    def window_series(seconds: int, values: str) -> list[InputSeries]:
        labels = tuple(sorted({**window_labels(service, slo, format_duration(seconds)), **group}.items()))
        errors = InputSeries(names.sli_errors_rate(format_duration(seconds)), labels, values)
        if derived:
            return [errors]
        return [errors, InputSeries(names.sli_total_rate(format_duration(seconds)), labels, constant(total, end))]

    # samples at 0, step, ... : the first pair's short window burns before `switch` (and from `back`), the
    # second's from `switch` (until `back`)
    # a time slice's windows record their share of bad slices, its guard their count (`total` slices a second)
    shown = high if slo.sli.kind in SLICE_KINDS else bad
    burning, zero = constant(shown, end), Decimal(0)
    middle, last = back // step - after, end + 1 - back // step
    first_short = (
        _runs((shown, after), (zero, middle), (shown, last))
        if back_too
        else _runs((shown, after), (zero, end + 1 - after))
    )
    second_short = (
        _runs((zero, after), (shown, middle), (zero, last))
        if back_too
        else _runs((zero, after), (shown, end + 1 - after))
    )
    inputs = [*window_series(a.short_seconds, first_short), *window_series(b.short_seconds, second_short)]
    for w in (a, b):
        if not tiers.is_coarse(w.long_seconds):
            inputs += window_series(w.long_seconds, burning)
    if any(tiers.is_coarse(w.long_seconds) for w in (a, b)):
        labels = tuple(sorted({**window_labels(service, slo, "5m"), **group}.items()))
        inputs.append(InputSeries(names.SLI_ERRORS_COARSE, labels, burning))
        if since_recorded(service, slo):
            inputs.append(history_start(labels, slo.period_seconds, constant(0, end)))
        if not derived:
            inputs.append(InputSeries(names.SLI_TOTAL_COARSE, labels, constant(total, end)))
    shorts = {a.short_seconds: (first_short, True), b.short_seconds: (second_short, False)}
    for seconds in counted(slo):
        labels = tuple(sorted({**window_labels(service, slo, format_duration(seconds)), **group}.items()))
        count = constant((bad * seconds).normalize(), end)
        if seconds in shorts:  # a page pair's start (counted_short.started_by_counted_short): its bad slices as fed
            count = _short_runs(bad * seconds, after, back // step, end, back_too, shorts[seconds][1])
            every = constant((total * seconds).normalize(), end)
            inputs.append(InputSeries(names.sli_slices(format_duration(seconds)), labels, every))
        inputs.append(InputSeries(names.sli_bad_slices(format_duration(seconds)), labels, count))
    value = float(decimal_text(bad)) / float(decimal_text(total))
    coarse_fed = any(tiers.is_coarse(w.long_seconds) for w in (a, b))
    returning = back // step if back_too else end + 1

    def fed(seconds: int) -> bool:
        """Whether a window has a ratio: fed with events (at `high`, or 0 for the two short windows)."""
        in_coarse = tiers.is_coarse(seconds) and coarse_fed
        return seconds in (a.short_seconds, b.short_seconds, a.long_seconds, b.long_seconds) or in_coarse

    def burns(seconds: int) -> list[bool]:
        """Whether a window is at `high` at each step (else 0, or not fed at all)."""
        if seconds == a.short_seconds:
            return [i < after or i >= returning for i in range(end + 1)]
        if seconds == b.short_seconds:
            return [after <= i < returning for i in range(end + 1)]
        return [fed(seconds)] * (end + 1)

    def short_holds(w: BurnWindow) -> tuple[list[bool], list[bool]]:
        """A pair's short window over the line; or, held: without a ratio (no events) and the newest window that
        has one, of its steps and its long window, burning (see slo.py). The second holds only an alert that
        is already up: a pair whose short window this case never feeds never fires in it."""
        if fed(w.short_seconds):
            return burns(w.short_seconds), []
        newest = next((s for s in recovery_windows(recorded_windows(slo), w) if fed(s)), w.long_seconds)
        return [False] * (end + 1), burns(newest) if fed(newest) else []

    def reach(w: BurnWindow) -> int:
        """How far back the pair's rule sees its own ALERTS sample (slo.py `_own_alerts`): the lookback delta,
        or the coarse tier's range one minute past its interval."""
        return tiers.coarse_interval_seconds + 60 if tiers.is_coarse(w.long_seconds) else LOOKBACK

    # Every pair of the tier, not only these two: a third one may read windows this case burns (its short window
    # one of their long ones). Each fires from its own condition, `for` and (derived) keep_firing_for; promtool
    # evaluates every group at every step, so the group a rule lives in does not matter.
    states: list[tuple[Firing, list[bool]]] = []
    for rule, w in pairs:
        line = float(w.factor_text(slo.period_seconds)) * float(decimal_text(slo.error_budget))
        if abs(value - line) <= 1e-9 * line:
            return None  # `high` sits on this pair's line: whether it fires is a matter of rounding
        floor = float(decimal_text(count_floor(slo.min_bad_events)))  # as the guard compares (slo.py)
        guarded = not slo.min_bad_events or float(decimal_text(bad)) * w.long_seconds >= floor
        over = value > line and guarded
        direct, fallback = short_holds(w)
        long = burns(w.long_seconds)
        holds = [over and x and y for x, y in zip(long, direct, strict=True)]
        reached = fallback and step <= reach(w)  # else the previous evaluation's ALERTS sample is out of sight
        held = [over and x and y for x, y in zip(long, fallback, strict=True)] if reached else []
        fires = fires_at(holds, rule.for_seconds, rule.keep_firing_seconds, step, held)
        states.append((firing(rule, value, group=group), fires))
    times = (start, switch, taken_at, back, returned_at) if back_too else (start, switch, taken_at)
    checks = [AlertCheck(at, first.alert, tuple(f for f, fires in states if fires[at // step])) for at in times]
    word = "page" if tier is Tier.CRITICAL else "ticket"
    title = f"{slo.name}: a {word} over {a.long}/{a.short} hands over to {b.long}/{b.short} without a gap"
    if back_too:
        title += " and back"
    return Case(title, step, tuple(inputs), tuple(checks))


def floored_handover_cases(service: Service, rules: ServiceRules, step: int) -> list[Case]:
    """The page hand-overs whose restart floor the short windows cannot hold, at `step` (the scrapes file's 1m:
    `handover_case`, `fine`), side by side."""
    found = []
    for slo in service.slos:
        mine = [r for r in rules.alert_rules if r.source is not None and r.source.slo is slo]
        found.append(handover_case(service, slo, mine, step, Tier.CRITICAL, fine=True))
    return side_by_side([case for case in found if case is not None])
