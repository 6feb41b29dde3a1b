"""The alert cases of a dense burst's end (round 47): an event-count page pair up whose short window is clean but
too thin to end it, whose burst window is too thin at its ratio to pass the density gate, and whose busiest 5m
decides (model/burst_windows.event_burst_peak, counted_short._dense_peak)."""

from __future__ import annotations

from decimal import Decimal

from compiler.model.burnrate import BurnWindow
from compiler.model.burst_windows import (
    EVENT_BURST_EVENTS,
    EVENT_BURST_PEAK_LEAST,
    EVENT_BURST_PEAK_SHARE,
    event_burst_peak,
)
from compiler.model.units import decimal_text, format_duration
from compiler.targets.prometheus.promtool.series import fed
from compiler.targets.prometheus.promtool.slo_pair_states import ABOVE, BELOW, counted_clean_state, shows
from compiler.targets.prometheus.promtool.slo_state import Burst, _State

# The burst window's ratio, times the line: over it (the held branch reads it: the pair holds where the burst is
# not over), and the clean short window's events at it show 1.6 failures, under the density gate's 2.
_BURST_AT = Decimal(2)


def peak_states(
    where: str,
    w: BurnWindow,
    line: Decimal,
    total: Decimal,
    steps: tuple[int, ...],
    burst: Burst,
    min_bad: int,
    recorded: tuple[int, ...],
) -> list[tuple[str, _State, bool]]:
    """(title, state, whether the page ends) of a page pair up with a burst whose end only its peak can tell: the
    long window at 1.25x the `line` holding F failures (5, or twice `min_bad`), every step clean and thin, the
    burst window at twice the line holding all F, the short window clean with events for 0.8 failures at the line.
    The busiest 5m (its recorded errors rate, fed as a constant) holds F (1.25x the share: the page ends), 0.8x
    the share (it holds), or where F may be 3 (`min_bad` at most 3), 2.7 of 3 (past the share, under the least:
    it holds). Kills the dense-burst operand dropped (its end), its comparisons flipped or its share or least
    dropped (its holds). `recorded`: the SLO's recorded windows, as the rule reads them: a catalog without the 5m
    window has no peak operand (seeds 10, 43, 164, 193, 198 of tests/drawn_settings.py: these cases expected
    the page to end where the rule, rightly without it, holds)."""
    if burst is None or BELOW / line < EVENT_BURST_EVENTS * ABOVE:
        return []
    window, long = burst
    peak = event_burst_peak(recorded, w.short_seconds, long)
    if peak is None or peak in steps:
        return []
    failures = Decimal(max(5, 2 * min_bad))
    share = EVENT_BURST_PEAK_SHARE
    cases = [(failures, failures, True, "every one"), (failures, failures * share * BELOW, False, "0.8x the share")]
    if min_bad <= EVENT_BURST_PEAK_LEAST:
        least = Decimal(EVENT_BURST_PEAK_LEAST)
        cases.append((least, least * Decimal("0.9"), False, f"0.9x the least {EVENT_BURST_PEAK_LEAST}"))
    out = []
    for held, busiest, ends, said in cases:
        state = counted_clean_state(w, line * ABOVE, total, steps, line, BELOW)
        state.totals[long] = fed(held / (line * ABOVE * long))
        for seconds in steps:
            state.ratios[seconds], state.totals[seconds] = Decimal(0), shows(BELOW, line, seconds)
        state.ratios[window], state.totals[window] = line * _BURST_AT, fed(held / (line * _BURST_AT * window))
        state.ratios[peak], state.totals[peak] = Decimal(1), fed(busiest / peak)
        verb = "stops" if ends else "fires"
        title = (
            f"{where} {w.long} at 1.25x holding {decimal_text(held)} failures, all in the {format_duration(window)} "
            f"(too thin for the density gate), its busiest {format_duration(peak)} holding {said} "
            f"({decimal_text(busiest)}), a clean {w.short} too thin to end it alone, alerting: {verb}"
        )
        out.append((title, state, ends))
    return out
