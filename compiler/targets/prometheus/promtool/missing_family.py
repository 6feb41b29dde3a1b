"""The failures-counter branch of SLODataMissing (slo_missing.family_seen): a failures counter of its own name
that had series and has none now while the total counts on fires; one never seen (a labelled counter before
its first failure) is quiet.

Two cases, each a group of its own (the branch reads a day back, so scenarios before it in a shared group would
be seen by it): the SLOs' counters fed throughout, every series of the failures counter's family ending at a
step (quiet there: a branch reading only the past, without `absent`, fires), firing once its 5m rate is gone
and the hold has passed; and the same counters without the family at all, quiet at that time (a branch
without its guard fires). Only SLOs whose other branches the scenario leaves quiet are checked (`quiet`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from compiler import conventions as names
from compiler.model.promql_yields import yields_with
from compiler.model.queries import errors_family, errors_family_rate
from compiler.model.types import Service, Slo
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, ExprCheck, InputSeries, firing, steps_after
from compiler.targets.prometheus.promtool.series import selects
from compiler.targets.prometheus.rule_model import Rule, label_selector
from compiler.targets.prometheus.slo_missing import PROBE_WINDOW, family_seen, sli_presence

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]  # (name, sorted labels) of an input series
_SCRAPE = 60
_RATE_GONE = int(PROBE_WINDOW.removesuffix("m")) * 60  # past its last sample by this, a 5m rate is gone


def family_cases(
    service: Service,
    rules: Sequence[Rule],
    fed: Sequence[SeriesKey],
    up: SeriesKey | None,
    quiet: Callable[[Slo, tuple[SeriesKey, ...]], bool],
    step: int,
) -> list[Case]:
    """The cases for the SLODataMissing rules of `rules` with a failures-counter branch whose SLO `quiet` says
    the other branches leave quiet with `fed` (every SLO's counters, the family's series among them) and without
    the family's series, and for those SLOs' SLOFailuresCounterUnseen rules of `rules`; [] without one. `up`: the
    targets' `up` series (None: no targets)."""
    watched: list[tuple[Rule, frozenset[SeriesKey]]] = []
    for rule in rules:
        slo = rule.source.slo if rule.source is not None and rule.source.data_missing else None
        family = errors_family(slo.sli, service.selector) if slo is not None else None
        if slo is None or family is None or not family_seen(service, slo):
            continue
        mine = frozenset(k for k in fed if k[0] == family.metric and selects(family.matchers, dict(k[1])))
        if mine and quiet(slo, tuple(fed)) and quiet(slo, tuple(k for k in fed if k not in mine)):
            watched.append((rule, mine))
    if not watched:
        return []
    notices = [r for r in rules if r.source is not None and r.source.failures_unseen]
    gone = frozenset().union(*(mine for _, mine in watched))
    hold = max(r.for_seconds for r, _ in watched)
    last = steps_after(max(hold, step), step)  # the family's last sample, at a step past the hold: quiet there
    fired_at = steps_after(last + _RATE_GONE + 1, step) + steps_after(hold, step)
    # the notice: pending from the first step whose 5m rates have two samples, firing its hold later
    notice_hold = max((r.for_seconds for r in notices), default=0)
    noticed = steps_after(steps_after(_SCRAPE, step) + notice_hold, step)
    # past the step a notice without its guard fires, a hold after the counter's rate is gone
    end = max(fired_at, noticed, steps_after(last + _RATE_GONE + 1, step) + steps_after(notice_hold, step))

    def series(keys: Sequence[SeriesKey], targets: bool = True) -> tuple[InputSeries, ...]:
        out = [InputSeries(n, labels, f"0+1x{(last if (n, labels) in gone else end) // _SCRAPE}") for n, labels in keys]
        return (*([InputSeries(up[0], up[1], f"1x{end // _SCRAPE + 1}")] if up and targets else []), *out)

    def alerts(of: Sequence[Rule]) -> str:
        names_of = "|".join(sorted({dict(r.labels)["slo"] for r in of}))
        return f'{names.ALERTS_SERIES}{{alertname="{of[0].alert}",alertstate="firing",slo=~"{names_of}"}}'

    missing = [r for r, _ in watched]
    fired = tuple(sorted((_alert_text(r), 1.0) for r in missing))
    seen_checks = [ExprCheck(last, alerts(missing), ()), ExprCheck(fired_at, alerts(missing), fired)]
    never_checks = [ExprCheck(fired_at, alerts(missing), ())]
    never_alerts: list[AlertCheck] = []
    if notices:
        # quiet where the counter was seen (a notice reading only the total fires at `noticed`, one without its
        # guard a hold after the counter's rate is gone: `end` is past both); firing where it never was, not a step
        # early
        ours = [r for r in notices if dict(r.labels)["slo"] in {dict(m.labels)["slo"] for m in missing}]
        seen_checks += [ExprCheck(end, alerts(ours), ())] if ours else []
        never = [(n, dict(labels)) for n, labels in fed if (n, labels) not in gone]
        noticed_fired = tuple(firing(r, 1.0) for r in notices if _noticed(service, r, never))
        name = notices[0].alert
        never_alerts += [AlertCheck(noticed - step, name, ()), AlertCheck(noticed, name, noticed_fired)]
    title = missing[0].alert
    cases = [
        Case(
            f"{title}: the failures counter had series and has none now, the total counted on: data missing",
            _SCRAPE,
            series(fed),
            (),
            tuple(seen_checks),
        ),
        Case(
            f"{title}: the failures counter never had a series (no failure yet), the total counted: a notice",
            _SCRAPE,
            series([k for k in fed if k not in gone]),
            tuple(never_alerts),
            tuple(never_checks),
        ),
    ]
    if notices:
        # no SLI series at all: SLODataMissing's ticket, not this notice (one without its `and on ()` total fires)
        title = f"{notices[0].alert}: no SLI series nor failures counter at all: no notice"
        cases.append(Case(title, _SCRAPE, series([]), (AlertCheck(end, notices[0].alert, ()),)))
    return cases


def _noticed(service: Service, rule: Rule, every: list[tuple[str, dict[str, str]]]) -> bool:
    """Whether the rule's SLOFailuresCounterUnseen holds over `every` series fed throughout: its failures counter
    has no series and its SLI counts events."""
    slo = rule.source.slo if rule.source is not None else None
    family = errors_family_rate(slo.sli, service.selector, PROBE_WINDOW) if slo is not None else None
    if slo is None or family is None:
        return False
    return not yields_with(family, every) and yields_with(sli_presence(service, slo), every)


def _alert_text(rule: Rule) -> str:
    own = {"alertname": rule.alert, "alertstate": "firing", **dict(rule.labels)}
    return names.ALERTS_SERIES + label_selector(own)
