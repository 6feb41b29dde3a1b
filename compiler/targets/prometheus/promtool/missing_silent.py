"""The silent-group branch of SLODataMissing (model/silent_groups.py), in the long file (12h steps over ten days:
the branch reads the SLI a day and a week back).

Groups of the split labels, each fed its SLI's total events (a latency SLI's `+Inf` and threshold buckets alike,
so no group lacks its bucket) at 1/s unless said, their series ending at 8d 02:00 unless said:
- `stays` until 9d 13:00, the other groups' traffic the branch asks for;
- `gone` at 0.0125/s, just over the line a second: the only group firing, at 9d (pending at 8d 12h: yesterday
  and a week ago busy, silent now), quiet at 8d (it reports) and 9d 12h (yesterday's span saw it end);
- `late` ending at 8d 00:30: yesterday's span at 9d holds 7 busy slots of 9, one short of the 8 asked;
- `young` starting at 1d 11:30: a week back at 8d 12h, 6 busy slots;
- `quiet-then`, 0.008/s from 6d (yesterday's spans sparse), and `quiet-before`, 0.008/s until 3d (a week back);
- at 10d 12h every group is silent: no group's branch fires (`stays` was busy then: the others' traffic decides).
Each moves exactly one comparison or operand of the branch over its line (the mutation sweep).
The offgrid file's case (`offgrid_silent_case`, off the quarter-hour: stopped_cases.py) has `stays` and `gone`
at 0.0125/s until 8d 00:45 but 0.008/s for the quarter-hour to 7d 13:00: pending at 8d 01:20, firing at 8d 13:25
(7 busy slots of the 8 its span holds there: one quiet slot allowed, as on a quarter-hour)."""

from __future__ import annotations

from compiler import conventions as names
from compiler.model import queries
from compiler.model.promql import Matcher
from compiler.model.promql_feed import single_rate
from compiler.model.silent_groups import silent_split
from compiler.model.types import Service, SliKind, Slo
from compiler.targets.prometheus.promtool.cases import LONG_STEP, OFFGRID_STEP, Case, ExprCheck, InputSeries
from compiler.targets.prometheus.promtool.counter_stretches import Stretch, stretch_values, targets_up
from compiler.targets.prometheus.promtool.series import exposed_le, satisfy
from compiler.targets.prometheus.rule_model import Rule, label_selector

_SCRAPE = 300  # seconds between samples: 3 in a 15m slot, as many as a rate needs and few for ten days
_H = 3600 // _SCRAPE  # samples an hour
_DAY = 24 * _H
_END = 10 * _DAY + 12 * _H
# (group, [(per second, first sample, last sample)]): a stretch of traffic each, samples from 0
_GROUPS: tuple[tuple[str, tuple[Stretch, ...]], ...] = (
    ("stays", ((1.0, 0, 9 * _DAY + 13 * _H),)),
    ("gone", ((0.0125, 0, 8 * _DAY + 2 * _H),)),
    ("late", ((1.0, 0, 8 * _DAY + _H // 2),)),
    ("young", ((1.0, _DAY + 11 * _H + _H // 2, 8 * _DAY + 2 * _H),)),
    ("quiet-then", ((1.0, 0, 6 * _DAY - 1), (0.008, 6 * _DAY, 8 * _DAY + 2 * _H))),
    ("quiet-before", ((0.008, 0, 3 * _DAY - 1), (1.0, 3 * _DAY, 8 * _DAY + 2 * _H))),
)
_PREFIX = "obsc-"
_QUIET = 7 * _DAY + 13 * _H  # the sample ending the one quiet slot of yesterday's span at 8d 13:25
_OFF_END = 8 * _DAY + 14 * _H
_OFFGRID = (
    ("stays", ((1.0, 0, _OFF_END),)),
    ("gone", ((0.0125, 0, _QUIET - 4), (0.008, _QUIET - 3, _QUIET - 1), (0.0125, _QUIET, 8 * _DAY + 9))),
)


def silent_case(service: Service, rules: list[Rule]) -> Case | None:
    """One case for every SLODataMissing rule of `rules` with a silent-group branch whose SLI's series obsc can
    write (free PromQL other than the rate of one counter it cannot); None without one, or when a rule left out
    reads a counter fed for another (it would fire unforeseen)."""
    times = (8 * 86400, 9 * 86400, 9 * 86400 + LONG_STEP, 10 * 86400 + LONG_STEP)
    return _silent(service, rules, _GROUPS, _END, tuple(zip(times, (False, True, False, False), strict=True)))


def offgrid_silent_case(service: Service, rules: list[Rule]) -> Case | None:
    """The same rules' case in the offgrid file: one quiet slot of yesterday's span off the quarter-hour."""
    times = (16 * OFFGRID_STEP, 17 * OFFGRID_STEP)
    return _silent(service, rules, _OFFGRID, _OFF_END, tuple(zip(times, (False, True), strict=True)))


def _silent(
    service: Service,
    rules: list[Rule],
    groups: tuple[tuple[str, tuple[Stretch, ...]], ...],
    end: int,
    firing_at: tuple[tuple[int, bool], ...],
) -> Case | None:
    branches = [r for r in rules if r.source and r.source.data_missing and r.source.slo and _split(service, r)]
    known = {id(r): _counters(service, r.source.slo) for r in branches if r.source and r.source.slo}
    watched = [r for r in branches if known[id(r)] is not None]
    fed = [known[id(r)] for r in watched]
    metrics = {metric for counters in fed for metric, _ in counters or ()}
    if not watched or any(m in r.expr for r in branches if r not in watched for m in metrics):
        return None
    labels = sorted({label for r in watched for label in _split(service, r)})
    series = targets_up(service, end)
    if series is None:
        return None
    for group, stretches in groups:
        values = stretch_values(stretches, _SCRAPE, end)
        for counters in fed:
            for metric, matchers in counters or ():
                found = satisfy([*matchers, *(Matcher(label, "=", _PREFIX + group) for label in labels)])
                if found is None:
                    return None
                series.append(InputSeries(metric, tuple(sorted(found.items())), values))
    alerts = " or ".join(
        f'{names.ALERTS_SERIES}{{alertname="{names.SLO_DATA_MISSING}",alertstate="firing",{label}=~"{_PREFIX}.+"}}'
        for label in labels
    )
    fired = tuple(sorted((_alert_text(r, {k: _PREFIX + "gone" for k in _split(service, r)}), 1.0) for r in watched))
    checks = tuple(ExprCheck(at, alerts, fired if fires else ()) for at, fires in firing_at)
    title = f"{names.SLO_DATA_MISSING}: a group busy a day and a week ago, silent while others report"
    return Case(title, _SCRAPE, tuple(series), (), checks)


def _split(service: Service, rule: Rule) -> tuple[str, ...]:
    return silent_split(service, rule.source.slo) if rule.source and rule.source.slo else ()


def _counters(service: Service, slo: Slo) -> list[tuple[str, tuple[Matcher, ...]]] | None:
    """The counters whose rate is the SLI's total events, with their matchers (the service's among them); None
    when obsc cannot tell (free PromQL other than the rate of one counter)."""
    sli, split = slo.sli, silent_split(service, slo)
    if sli.kind is SliKind.LATENCY and sli.latency and sli.latency.selector and sli.threshold_le is not None:
        sel = sli.latency.selector
        every = single_rate(f"rate({sel.render(sel.metric + '_bucket')}[5m])", ())
        if every is None:
            return None
        return [(every[0], (*every[1], Matcher("le", "=", le))) for le in ("+Inf", exposed_le(sli.threshold_le))]
    found = single_rate(queries.sli_rates(service, sli, "5m", split)[1], split)
    return [found] if found is not None else None


def _alert_text(rule: Rule, group: dict[str, str]) -> str:
    own = {"alertname": rule.alert, "alertstate": "firing", **dict(rule.labels), **group}
    return names.ALERTS_SERIES + label_selector(own)
