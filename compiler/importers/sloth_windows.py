"""Sloth's windows files (`sloth.slok.dev/v1` `AlertWindows`, its `--slo-period-windows-path`): the burn pairs
Sloth pages and tickets at for one SLO period, replacing its built-in catalog for that period.

A Sloth repository keeps them beside its specs. Read as a spec, one failed the whole import; skipped, a team
that had tuned its windows was told its SLOs paged at Sloth's built-in burns. They are read here, so the
note on burn pairs compares obsc's catalog with the windows Sloth really used. obsc's catalog stays the fleet's
one policy (the note says how to give it the file's pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from compiler.errors import Location
from compiler.importers.burn_pairs import Pair
from compiler.importers.source import Source, shown
from compiler.model.units import format_duration, parse_duration
from compiler.spec.document import Path

API = "sloth.slok.dev/v1"
KIND = "AlertWindows"
_TIERS = (("page", "critical"), ("ticket", "warning"))
_SPEEDS = ("quick", "slow")


@dataclass(frozen=True)
class Windows:
    """One windows file's catalog: Sloth's pairs for `period_seconds`, and where the file says so."""

    period_seconds: int
    pairs: tuple[Pair, ...]
    at: Location

    def named(self) -> str:
        return f"Sloth's windows file ({self.at})"


def is_windows(data: Any) -> bool:
    return isinstance(data, dict) and data.get("apiVersion") == API and data.get("kind") == KIND


def read(src: Source) -> Windows | None:
    """The file's catalog, or None after located errors (Sloth refuses such a file too)."""
    src.take(("apiVersion",))
    src.take(("kind",))
    src.drop(("metadata",), "Kubernetes object metadata has no meaning for a windows catalog")
    spec: Path = ("spec",)
    src.enter(spec)
    period = _duration(src, (*spec, "sloPeriod"))
    pairs = []
    for key, tier in _TIERS:
        src.enter((*spec, key))
        for speed in _SPEEDS:
            pair = _pair(src, (*spec, key, speed), tier, period)
            if pair is not None:
                pairs.append(pair)
    if period is None or len(pairs) != len(_TIERS) * len(_SPEEDS):
        return None
    return Windows(period, tuple(pairs), src.at(spec))


def _pair(src: Source, path: Path, tier: str, period: int | None) -> Pair | None:
    """One alert condition: Sloth's factor is the budget share spent in the long window, times period/long."""
    if not isinstance(src.enter(path), dict):
        src.error(path, "a windows file needs errorBudgetPercent, shortWindow and longWindow here")
        return None
    share = _percent(src, (*path, "errorBudgetPercent"))
    short, long = _duration(src, (*path, "shortWindow")), _duration(src, (*path, "longWindow"))
    if share is None or short is None or long is None or period is None:
        return None
    if short >= long:
        src.error(
            (*path, "shortWindow"),
            f"the short window ({format_duration(short)}) must be shorter than the long one ({format_duration(long)})",
        )
        return None
    return Pair(tier, long, short, (share / 100 * period / long).normalize())


def _percent(src: Source, path: Path) -> Decimal | None:
    raw = src.take(path)
    try:
        value = Decimal(str(raw).strip()) if isinstance(raw, int | float | str) and not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 < value <= 100:
        src.error(path, f"errorBudgetPercent {shown(raw)} must be a number above 0 and at most 100")
        return None
    return value


def _duration(src: Source, path: Path) -> int | None:
    raw = src.take(path)
    try:
        seconds = parse_duration(str(raw)) if isinstance(raw, str) else 0
    except ValueError:
        seconds = 0
    if seconds <= 0:
        src.error(path, f"{shown(raw)} is not a duration like 30m or 30d")
        return None
    return seconds


def by_period(src_windows: list[tuple[Source, Windows]]) -> dict[int, Windows]:
    """The catalogs by period; two files for one period are an error naming both (which one Sloth used is
    not in the files)."""
    out: dict[int, Windows] = {}
    for src, windows in src_windows:
        first = out.setdefault(windows.period_seconds, windows)
        if first is not windows:
            src.error(
                ("spec", "sloPeriod"),
                f"a second windows file for {format_duration(windows.period_seconds)} (the first: {first.at}): "
                "import one of them",
            )
    return out
