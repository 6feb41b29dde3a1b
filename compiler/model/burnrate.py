"""SLO math: error budget, burn-rate windows and factors, thresholds, time to exhaustion.

Generators only format these numbers. The window catalog is data (windows.yaml), checked on load.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

import yaml

from compiler.model.types import Slo, Tier
from compiler.model.units import decimal_text, format_duration, parse_duration, parse_percent


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow alert condition: both windows must burn faster than `factor`."""

    tier: Tier
    name: str  # fast / medium / slow / slowest: stable label value `burn_window`
    long_seconds: int
    short_seconds: int
    budget_share: Decimal
    for_seconds: int = 0  # how long both windows must burn before the alert fires

    @property
    def long(self) -> str:
        return format_duration(self.long_seconds)

    @property
    def short(self) -> str:
        return format_duration(self.short_seconds)

    def factor(self, period_seconds: int) -> Decimal:
        """Burn rate that spends `budget_share` of the budget within the long window."""
        return _factor(self.budget_share, period_seconds, self.long_seconds)

    def factor_text(self, period_seconds: int) -> str:
        """Factor rounded for humans and PromQL (13.44, 0.9333): exact to 1e-10 of a burn unit."""
        return _factor_text(self.budget_share, period_seconds, self.long_seconds)


# Every alert, test case, runbook and panel of every SLO asks for the same few factors: remember them.
@functools.lru_cache(maxsize=1024)
def _factor(budget_share: Decimal, period_seconds: int, long_seconds: int) -> Decimal:
    return budget_share * Decimal(period_seconds) / Decimal(long_seconds)


@functools.lru_cache(maxsize=1024)
def _factor_text(budget_share: Decimal, period_seconds: int, long_seconds: int) -> str:
    return decimal_text(round(_factor(budget_share, period_seconds, long_seconds), 10))


@functools.cache
def catalog() -> tuple[BurnWindow, ...]:
    text = resources.files("compiler.model").joinpath("windows.yaml").read_text(encoding="utf-8")
    rows = yaml.safe_load(text)["windows"]
    windows = tuple(
        BurnWindow(
            tier=Tier(row["tier"]),
            name=str(row["name"]),
            long_seconds=parse_duration(str(row["long"])),
            short_seconds=parse_duration(str(row["short"])),
            budget_share=parse_percent(str(row["budget_share"])),
            for_seconds=parse_duration(str(row.get("for", "0s"))),
        )
        for row in rows
    )
    _check_catalog(windows)
    return windows


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
    text = resources.files("compiler.model").joinpath("windows.yaml").read_text(encoding="utf-8")
    row = yaml.safe_load(text)["recording"]
    tiers = RecordingTiers(parse_duration(str(row["coarse_from"])), parse_duration(str(row["coarse_interval"])))
    if not 0 < tiers.coarse_interval_seconds <= 300:
        raise ValueError("windows.yaml: coarse_interval must be in (0, 5m]: the tier sums 5m rates, one per interval")
    return tiers


def recorded_windows(slo: Slo) -> tuple[int, ...]:
    """Every window the SLO's error ratio is recorded over: all catalog windows (whatever tiers alert,
    so dashboards always find them) and the SLO period; ascending, without duplicates."""
    seen = {s for w in catalog() for s in (w.long_seconds, w.short_seconds)} | {slo.period_seconds}
    return tuple(sorted(seen))


def _check_catalog(windows: tuple[BurnWindow, ...]) -> None:
    names = [w.name for w in windows]
    if len(set(names)) != len(names):
        raise ValueError("windows.yaml: window names must be unique")
    for w in windows:
        if not (0 < w.short_seconds < w.long_seconds):
            raise ValueError(f"windows.yaml: {w.name}: short window must be shorter than the long one")
        if not (0 < w.budget_share <= 1):
            raise ValueError(f"windows.yaml: {w.name}: budget share must be in (0, 100%]")


def windows_for(slo: Slo) -> tuple[BurnWindow, ...]:
    """The burn windows of the tiers the SLO alerts on."""
    enabled = {Tier.CRITICAL: slo.alerting.critical, Tier.WARNING: slo.alerting.warning}
    return tuple(w for w in catalog() if enabled.get(w.tier, False))


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
