"""Drawn incidents on a platform's own burn-window catalog, and `by:` SLOs with several groups burning (round 44).

Seeds from EXTENDED on (tests/drawn_incidents.py) may draw a catalog of their own pairs for the SLO's period
(`defaults.slo_alerts.windows`) and, for a `by:` SLO, three groups of which any non-empty set burns at once. The
promises are derived from the drawn pairs alone (README "SLO alert design": a pair fires when both its windows'
error ratios are over factor x budget, its long window holds `min_bad_events` failures and its short window stays
over the line without its newest failure, then its `for`; it keeps firing `keep_firing_for`, at least the bridge to
another pair of its tier; critical pages, warning tickets), per group:

- a burn of ratio r fires a tier by the first minute at which one of its pairs' conditions holds on the expected
  traffic (a partial burn taken a fifth weaker, so Poisson noise does not make the promise), plus the pair's
  `for`, the coarse interval where its long window is coarse, and 3 minutes of steps and extrapolation;
- a tier every pair of which has its line well over the burn's ratio, and a healthy group, never fires unless the
  drawn events themselves crossed a pair's lines (`noise_crossed`);
- a tier resolves within its longest long window after the burn stops, plus its keep_firing_for bound;
- a tier notifies once per incident where the burn is steady (an outage, or a partial burn far from every line of
  the tier with enough failures in each short window that no window reads healthy by chance)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler import conventions as names
from tests.drawn_incident_periods import SWEPT, platform_lines, scrape_lag, short_reach

if TYPE_CHECKING:
    from tests.drawn_incidents import Case

GROUPS = ["eu", "us", "ap"]
COARSE_FROM, COARSE_EVERY = 1440, 5  # windows.yaml `recording`: windows from 1d on are read every 5m
WINDOW_PAIRS = [(10, 2), (30, 3), (30, 5), (60, 5), (120, 10), (360, 30), (720, 60), (1440, 120), (4320, 360)]
FACTORS = [1, 1.5, 2, 3, 6, 10, 14.4, 30]
HOLDS = [0, 1, 2, 5, 15]
TIER_ALERT = {"critical": names.SLO_BURN_FAST, "warning": names.SLO_BURN_SLOW}
PAGE_LINE_CAP = 0.75  # windows.yaml page_line.max_line: drawn page lines stay under it (no factor lowered)


@dataclass(frozen=True)
class Pair:
    tier: str
    long: int  # minutes
    short: int
    factor: float
    hold: int  # `for`, minutes
    keep: int  # the row's keep_firing_for floor, minutes

    def row(self, i: int) -> str:
        keep = f", keep_firing_for: {self.keep}m" if self.keep else ""
        return (
            f"{{tier: {self.tier}, name: p{i}, long: {self.long}m, short: {self.short}m, factor: {self.factor}, "
            f"for: {self.hold}m{keep}}}"
        )

    @property
    def coarse(self) -> bool:
        return self.long >= COARSE_FROM


def draw_catalog(case: Case, r: random.Random) -> list[Pair]:
    """1-4 pairs a platform could write for the case's period: factor >= 1, the line under 75% on a page and
    under 100% on a ticket (so obsc lowers or leaves out none of them), windows shorter than the period."""
    period = {"1d": 1, "7d": 7, "14d": 14, "28d": 28, "30d": 30, "90d": 90}[case.period] * 1440
    pairs: list[Pair] = []
    for long, short in r.sample(WINDOW_PAIRS, r.randint(1, 4)):
        tier = r.choice(["critical", "critical", "warning"])
        cap = PAGE_LINE_CAP if tier == "critical" else 0.99
        factors = [f for f in FACTORS if f * case.budget <= cap]
        if long >= period or not factors:
            continue
        keep = r.choice([0, 0, 0, 10])
        pairs.append(Pair(tier, long, short, r.choice(factors), r.choice(HOLDS), keep))
    return pairs or [Pair("critical", 60, 5, 1.5, 2, 0)]


def platform(case: Case) -> str:
    lines = ["apiVersion: obsc/v1", "kind: Platform", "defaults:", "  slo_alerts:", *platform_lines(case)]
    if case.catalog:
        lines += ["    windows:", f"      {case.period}:"] + [
            f"        - {p.row(i)}" for i, p in enumerate(case.catalog)
        ]
    return "\n".join(lines) + "\n"


def draw_extension(case: Case, r: random.Random) -> None:
    """The round-44 options of seed `case.seed` (from a source of their own: earlier seeds draw as before)."""
    if r.random() < 0.75:
        case.catalog = draw_catalog(case, r)
    if case.kind == "grouped":
        case.groups = list(GROUPS)
        case.burning = tuple(sorted(r.sample(GROUPS, r.randint(1, 3)), key=GROUPS.index))
    if case.catalog and r.random() < 0.35:  # a steady partial burn past one drawn pair's line
        pair = r.choice(case.catalog)
        case.incident, case.minutes, case.gap = "partial", r.choice([90, 180]), (0, 0)
        case.k = min(1 / case.budget, pair.factor * r.choice([1.6, 2.5, 4]))


# -- the promises


def _per_minute(case: Case) -> list[float]:
    from tests.drawn_incidents import _traffic

    return [1.0 if case.kind == "slices" else _traffic(case, m) * 60 for m in range(case.length)]


def burn_ratio(case: Case) -> float:
    """The error ratio of the burning traffic (0 when the incident spends no budget)."""
    from tests.drawn_incidents import burns

    if not burns(case) or case.incident in ("flapping",):
        return 0.0
    return min(1.0, case.k * case.budget) if case.incident == "partial" else 1.0


def _window(per: list[float], case: Case, at: int, span: int, ratio: float) -> tuple[float, float]:
    """Expected (failures, events) in the `span` minutes before `at`: healthy traffic counted failure-free (it
    only makes a real burn cross sooner), the burn's minutes failing at `ratio` (a tenth of the traffic when
    clients back off)."""
    kept = 0.1 if case.incident == "outage_drop" else 1.0
    bad = total = 0.0
    for m in range(max(0, at - span), at):
        if case.start <= m < case.end:
            bad += per[m] * kept * ratio
            total += per[m] * kept
        else:
            total += per[m]
    return bad, total


def _long_ratio(case: Case, pair: Pair, at: int, bad: float, total: float) -> float:
    """The long window's error ratio as the rules read it: a coarse window (1d and up) of an SLO whose history is
    shorter than the window reads its ratio scaled by the share of the window the history covers (README, "Low
    traffic": `slo:sli_coarse:since_timestamp`, history the rules have not seen counts as no failures); the
    replay's history starts at minute 0."""
    ratio = bad / total if total else 0.0
    return ratio * min(1.0, (at + COARSE_EVERY) / pair.long) if pair.coarse else ratio


def _holds(case: Case, pair: Pair, per: list[float], at: int, ratio: float, starting: bool) -> bool:
    """Whether `pair`'s condition holds at minute `at` on the expected counts (`starting`: and its start clause)."""
    line = pair.factor * case.budget
    partial = case.incident == "partial"
    bad, total = _window(per, case, at, pair.long, ratio)
    sbad, stotal = _window(per, case, at, pair.short, ratio)
    need = case.min_bad + 3 * math.sqrt(case.min_bad) + 2  # Poisson: the drawn count may fall short of the mean
    if not (_long_ratio(case, pair, at, bad, total) > line and bad >= need):
        return False
    if not stotal:  # no events is no recovery: an empty short window holds a pending pair, starts none
        return not starting
    if not sbad / stotal > line or (partial and sbad < 10):
        return False
    lone = stotal * line <= 0.1  # LONE_FAILURE: one failure starts the pair
    return not starting or lone or sbad - 1 > stotal * line


def pair_promise(case: Case, pair: Pair, per: list[float]) -> int | None:
    """The minute by which `pair` fires on the case's burn, None where nothing sure can be promised: the first
    minute its condition starts and then holds through its `for`, plus the coarse interval and 3 minutes."""
    ratio = burn_ratio(case)
    if case.incident == "partial":
        ratio /= 1.25  # a fifth weaker: the promise must hold on noisy counts
    if ratio <= pair.factor * case.budget:
        return None
    for at in range(case.start + 1, case.end + 1):
        if not _holds(case, pair, per, at, ratio, starting=True):
            continue
        if all(_holds(case, pair, per, m, ratio, False) for m in range(at + 1, min(at + pair.hold + 1, case.length))):
            return at + pair.hold + (COARSE_EVERY if pair.coarse else 0) + 3 + scrape_lag(case)
    return None


def keep_bound(pairs: list[Pair]) -> int:
    """The longest keep_firing_for of a tier: a row's floor, or the bridge to another pair of the tier (its
    `for`, rounded up to the coarse interval plus one when the two pairs sit in different recording tiers)."""
    bridge = max((p.hold + 2 * COARSE_EVERY for p in pairs), default=0) if len(pairs) > 1 else 0
    return max([bridge] + [p.keep for p in pairs])


@dataclass
class Stream:
    """One group's (or the SLO's) firing minutes of one tier."""

    group: str
    tier: str
    fired: list[int]


def episodes(minutes: list[int]) -> list[tuple[int, int]]:
    from tests.drawn_incidents import _episodes

    return _episodes(minutes)


def noise_crossed(case: Case, group: str, pairs: list[Pair], fired: list[int]) -> bool:
    """Whether the drawn events themselves crossed one of `pairs`' lines (both windows, `min_bad` failures in the
    long one) shortly before the tier started: healthy noise at up to 0.99 of the budget rate may cross a 1x line."""
    first = fired[0]
    for pair in pairs:
        line = pair.factor * case.budget
        for at in range(max(1, first - pair.hold - 12), first + 2):  # an evaluation reads its own minute
            bad, ratio = realised_group(case, group, at, pair.long)
            if ratio > line and bad >= case.min_bad and realised_group(case, group, at, pair.short)[1] > line:
                return True
    return False


def realised_group(case: Case, group: str, minute: int, window: int) -> tuple[int, float]:
    seen = [p for p in case.events[group][max(0, minute - window) : minute] if p is not None]
    total, bad = sum(p[0] for p in seen), sum(p[1] for p in seen)
    return bad, bad / total if total else 0.0


def steady(case: Case, pairs: list[Pair], per: list[float]) -> bool:
    """Whether one notification can be asked of the tier: an outage, or a partial burn at least twice every line of
    the tier it crosses (and under half the others) with 10 expected failures in each short window."""
    if case.incident in ("outage", "crashloop", "outage_drop", "blip"):
        return not case.gap[1]
    if case.incident != "partial":
        return False
    ratio = burn_ratio(case)
    for pair in pairs:
        line = pair.factor * case.budget
        if line / 2 < ratio < 2 * line:
            return False
        quiet = min(per[case.start : case.end] or [0.0])
        if ratio > line and quiet * pair.short * ratio < 10:
            return False
    return True


def tier_violations(case: Case, seen: dict[int, dict[str, int]], pairs: list[Pair]) -> list[str]:
    """Every group's (or the SLO's) tiers against the promises derived from `pairs`."""
    per = _per_minute(case)
    out: list[str] = []
    for group in case.groups:
        burning = group in case.burning
        for tier, alert in TIER_ALERT.items():
            mine = [p for p in pairs if p.tier == tier]
            key = f"{alert}/{group}" if group else alert
            fired = [m for m in sorted(seen) if seen[m].get(key)]
            name = f"{group or 'slo'} {'page' if tier == 'critical' else 'ticket'}"
            out += _judge(case, name, group, burning, mine, fired, per)
    return out


def _judge(
    case: Case, name: str, group: str, burning: bool, mine: list[Pair], fired: list[int], per: list[float]
) -> list[str]:
    if not mine:
        return [f"{name} fired with no pair of its tier: {episodes(fired)}"] if fired else []
    ratio = burn_ratio(case) if burning else 0.0
    below = all(p.factor * case.budget > 1.3 * ratio for p in mine)
    spent = burning and case.incident == "flapping"
    if fired and below and not spent and not noise_crossed(case, group, mine, fired):
        return [f"{name} fired under every line of its tier ({ratio:.3g} burn): {episodes(fired)}"]
    if not burning:
        return []
    out = []
    promises = [p for p in (pair_promise(case, pair, per) for pair in mine) if p is not None]
    if promises and not case.gap[1] and min(promises) < case.length:
        due = min(promises)
        if not fired or fired[0] > due:
            out.append(f"{name} at {fired[0] if fired else 'never'}m, promised by {due}m")
    runs = episodes(fired)
    # an episode starting after the burn that the drawn events explain (a stray failure, or a bad slice of a
    # time-slice SLI, which has no start clause, while the long window still holds the burn) is a new alert
    # (as is one before it: a 1x line over a 30m/3m pair is crossed by noise at 0.9 of the budget rate)
    first = [r for r in runs if r[1] >= case.start][:1]
    stray = [
        r
        for r in runs
        if r not in first and (case.start <= r[0] < case.end or not noise_crossed(case, group, mine, [r[0]]))
    ]
    runs = sorted(first + stray)
    if len(runs) > 1 and steady(case, mine, per):
        out.append(f"{name} notified {len(runs)} times for one incident: {runs}")
    bound = case.end + max(p.long for p in mine) + keep_bound(mine) + COARSE_EVERY + 3 + scrape_lag(case)
    if runs and bound < case.length - 1 and runs[-1][1] + 1 > bound:
        out.append(f"{name} held until {runs[-1][1] + 1}m, past {bound}m")
    if case.seed >= SWEPT and mine[0].tier == "critical":
        out += short_reach(case, name, mine, runs, per)
    return out
