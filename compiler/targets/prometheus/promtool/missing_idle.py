"""The idle branch of SLODataMissing (a raw SLI's `idle_while`, model/raw_windows.py): a total without series is an
idle service while the idle series exists and the total had series within the lookback.

Two cases, each a group of its own (the branch reads a day back), for each SLO whose series obsc can write (every
selector of its total and its idle series satisfiable, the total reading only those, no group): the idle series
throughout and the total fed at first, then gone: quiet long after its windows and the hold have passed (an alert
without the guard fires); and the idle series throughout with no total ever: firing (a guard that asks only for
the idle series is quiet there). The case with neither series is the data-missing scenarios' own.
"""

from __future__ import annotations

from collections.abc import Sequence

import promql_parser as pp

from compiler import conventions as names
from compiler.model import promql_tree
from compiler.model.promql import Matcher
from compiler.model.promql_check import selectors
from compiler.model.promql_yields import yields_with
from compiler.model.types import Service, Slo
from compiler.model.units import parse_duration
from compiler.targets.prometheus.promtool.cases import Case, ExprCheck, InputSeries, steps_after
from compiler.targets.prometheus.promtool.series import satisfy
from compiler.targets.prometheus.rule_model import Rule, label_selector
from compiler.targets.prometheus.slo_missing import PROBE_WINDOW, sli_presence

_SCRAPE = 60
_FED = 20 * 60  # the total's samples until here


def idle_cases(service: Service, rules: Sequence[Rule], step: int) -> list[Case]:
    """The two cases for each SLODataMissing rule of `rules` whose SLO has `idle_while` and series obsc can write."""
    out: list[Case] = []
    up = satisfy(service.targets) if service.targets else {}
    for rule in rules:
        slo = rule.source.slo if rule.source is not None and rule.source.data_missing else None
        if slo is None or slo.sli.raw_idle_while is None or slo.by or up is None:
            continue
        fed = _fed(service, slo)
        if fed is not None:
            out.extend(_cases(rule, fed, up, step))
    return out


def _fed(service: Service, slo: Slo) -> tuple[InputSeries, list[tuple[str, dict[str, str]]], int] | None:
    """(the idle series, the total's series, the total's longest offset in seconds), or None where obsc cannot
    write series its selectors read, or be sure that the total reads them."""
    idle_text, presence = slo.sli.raw_idle_while or "", sli_presence(service, slo)
    try:
        idle, total = promql_tree.parse(idle_text), selectors(promql_tree.parse(presence))
    except ValueError:
        return None
    if not isinstance(idle, pp.VectorSelector) or not idle.name:  # (model/raw_windows.py refuses any other)
        return None
    idle_labels = satisfy(_matchers(idle))
    total_series = [(s.name, satisfy(_matchers(s))) for s in total]
    if idle_labels is None or any(labels is None or not name for name, labels in total_series):
        return None
    every = [(name, labels) for name, labels in total_series if labels is not None]
    if not yields_with(presence, every):
        return None
    offsets = [int(s.offset.total_seconds()) for s in total if s.offset is not None]
    series = InputSeries(idle.name, tuple(sorted(idle_labels.items())), "1+0x{samples}")
    return series, every, max(offsets, default=0)


def _matchers(selector: pp.VectorSelector) -> tuple[Matcher, ...]:
    ops = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
    return tuple(
        Matcher(m.name, ops[str(m.op).rsplit(".", 1)[-1]], m.value)
        for m in selector.matchers.matchers
        if m.name != "__name__"
    )


def _cases(
    rule: Rule, fed: tuple[InputSeries, list[tuple[str, dict[str, str]]], int], up: dict[str, str], step: int
) -> list[Case]:
    idle, total, offset = fed
    # the total's probe window is empty from its last sample plus the offset and the window; then the hold
    gone = _FED + offset + parse_duration(PROBE_WINDOW) + _SCRAPE
    at = steps_after(gone + rule.for_seconds + step, step)
    samples = at // _SCRAPE + 1
    idle = idle._replace(values=idle.values.format(samples=samples))
    ups = (InputSeries("up", tuple(sorted(up.items())), f"1+0x{samples}"),) if up else ()
    totals = tuple(InputSeries(n, tuple(sorted(labels.items())), f"1+0x{_FED // _SCRAPE}") for n, labels in total)
    own = {"alertname": rule.alert, "alertstate": "firing", **dict(rule.labels)}
    alerts = f'{names.ALERTS_SERIES}{{alertname="{rule.alert}",alertstate="firing",slo="{dict(rule.labels)["slo"]}"}}'
    slo = dict(rule.labels)["slo"]
    return [
        Case(
            f"{rule.alert}: {slo}'s total had series and has none now, its idle series on: idle, not missing",
            _SCRAPE,
            (*ups, idle, *totals),
            (),
            (ExprCheck(at, alerts, ()),),
        ),
        Case(
            f"{rule.alert}: {slo}'s total never had a series, its idle series on: data missing",
            _SCRAPE,
            (*ups, idle),
            (),
            (ExprCheck(at, alerts, ((names.ALERTS_SERIES + label_selector(own), 1.0),)),),
        ),
    ]
