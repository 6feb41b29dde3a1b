"""SLOTrafficStopped (model/stopped_traffic.py) in the long file (12h steps over ten days: it reads the SLI a day
and a week back).

One case per scenario and SLO with the alert whose total events obsc can write (the rate of one counter; a
latency SLI's `+Inf` bucket), at 0.125/s unless said (just over the 0.1/s line), the relay's `up` at 1 throughout
when it has one; checked at 8d, 9d and 9d 12h (firing at 9d needs the condition at 8d 12h too: the hold):
- `stops` at 8d 02:00: quiet at 8d (events), firing at 9d (yesterday and a week ago busy, nothing now), quiet at
  9d 12h (yesterday's span saw it end: a day later it stops by itself);
- `young`, from 1d 11:30 (a renamed metric's first week): a week back at 8d 12h it has 6 busy slots, quiet;
- `late`, ending at 8d 00:30: yesterday's span at 9d holds 7 busy slots of 9, one short of the 8 asked;
- `quiet-then`, 0.08/s from 6d (yesterday's spans under the line), and `quiet-before`, 0.08/s until 3d (a week
  back): quiet.
Each moves one comparison of the condition over its line (the mutation sweep). The 5m hold is not pinned: at
12h steps 5m and 10m read alike, and a week at 1m steps costs too much (a doubled `for` survives).

The long file evaluates on quarter-hours only (12h steps from 0), where a 2h span at 15m steps holds 9 slots;
anywhere else it holds 8 (round 39: a fixed `>= 8` asked every slot there). The offgrid file's cases
(`offgrid_cases`, at OFFGRID_STEP: 8d 01:20, then 8d 13:25) pin the count off the quarter-hour:
- `quiet-slot`, stopped at 8d 01:00, under the line (0.08/s) for the quarter-hour to 7d 13:00 alone: pending at
  8d 01:20 (8 busy slots of 8), firing at 8d 13:25 (7 of 8: one quiet slot allowed, as on a quarter-hour)."""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.down_groups import scales_to_zero
from compiler.model.promql import Matcher
from compiler.model.stopped_traffic import total_counter
from compiler.model.types import Service, SliKind
from compiler.targets.prometheus.promtool.cases import OFFGRID_STEP, AlertCheck, Case, InputSeries, firing
from compiler.targets.prometheus.promtool.counter_stretches import Stretch, stretch_values, targets_up
from compiler.targets.prometheus.promtool.series import satisfy, selects
from compiler.targets.prometheus.rule_model import Rule

_SCRAPE = 300  # seconds between samples: 3 in a 15m slot
_H = 3600 // _SCRAPE
_DAY = 24 * _H
_END = 10 * _DAY
_STOP = 8 * _DAY + 2 * _H
_OFF_END = 8 * _DAY + 14 * _H
_QUIET = 7 * _DAY + 13 * _H  # the sample ending the one quiet slot of yesterday's span at 8d 13:25
# (scenario, [(per second, first sample, last sample)], ALERTS at 8d, 9d and 9d 12h)
_SCENARIOS: tuple[tuple[str, tuple[Stretch, ...], tuple[bool, bool, bool]], ...] = (
    ("stops", ((0.125, 0, _STOP),), (False, True, False)),
    ("young", ((0.125, _DAY + 11 * _H + _H // 2, _STOP),), (False, False, False)),
    ("late", ((0.125, 0, 8 * _DAY + _H // 2),), (False, False, False)),
    ("quiet-then", ((0.125, 0, 6 * _DAY - 1), (0.08, 6 * _DAY, _STOP)), (False, False, False)),
    ("quiet-before", ((0.08, 0, 3 * _DAY - 1), (0.125, 3 * _DAY, _STOP)), (False, False, False)),
)
_CHECKED_AT = (8 * 86400, 9 * 86400, 9 * 86400 + 43200)
_OFFGRID: tuple[tuple[str, tuple[Stretch, ...], tuple[bool, ...]], ...] = (
    (
        "quiet-slot",
        ((0.125, 0, _QUIET - 4), (0.08, _QUIET - 3, _QUIET - 1), (0.125, _QUIET, 8 * _DAY + _H)),
        (False, True),
    ),
)
_OFFGRID_AT = (16 * OFFGRID_STEP, 17 * OFFGRID_STEP)  # 8d 01:20 and 8d 13:25


def stopped_cases(service: Service, rules: list[Rule]) -> list[Case]:
    """The long file's cases of every SLOTrafficStopped rule of `rules` whose total events obsc can write."""
    return _cases(service, rules, _SCENARIOS, _CHECKED_AT, _END)


def offgrid_cases(service: Service, rules: list[Rule]) -> list[Case]:
    """The offgrid file's cases (evaluated at OFFGRID_STEP) of the same rules."""
    return _cases(service, rules, _OFFGRID, _OFFGRID_AT, _OFF_END)


def _cases(
    service: Service,
    rules: list[Rule],
    scenarios: tuple[tuple[str, tuple[Stretch, ...], tuple[bool, ...]], ...],
    times: tuple[int, ...],
    end: int,
) -> list[Case]:
    """One case a scenario and counter fed. The series fed for one rule may be another's too (two SLOs over one
    counter): each rule whose counter selects it is expected firing."""
    fed = [(r, total_counter(service, r.source.slo)) for r in rules if r.source and r.source.stopped and r.source.slo]
    known = [(r, counter) for r, counter in fed if counter is not None]
    cases: list[Case] = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for _, (metric, matchers) in known:
        found = satisfy(list(matchers))
        if found is None:
            continue
        series = (metric, tuple(sorted(found.items())))
        if series in seen:
            continue
        seen.add(series)
        by = [r for r, counter in known if any(m == metric and selects(mine, found) for m, mine in _reads(r, counter))]
        slos = ", ".join(r.source.slo.name for r in by if r.source and r.source.slo)
        for scenario, stretches, fires in scenarios:
            values = InputSeries(metric, series[1], stretch_values(stretches, _SCRAPE, end))
            case = _case(service, by, slos, values, scenario, tuple(zip(times, fires, strict=True)), end)
            if case is None:
                return []
            cases.append(case)
    return cases


def _reads(rule: Rule, counter: tuple[str, tuple[Matcher, ...]]) -> list[tuple[str, tuple[Matcher, ...]]]:
    """The counters whose stop the rule sees: its total's, and for a latency SLI its histogram's `_count` too,
    which its traffic reads where a series has no `+Inf` bucket (queries.latency_count_rate). A spec whose
    `requests` is that `_count` (OpenTelemetry's histograms) fed it for the ratio SLO and its latency SLO fired as
    well, unexpected: the compile failed its own tests (round 40)."""
    metric, matchers = counter
    slo = rule.source.slo if rule.source else None
    if slo is None or slo.sli.kind is not SliKind.LATENCY or not metric.endswith("_bucket"):
        return [counter]
    return [counter, (metric.removesuffix("_bucket") + "_count", tuple(m for m in matchers if m.label != "le"))]


def _case(
    service: Service,
    rules: list[Rule],
    slos: str,
    fed: InputSeries,
    scenario: str,
    firing_at: tuple[tuple[int, bool], ...],
    end: int,
) -> Case | None:
    series = targets_up(service, end)
    if series is None:
        return None
    if series and scales_to_zero(service) and not service.relayed:
        # its target exists while it serves and is gone once it stops (no pod): the page's condition
        series = [InputSeries(s.name, s.labels, _present_while(fed.values)) for s in series]
    series.append(fed)
    fired = tuple(sorted((firing(r, 1.0) for r in rules), key=lambda f: f.labels))
    checks = tuple(AlertCheck(at, names.SLO_TRAFFIC_STOPPED, fired if fires else ()) for at, fires in firing_at)
    title = f"{names.SLO_TRAFFIC_STOPPED}: {slos}: {scenario} (events a day and a week ago, none now)"
    return Case(title, _SCRAPE, tuple(series), checks)


def _present_while(values: str) -> str:
    """`up` at 1 wherever the counter's promtool values have samples, absent where they have none."""
    return " ".join(part if part.startswith("_") else f"1x{part.rsplit('x', 1)[1]}" for part in values.split())
