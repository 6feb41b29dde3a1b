"""The source's burn-rate window pairs beside obsc's catalog for the same period, and a note where they differ.

obsc's window catalogs are the fleet's one policy (a platform's `defaults.slo_alerts.windows` replaces one
per period), so an import keeps obsc's; an imported SLO that pages or tickets at another burn, or over other
windows, than its source did must say so, or on-call learns it from a page the source never sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from compiler.importers.source import Source
from compiler.model import burnrate
from compiler.model.reachable_pairs import reachable_pages
from compiler.model.scrape_windows import DEFAULT_SCRAPE_SECONDS
from compiler.model.units import decimal_text, format_duration
from compiler.spec.document import Path

DAY = 86400
_VERB = {"critical": "pages", "warning": "tickets"}


@dataclass(frozen=True, order=True)
class Pair:
    """One alert condition: both windows burn faster than `factor` times the budget."""

    tier: str  # critical (page) or warning (ticket)
    long_seconds: int
    short_seconds: int
    factor: Decimal
    hold_seconds: int | None = None  # the alert's `for:`; None where the note on holds says it instead

    def text(self) -> str:
        factor = decimal_text(round(self.factor, 4).normalize())
        said = f"{factor}x over {format_duration(self.long_seconds)}/{format_duration(self.short_seconds)}"
        return said if self.hold_seconds is None else f"{said} for {format_duration(self.hold_seconds)}"


# Sloth's two built-in catalogs (google-30d, google-28d) are the Workbook's shares: 2% of the budget in 1h
# (short 5m), 5% in 6h (30m) page; 10% in 1d (2h) and 10% in 3d (6h) ticket. Any other period needs a windows
# file (--slo-period-windows-path) that the spec does not name.
_SLOTH_SHARES = (
    ("critical", 3600, 300, Decimal("0.02")),
    ("critical", 21600, 1800, Decimal("0.05")),
    ("warning", DAY, 7200, Decimal("0.10")),
    ("warning", 3 * DAY, 21600, Decimal("0.10")),
)
SLOTH_PERIODS = (28 * DAY, 30 * DAY)

# Pyrra scales its 28d pairs with the objective's window (each duration rounded to the minute, a half up):
# 14x over window/672 (short /8064), 7x over /112 (/1344); tickets 2x over /28 (/336), 1x over /7 (/112).
# Its alerts hold (`for:`) window/20160 and /2688 (2m, 15m at 28d), tickets /672 and /224 (1h, 3h).
_PYRRA_DIVISORS = (
    ("critical", 672, 8064, 20160, Decimal(14)),
    ("critical", 112, 1344, 2688, Decimal(7)),
    ("warning", 28, 336, 672, Decimal(2)),
    ("warning", 7, 112, 224, Decimal(1)),
)


def sloth_pairs(period_seconds: int) -> tuple[Pair, ...] | None:
    """Sloth's pairs at this period; None where Sloth has no built-in catalog."""
    if period_seconds not in SLOTH_PERIODS:
        return None
    return tuple(
        Pair(tier, long_s, short_s, share * period_seconds / long_s) for tier, long_s, short_s, share in _SLOTH_SHARES
    )


def pyrra_pairs(period_seconds: int) -> tuple[Pair, ...]:
    """Pyrra's pairs, with their holds, for an objective of this window."""
    return tuple(
        Pair(
            tier,
            _to_minute(period_seconds, long_d),
            _to_minute(period_seconds, short_d),
            factor,
            _to_minute(period_seconds, hold_d),
        )
        for tier, long_d, short_d, hold_d, factor in _PYRRA_DIVISORS
    )


def _to_minute(period_seconds: int, divisor: int) -> int:
    """period / divisor rounded to whole minutes, a half minute up (as Go's Duration.Round)."""
    minutes = Decimal(period_seconds) / divisor / 60
    return int(minutes.to_integral_value(rounding="ROUND_HALF_UP")) * 60


def obsc_pairs(
    period_seconds: int, *, holds: bool = False, objective: Decimal | None = None
) -> tuple[Pair, ...] | None:
    """The pairs of obsc's built-in catalog for this period (None: shorter than every catalog), with their
    holds when `holds`, and the page lines lowered for `objective` when given (reachable_pairs.reachable_pages)."""
    found = burnrate.catalog_for(period_seconds)
    if found is None:
        return None
    if objective is not None:
        found = reachable_pages(found, period_seconds, (100 - objective) / 100)
    return tuple(
        Pair(
            w.tier.value,
            w.long_seconds,
            w.short_seconds,
            w.factor(period_seconds).normalize(),
            w.for_seconds if holds else None,
        )
        for w in found
    )


def catalog_text(period_seconds: int) -> str:
    """What obsc's built-in catalog for the period pages and tickets at ("" when the period has none)."""
    ours = obsc_pairs(period_seconds)
    return f"its built-in {format_duration(period_seconds)} catalog {_listed(list(ours))}" if ours else ""


def note_pairs(
    src: Source,
    path: Path,
    tool: str,
    period_seconds: int,
    theirs: tuple[Pair, ...] | None,
    objectives: Sequence[Decimal],
    named: str = "",
) -> None:
    """A note at `path` when obsc's pairs at this period are not the source's (`named`: where they come from, when
    not the tool's built-in catalog): what each pages and tickets at
    (only the pairs that differ), and how to keep the source's. Pairs are compared with their holds where the
    source's have them (Pyrra's tickets hold 1h and 3h at 28d, obsc's 5m), and as they can fire at the alerting
    SLOs' `objectives`: obsc leaves out a pair no outage reaches (a warning at the objective says so), and the
    source's such pair never fires."""
    # obsc lowers a page line past 25% for the objective: said for the one objective the SLOs share
    single = objectives[0] if objectives and len(set(objectives)) == 1 else None
    holds = theirs is not None and any(p.hold_seconds for p in theirs)
    ours = obsc_pairs(period_seconds, holds=holds, objective=single)
    if ours is None:
        return
    ours = _firing(ours, objectives, obsc=True)
    theirs = None if theirs is None else _firing(theirs, objectives, obsc=False)
    if theirs is not None and _same(ours, theirs):
        return
    period = format_duration(period_seconds)
    if theirs is None:
        known = " and ".join(format_duration(p) for p in sorted(SLOTH_PERIODS, reverse=True))
        said = f"{tool} has built-in burn windows only for {known} ({period} needs its windows file, not read here)"
    else:
        said = f"{named or tool} {_listed(_only(theirs, ours))}"
    lowered = single is not None and ours != obsc_pairs(period_seconds, holds=holds)
    at = f" at {decimal_text(single)}%" if lowered and single is not None else ""
    ours_said = f"obsc's built-in {period} catalog{at} {_listed(_only(ours, theirs or ()))}"
    if theirs is not None and any(p.factor < 1 for p in _only(theirs, ours)):
        # (obsc refuses such a row in a catalog, see windows.yaml: it would hold no fix to give)
        hint = "obsc has no factor below 1, which tickets an SLO on track to meet its objective"
    else:
        hint = (
            f"to keep {tool}'s, give them to the platform's defaults.slo_alerts.windows for {period} (every "
            f"{period} SLO uses that catalog)"
            + (", each with its `for:`" if theirs is not None and any(p.hold_seconds for p in theirs) else "")
            + _scrape_hint(theirs or ())
        )
    src.note(path, f"burn alerts at {period}: {said}; {ours_said}: {hint}")


def _scrape_hint(pairs: Sequence[Pair]) -> str:
    """A catalog window under two of Prometheus's default 1m scrapes is refused unless the platform says its
    targets are scraped faster (model/scrape_windows.py): say so beside the advice to copy it."""
    shortest = min((p.short_seconds for p in pairs), default=None)
    if shortest is None or shortest >= 2 * DEFAULT_SCRAPE_SECONDS:
        return ""
    return (
        f"; its {format_duration(shortest)} window holds two samples only if every target is scraped every "
        f"{format_duration(shortest // 2)} or faster: say so in slo_alerts.scrape_interval"
    )


def _firing(pairs: tuple[Pair, ...], objectives: Sequence[Decimal], *, obsc: bool) -> tuple[Pair, ...]:
    """The pairs that can fire at one of the objectives at least: a pair whose error-ratio line is 1 or more
    never fires. obsc also keeps such a pair where it is its tier's only hope (the SLO is then refused:
    model/reachable_pairs.py), so the note never lists a tier as silent that obsc would not compile."""

    def dead(pair: Pair, objective: Decimal) -> bool:
        budget = (100 - objective) / 100
        if pair.factor * budget < 1:
            return False
        return not obsc or any(o.tier == pair.tier and o.factor * budget < 1 for o in pairs)

    if not objectives:
        return pairs
    return tuple(p for p in pairs if not all(dead(p, objective) for objective in objectives))


def _same(ours: tuple[Pair, ...], theirs: tuple[Pair, ...]) -> bool:
    return sorted(ours) == sorted(theirs)


def _only(pairs: tuple[Pair, ...], other: tuple[Pair, ...]) -> list[Pair]:
    return sorted((p for p in pairs if p not in other), key=lambda p: (p.tier, p.long_seconds))


def _listed(pairs: list[Pair]) -> str:
    parts = []
    for tier in ("critical", "warning"):
        mine = [p.text() for p in pairs if p.tier == tier]
        if mine:
            parts.append(f"{_VERB[tier]} at {' and '.join(mine)}")
    return " and ".join(parts)
