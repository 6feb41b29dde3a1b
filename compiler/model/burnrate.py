"""SLO math: error budget, burn-rate windows and factors, thresholds, time to exhaustion.

Generators only format these numbers. The window catalogs are data (windows.yaml, one per period, and
a platform's `slo_alerts.windows`), checked on load: no pair may fire on an SLO that meets its objective.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from compiler.model.types import BurnWindow, Slo, Tier
from compiler.model.units import decimal_text, format_duration, parse_duration, parse_percent
from compiler.spec.files import SHIPPED_LOADER

__all__ = [
    "BurnWindow",
    "catalog",
    "catalog_for",
    "counterpart",
    "error_ratio_threshold",
    "parse_platform_catalogs",
    "recorded_windows",
    "recovery_windows",
    "uncapped",
    "windows_for",
]


Catalog = tuple[BurnWindow, ...]
Report = Callable[[tuple[str | int, ...], str], None]  # (path below the catalogs, message)
ONE = Decimal(1)


def parse_catalogs(raw: Mapping[str, Any], report: Report) -> dict[int, Catalog]:
    """Window catalogs keyed by period seconds, from `{period: [row, ...]}`; every refused row is reported
    (path, message) and left out. A row fires on a healthy SLO if its factor is below 1, so that is refused."""
    out: dict[int, Catalog] = {}
    for key, rows in raw.items():
        try:
            period = parse_duration(str(key))
        except ValueError as exc:
            report((str(key),), str(exc))
            continue
        windows: list[BurnWindow] = []
        for i, row in enumerate(rows or ()):
            window = _parse_row(row, period, _under(report, (str(key), i)))
            if window is None:
                continue
            if any(w.name == window.name for w in windows):
                report((str(key), i, "name"), f"window name {window.name!r} is used twice in the {key} catalog")
                continue
            windows.append(window)
        out[period] = bridged(windows)
    return out


def bridged(windows: Sequence[BurnWindow]) -> Catalog:
    """The pairs, each kept firing (`keep_firing_for`) long enough that its tier shows no gap when it stops
    while another pair of the tier holds its condition but is still pending: at least that pair's
    `handover_seconds`. A pair's own keep_firing_for is a floor. With one alert rule per pair, the gap would
    reach Alertmanager as a resolved notification and the next pair's firing as a new incident."""
    out = []
    for window in windows:
        others = (o for o in windows if o.tier is window.tier and o.name != window.name)
        needed = max((handover_seconds(o, window) for o in others), default=0)
        floor = (
            window.keep_firing_seconds if window.keep_firing_floor_seconds is None else window.keep_firing_floor_seconds
        )
        out.append(replace(window, keep_firing_seconds=max(needed, floor), keep_firing_floor_seconds=floor))
    return tuple(out)


def handover_seconds(starting: BurnWindow, stopping: BurnWindow) -> int:
    """The longest time, from the evaluation at which `stopping`'s condition breaks, until `starting` fires
    when its condition holds from that evaluation on (the smallest keep_firing_for of `stopping` that leaves no
    gap). In one rule group (both long windows in the same recording tier, see slo.py) both alerts are
    evaluated at the same instants, so `starting` fires by the evaluation `for` after: its `for` exactly (at
    that evaluation one resolves as the other fires; both are sent from it, milliseconds apart).
    Across groups, `starting`'s group first sees the condition up to one of its intervals later and fires on
    its own grid: its `for` rounded up to the coarse interval, plus that interval (the default evaluation
    interval is assumed to be at most the coarse one and to divide a fast-tier pair's `for`)."""
    tiers = recording_tiers()
    if tiers.is_coarse(starting.long_seconds) == tiers.is_coarse(stopping.long_seconds):
        return starting.for_seconds
    interval = tiers.coarse_interval_seconds
    return -(-starting.for_seconds // interval) * interval + interval


RowReport = Callable[[tuple[str, ...], str], None]


def _parse_row(row: Mapping[str, Any], period: int, report: RowReport) -> BurnWindow | None:
    try:
        long_s, short_s = parse_duration(str(row["long"])), parse_duration(str(row["short"]))
        share = parse_percent(str(row["budget_share"])) if "budget_share" in row else None
        fixed = Decimal(repr(row["factor"])) if "factor" in row else None
        window = BurnWindow(
            tier=Tier(str(row["tier"])),
            name=str(row["name"]),
            long_seconds=long_s,
            short_seconds=short_s,
            budget_share=share,
            fixed_factor=fixed,
            for_seconds=parse_duration(str(row.get("for", "0s"))),
            keep_firing_seconds=parse_duration(str(row.get("keep_firing_for", "0s"))),
        )
    except (KeyError, ValueError) as exc:
        report((), f"window pair not understood: {exc}")
        return None
    where = f"the {window.long}/{window.short} pair"
    if (share is None) == (fixed is None):
        report((), f"{where} needs exactly one of budget_share and factor")
    elif not 0 < short_s < long_s:
        report(("short",), f"{where}: the short window must be shorter than the long one")
    elif long_s > period:
        report(("long",), f"{where}: the long window is longer than the {format_duration(period)} period")
    elif share is not None and not 0 < share <= 1:
        report(("budget_share",), f"{where}: budget_share must be in (0%, 100%]")
    elif window.tier is Tier.INFO:
        report(("tier",), f"{where}: burn alerts page (critical) or ticket (warning); info is not a burn tier")
    elif window.factor(period) < ONE:
        what = "factor" if fixed is not None else "budget_share"
        report(
            (what,),
            f"{where} has factor {window.factor_text(period)} on a {format_duration(period)} period: below 1 it fires "
            "on an SLO that meets its objective; use a factor of at least 1"
            + (
                f" (a budget_share of at least {decimal_text(round(Decimal(long_s) / period * 100, 4))}%)"
                if share
                else ""
            ),
        )
    else:
        return window
    return None


def _under(report: Report, prefix: tuple[str | int, ...]) -> RowReport:
    return lambda field, message: report((*prefix, *field), message)


def _share_for_one(long_seconds: int, period_seconds: int) -> str:
    return decimal_text(round(Decimal(long_seconds) / period_seconds * 100, 4)) + "%"


def _load() -> dict[str, Any]:
    text = resources.files("compiler.model").joinpath("windows.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.load(text, Loader=SHIPPED_LOADER)
    return loaded


def _refuse(path: tuple[str | int, ...], message: str) -> None:
    raise ValueError(f"windows.yaml: catalogs.{'.'.join(map(str, path))}: {message}")


@functools.cache
def builtin_catalogs() -> dict[int, Catalog]:
    return parse_catalogs(_load()["catalogs"], _refuse)


@dataclass(frozen=True)
class PageLine:
    """How high a page pair's error-ratio line may be (windows.yaml `page_line`): at most `max_line`, by a factor
    lowered to no less than `min_factor` (reachable_pairs.reachable_pages)."""

    max_line: Decimal
    min_factor: Decimal


@functools.cache
def page_line() -> PageLine:
    row = _load()["page_line"]
    limits = PageLine(parse_percent(str(row["max_line"])), Decimal(repr(row["min_factor"])))
    if not (0 < limits.max_line < 1 and limits.min_factor >= 1):
        raise ValueError("windows.yaml: page_line: max_line must be in (0%, 100%) and min_factor at least 1")
    return limits


# A failure count read off a rate (rate x seconds) or a slice count lands a few ulps off its whole number
# (3 failures in the 3d window read 2.9999999999999996 at some evaluations), so a count compared with a whole
# number N is compared with N less this slack: far below one event, far above the floats' error.
COUNT_SLACK = Decimal("0.000001")


def count_floor(count: int | Decimal) -> Decimal:
    """The number a failure or event count of at least `count` is compared with (`>= count_floor(count)`)."""
    return Decimal(count) - COUNT_SLACK


# A count less one over a number (a page pair's start: counted_short.started_by_counted_short) subtracts this: at a
# tie (exactly as many failures less one as the line shows) it stays not over, as exact numbers say.
ONE_AND_SLACK = 1 + COUNT_SLACK


@functools.cache
def default_min_bad_events() -> int:
    return int(_load()["min_bad_events"])


def catalog_for(period_seconds: int, catalogs: Mapping[int, Catalog] | None = None) -> Catalog | None:
    """The catalog of the longest period not longer than `period_seconds` (None: the period is too short).

    A period between two catalogs is never laxer than the next one up: a row whose rescaled share would
    need a faster burn than its counterpart there (`counterpart`: the same tier and windows, not the same
    name) asks for takes that pair's factor. (The 1d catalog's shares are a day's: rescaled to 6d they paged
    at 72x, so a burn spending the whole budget in 8 hours only opened a ticket; the 7d catalog pages at
    3.36x.) A share row without a counterpart is refused at the SLO's period (`uncapped`)."""
    known = builtin_catalogs() if catalogs is None else catalogs
    fitting = [p for p in known if p <= period_seconds]
    if not fitting:
        return None
    lower = known[max(fitting)]
    longer = [p for p in known if p > period_seconds]
    if max(fitting) == period_seconds or not longer:
        return lower
    upper_period = min(longer)
    upper = known[upper_period]
    return tuple(_capped(row, period_seconds, _cap(row, lower, upper, upper_period)) for row in lower)


def counterpart(row: BurnWindow, lower: Catalog, upper: Catalog) -> BurnWindow | None:
    """The pair of `upper` (the next longer catalog) that bounds `row` of `lower`, by what the pair is, never by
    its name (a platform names its rows as it likes): the pair of the same tier over the same long window (the
    same short window first), else the one at the row's rank among its tier's pairs by long window (the tier's
    slowest when `upper` has fewer); None when `upper` has no pair of the tier."""
    theirs = _ranked(upper, row.tier)
    if not theirs:
        return None
    same_long = [w for w in theirs if w.long_seconds == row.long_seconds]
    if same_long:
        return next((w for w in same_long if w.short_seconds == row.short_seconds), same_long[0])
    rank = _ranked(lower, row.tier).index(row)
    return theirs[min(rank, len(theirs) - 1)]


def _ranked(windows: Catalog, tier: Tier) -> list[BurnWindow]:
    return sorted((w for w in windows if w.tier is tier), key=lambda w: (w.long_seconds, w.short_seconds))


def _capped(row: BurnWindow, period_seconds: int, cap: Decimal | None) -> BurnWindow:
    if cap is None or row.factor(period_seconds) <= cap:
        return row
    return replace(row, budget_share=None, fixed_factor=cap)


def _cap(row: BurnWindow, lower: Catalog, upper: Catalog, upper_period: int) -> Decimal | None:
    bound = counterpart(row, lower, upper)
    return None if bound is None else bound.factor(upper_period)


def parse_platform_catalogs(raw: Mapping[str, Any], report: Report) -> dict[int, Catalog]:
    """A platform's catalogs (parse_catalogs): every row checked, each mistake reported once."""
    return parse_catalogs(raw, report)


def uncapped(period_seconds: int, catalogs: Mapping[int, Catalog]) -> list[str]:
    """Why `period_seconds`, between two catalogs, cannot be served: a budget_share pair of the lower catalog
    whose tier the next longer catalog has no pair of, so nothing caps its rescaled factor (a 1d-sized share
    pages a 6d SLO at 72x). Asked per SLO period, not of the platform: a platform may well turn a tier off for
    its longer catalogs (tickets only from 2d) as long as no SLO's period falls in between."""
    fitting = [p for p in catalogs if p <= period_seconds]
    longer = [p for p in catalogs if p > period_seconds]
    if not fitting or not longer or max(fitting) == period_seconds:
        return []
    low, high = max(fitting), min(longer)
    return [
        f"the {format_duration(low)} catalog's {row.long}/{row.short} pair ({decimal_text(row.budget_share * 100)}% "
        f"of the budget) has no {row.tier.value} pair in the {format_duration(high)} catalog to cap its factor, "
        f"and a period between them rescales it (up to {row.factor_text(high)}x near {format_duration(high)}); "
        f"use a period of a catalog ({format_duration(low)} or {format_duration(high)}), or add a {row.tier.value} "
        f"pair to the platform's {format_duration(high)} catalog"
        for row in catalogs[low]
        if row.budget_share is not None and counterpart(row, catalogs[low], catalogs[high]) is None
    ]


def _period_or_none(text: str) -> int | None:
    try:
        return parse_duration(text)
    except ValueError:
        return None


def catalog(period_seconds: int = 30 * 86400) -> Catalog:
    """The built-in catalog that an SLO of this period uses."""
    found = catalog_for(period_seconds)
    if found is None:
        raise ValueError(f"no built-in window catalog for a period of {format_duration(period_seconds)}")
    return found


@dataclass(frozen=True)
class RecordingTiers:
    """Windows of at least `coarse_from_seconds` (and the period) are read from a tier evaluated every
    `coarse_interval_seconds`; shorter ones are raw rates at the default evaluation interval."""

    coarse_from_seconds: int
    coarse_interval_seconds: int

    def is_coarse(self, window_seconds: int) -> bool:
        return window_seconds >= self.coarse_from_seconds


@functools.cache
def recording_tiers() -> RecordingTiers:
    row = _load()["recording"]
    tiers = RecordingTiers(parse_duration(str(row["coarse_from"])), parse_duration(str(row["coarse_interval"])))
    if not 0 < tiers.coarse_interval_seconds <= 300:
        raise ValueError("windows.yaml: coarse_interval must be in (0, 5m]: the tier sums 5m rates, one per interval")
    return tiers


def recorded_windows(slo: Slo) -> tuple[int, ...]:
    """Every window the SLO's error ratio is recorded over: all catalog windows (whatever tiers alert,
    so dashboards always find them) and the SLO period; ascending, without duplicates."""
    seen = {s for w in slo.windows for s in (w.long_seconds, w.short_seconds)} | {slo.period_seconds}
    return tuple(sorted(seen))


def recovery_windows(recorded: Sequence[int], window: BurnWindow) -> tuple[int, ...]:
    """The fast-tier windows of `recorded` strictly between a pair's short and long windows, ascending. When
    the short window saw no events, the newest of these that did (else the long window) says whether the
    burn goes on: a batch whose last run was healthy is recovering, though its long window still holds the
    failed runs (slo.py `_short_window_holds`). Coarse windows are left out: the generated tests feed the
    coarse tier one value for every window, so a coarse step could not be told from the long window."""
    tiers = recording_tiers()
    low, high = window.short_seconds, window.long_seconds
    return tuple(s for s in sorted(recorded) if low < s < high and not tiers.is_coarse(s))


def windows_for(slo: Slo) -> tuple[BurnWindow, ...]:
    """The burn windows of the tiers the SLO alerts on."""
    enabled = {Tier.CRITICAL: slo.alerting.critical, Tier.WARNING: slo.alerting.warning}
    return tuple(w for w in slo.windows if enabled.get(w.tier, False))


def current_window(slo: Slo) -> BurnWindow | None:
    """The burn window that says "now": the shortest long window among the SLO's alert windows (None when it
    alerts on none). Dashboards and the recorded `slo:sli_error:ratio_current` read it."""
    windows = windows_for(slo)
    return min(windows, key=lambda w: w.long_seconds) if windows else None


def current_window_seconds(slo: Slo) -> int:
    """The range of `current_window`; the SLO period when it alerts on no burn window."""
    current = current_window(slo)
    return current.long_seconds if current else slo.period_seconds


def error_ratio_threshold(slo: Slo, window: BurnWindow) -> Decimal:
    """Error ratio above which the window burns too fast: factor × (1 − objective)."""
    return window.factor(slo.period_seconds) * slo.error_budget


def unreachable(slo: Slo, window: BurnWindow) -> bool:
    """True when even a total outage (error ratio 1) cannot reach the threshold."""
    return error_ratio_threshold(slo, window) >= 1


def all_windows_seconds(slo: Slo) -> tuple[int, ...]:
    """Every window an SLO's rules need (short and long), ascending, without duplicates."""
    seen = {s for w in windows_for(slo) for s in (w.long_seconds, w.short_seconds)}
    return tuple(sorted(seen))


def hours_to_exhaustion(budget_left: Decimal, burn_rate: Decimal, period_seconds: int) -> Decimal | None:
    """Hours until the remaining budget is spent at the current burn rate; None if not burning."""
    if burn_rate <= 0:
        return None
    return budget_left * Decimal(period_seconds) / burn_rate / 3600
