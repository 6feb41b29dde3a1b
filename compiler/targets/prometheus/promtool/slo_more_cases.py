"""Test cases for the SLO alerts that need inputs changing over time or raw series: SLODataMissing
(the SLI's series against `up`), and the hand-over cases (slo_handover_cases.py) placed after them.

These cases are never merged with the others: they feed raw counters and `up`, which the recording
rules and ServiceDown of the merged groups also read. The data-missing scenarios the raw-counter case does
not host run in turn in one group (chain.py); the hand-overs of different SLOs share another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from compiler.model.promql import Matcher
from compiler.model.promql_feed import fed_counters
from compiler.model.promql_yields import yields_with
from compiler.model.queries import errors_family, unlabelled_labels
from compiler.model.types import Service, SliKind, Slo, Tier
from compiler.targets.prometheus.promtool.cases import (
    AlertCheck,
    Case,
    Firing,
    InputSeries,
    firing,
    hold_times,
    side_by_side,
    steps_after,
)
from compiler.targets.prometheus.promtool.chain import LOOKBACK, reach
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.missing_family import family_cases
from compiler.targets.prometheus.promtool.missing_hosts import hosting, start
from compiler.targets.prometheus.promtool.missing_idle import idle_cases
from compiler.targets.prometheus.promtool.missing_strays import grouped_outcome, strays, ungrouped_outcome
from compiler.targets.prometheus.promtool.missing_timeline import FiredKey, lends, timeline
from compiler.targets.prometheus.promtool.missing_vanished import vanished_case
from compiler.targets.prometheus.promtool.series import constant, exposed_le, labelled, satisfy
from compiler.targets.prometheus.promtool.slo_handover_cases import handover_case
from compiler.targets.prometheus.rule_model import Rule, ServiceRules
from compiler.targets.prometheus.slo_missing import (
    data_missing_expr,
    sli_presence,
    stray_probe,
    unlabelled_probe,
)

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]  # (name, sorted labels) of an input series
_SCRAPE = 60  # seconds between raw samples in the data-missing cases
_LONGEST_CHAINED_REACH = 86400  # seconds; see more_slo_cases
_RENAMED = "obsc-renamed:9090"  # the scrape target of the total series written without the good label


def _mine(rules: Sequence[Rule], slo: Slo) -> list[Rule]:
    # `is` first: comparing two SLOs field by field is slow, and a rule's SLO is the service's own object; SLOs of
    # other names are not equal
    return [
        r
        for r in rules
        if r.source is not None
        and (of := r.source.slo) is not None
        and (of is slo or (of.name == slo.name and of == slo))
    ]


def _counter(name: str, labels: dict[str, str], per_step: int, samples: int) -> InputSeries:
    return InputSeries(name, tuple(sorted(labels.items())), f"0+{per_step}x{samples}")


def _sli_counters(slo: Slo, bucket: bool, probe: str) -> list[tuple[str, dict[str, str]]] | None:
    """(metric, labels) of the SLI's total-events counter and, for latency with `bucket`, its threshold
    bucket (for a ratio SLI whose good selector needs a label, one more total series without it: _beside);
    for free PromQL (raw, error ratio), a counter under each selector its `probe` reads (promql_feed); None
    when obsc cannot write series the selectors match, or be sure they give the probe a sample."""
    sli = slo.sli
    if sli.kind in (SliKind.RAW, SliKind.ERROR_RATIO):
        read = fed_counters(probe)
        found = [(metric, satisfy(matchers)) for metric, matchers in read or ()]
        if read is None or any(labels is None for _, labels in found):
            return None
        return [(metric, {**labels, **sample_group(slo)}) for metric, labels in found if labels is not None]
    if sli.kind is SliKind.LATENCY:
        assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None
        sel = sli.latency.selector
        labels = satisfy(sel.matchers)
        if labels is None:
            return None
        labels = {**labels, **sample_group(slo)}  # a grouped SLO checks its bucket per group
        out = [(sel.metric + "_count", labels)]
        if bucket:
            out.append((sel.metric + "_bucket", {**labels, "le": exposed_le(sli.threshold_le)}))
        return out
    if sli.kind is SliKind.RATIO and sli.total is not None and sli.total.selector is not None:
        labels = satisfy((*sli.total.selector.matchers, *labelled(sli)))
        if labels is None:
            return None
        labels = {**labels, **sample_group(slo)}
        return [(sli.total.selector.metric, labels), *_beside(slo, sli.total.selector.metric, labels)]
    if sli.gauge is not None and sli.gauge.selector is not None:  # time slices, freshness: the gauge
        labels = satisfy(sli.gauge.selector.matchers)
        return None if labels is None else [(sli.gauge.selector.metric, labels)]
    return None


class Scenarios(NamedTuple):
    """The data-missing scenarios of a service, in order; `lead`: the raw-counter case (given, or hosting the
    scenarios with traffic and idle counters, see missing_hosts.py), else None; `steady`: the alerts firing at
    the end of every scenario with targets up."""

    lead: Case | None
    cases: list[Case]
    steady: frozenset[FiredKey]
    apart: list[Case]  # cases in groups of their own (missing_family.py)


def data_missing_cases(
    service: Service, rules: list[Rule], step: int, host: Case | None = None, notices: Sequence[Rule] = ()
) -> Scenarios:
    """For all the service's SLOs at once (one alert name): fires with `up` and no SLI series; quiet when
    the targets are down, when the service is idle but exports its counters at 0, and with traffic and
    the threshold bucket; a latency SLI with traffic and no bucket fires. SLOs whose series obsc cannot
    write (free PromQL it cannot be sure of, see promql_feed) have no data in every case. `host`: a
    raw-counter case to run the scenario with traffic in, where its counters allow."""
    # the alert asks `up` of the scrape targets (queries.up: `targets:`), which need not carry the selector's labels
    up_labels = satisfy(service.targets)
    if up_labels is None or not rules:
        return Scenarios(host, [], frozenset(), [])
    times = hold_times(max(r.for_seconds for r in rules), step)
    if any(r.source is not None and r.source.slo is not None and r.source.slo.by for r in rules):
        # A group's bucket check holds from the first evaluation with a rate; at 0 only `absent` (no group
        # labels) holds: the grouped alert is a new one, pending one step later.
        times.append(times[-1] + step)
    samples = max(times) // _SCRAPE + 1  # inputs every minute: a 5m rate needs two samples
    up = InputSeries("up", tuple(sorted(up_labels.items())), constant(1, samples))
    steady: list[frozenset[FiredKey]] = []
    quiet_with_traffic: set[str] = set()  # SLOs fed their own counters with traffic (not a host's) and quiet

    def case(
        title: str,
        counters: dict[str, list[tuple[str, dict[str, str]]]],
        per_step: int,
        targets: int,
        host: Case | None = None,
    ) -> Case:
        """`counters`: per SLO name, the series fed (rising by `per_step` per step); `host`: a case whose own
        series stand in for them (they give each of these SLOs the same data): then only `up` is fed, and the
        counters of free-PromQL SLIs, which the host does not feed."""
        inputs: dict[SeriesKey, InputSeries] = {}
        for metric, labels in (c for series in counters.values() for c in series):
            counter = _counter(metric, {**groups.get(metric, {}), **labels}, per_step, samples)
            inputs[(counter.name, counter.labels)] = counter
        own = inputs if host is None else {k: s for k, s in inputs.items() if k in free_keys}
        fed = inputs if host is None else {**{(s.name, s.labels): s for s in host.series}, **own}
        every = (*fed, (up.name, up.labels)) if service.targets else tuple(fed)
        missing = [
            r
            for r in rules
            if r.source is not None
            and r.source.slo is not None
            and (
                _missing(r.source.slo, probe(r.source.slo), counters.get(r.source.slo.name), per_step, every, yields)
                or strays(stray_probes.get(r.source.slo.name), r.source.slo.by, every, stray_answers)
                or _unlabelled(unlabelled_probes.get(r.source.slo.name), per_step, every, yields)
            )
        ]
        checks = tuple(
            AlertCheck(
                at,
                rules[0].alert,
                tuple(
                    fired(r, group)
                    for r in missing
                    if targets and at >= r.for_seconds + (step if (group := _group_fired(r, counters)) else 0)
                ),
            )
            for at in times
        )
        if targets:
            steady.append(frozenset((rules[0].alert, f.labels) for f in checks[-1].firing))
            if host is None and per_step > 0:
                noisy = {r.source.slo.name for r in missing if r.source is not None and r.source.slo is not None}
                quiet_with_traffic.update(set(counters) - noisy)
        feed = (InputSeries("up", up.labels, constant(targets, samples)),) if service.targets else ()
        if host is not None:
            return Case(title, _SCRAPE, (*feed, *own.values()), checks)
        return Case(f"{rules[0].alert}: {title}", _SCRAPE, (*feed, *inputs.values()), checks)

    yields: dict[tuple[str, tuple[SeriesKey, ...]], bool] = {}  # see _missing
    stray_answers: dict[tuple[tuple[str, str], tuple[SeriesKey, ...]], bool] = {}  # see strays
    probes: dict[int, str] = {}

    def probe(slo: Slo) -> str:
        """The series the SLO's alert asks to exist (slo_missing.py), written once per SLO."""
        if id(slo) not in probes:
            probes[id(slo)] = sli_presence(service, slo)
        return probes[id(slo)]

    rendered: dict[tuple[int, tuple[tuple[str, str], ...]], Firing] = {}

    def fired(rule: Rule, group: dict[str, str]) -> Firing:
        """`firing` of a rule with a group's labels, rendered once for every scenario and time checked."""
        key = (id(rule), tuple(group.items()))
        if key not in rendered:
            rendered[key] = firing(rule, 1.0, group=group)
        return rendered[key]

    slos = [r.source.slo for r in rules if r.source is not None and r.source.slo is not None]
    # A fed counter carries the group labels of every grouped SLO reading its metric (unless it sets them
    # itself): without them it is a group of its own (the label empty) for that SLO, whose data-missing check
    # would fire for it.
    groups: dict[str, dict[str, str]] = {}
    for slo in slos:
        for metric, _ in _sli_counters(slo, True, probe(slo)) or ():
            groups.setdefault(metric, {}).update(sample_group(slo))
    _share_histogram_groups(groups)
    # a grouped raw SLI's bad events beside its total (missing_strays): its stray-events branch shown quiet
    full = {
        slo.name: [*c, *grouped_outcome(service, slo), *_family(service, slo)]
        for slo in slos
        if (c := _sli_counters(slo, True, probe(slo))) is not None
    }
    stray_probes = {slo.name: p for slo in slos if (p := stray_probe(service, slo)) is not None}
    unlabelled_probes = {slo.name: u for slo in slos if (u := unlabelled_probe(slo)) is not None}
    # every scenario with counters feeds the failures counter's family: its branch reads a day back, so one
    # without it after one with it would fire (missing_family.py shows the branch in groups of its own)
    no_bucket = {
        slo.name: [*c, *_family(service, slo)]
        for slo in slos
        if (c := _sli_counters(slo, False, probe(slo))) is not None
    }
    # The raw-counter host feeds no free-PromQL SLI (missing_hosts._selectors reads none): a hosted scenario feeds
    # their counters itself over its span; not beside a host series of the same name and labels (then unhosted).
    free = {s.name for s in slos if s.name in full and s.sli.kind in (SliKind.RAW, SliKind.ERROR_RATIO)}
    free_keys = {(m, tuple(sorted({**groups.get(m, {}), **labels}.items()))) for n in free for m, labels in full[n]}
    hostable = host if host is None or not free_keys & {(s.name, s.labels) for s in host.series} else None
    cases = [case("targets up and no SLI series at all: data missing", {}, 0, 1)]
    if service.targets:
        cases.append(case("targets down (up 0) and no SLI series: not this alert's business", {}, 0, 0))
    else:  # nothing scrapes it (targets: false): no `up` to wait for
        cases[0] = case("no scrape targets and no SLI series at all: data missing", {}, 0, 1)
    lead = host
    if full:
        covered = [s for s in slos if s.name in full and s.name not in free]
        placed: list[tuple[int, Case]] = []
        after = 0
        for title, per_step in (
            ("requests counted, threshold buckets present: data", 1),
            ("an idle service exporting its counters at 0 has data", 0),
        ):
            at = None
            if hostable is not None:
                at = start(hostable, covered, times[-1], step, rising=bool(per_step), after=after)
            if at is None:
                cases.append(case(title, full, per_step, 1))
                continue
            placed.append((at, case(title, full, per_step, 1, hostable)))
            # its `up` unseen at one step before the next hosted scenario starts: its alerts end in between
            after = steps_after(at + times[-1] + LOOKBACK + 1, step) + step
        if hostable is not None and placed:
            lead = hosting(hostable, placed, rules[0].alert)
    if any(s.sli.kind is SliKind.LATENCY for s in slos) and no_bucket:
        cases.append(case("requests counted but no threshold bucket: a latency SLI's data is missing", no_bucket, 1, 1))
    ungrouped = {s.name: [*full[s.name], *c] for s in slos if s.name in full and (c := ungrouped_outcome(service, s))}
    if ungrouped:
        title = "a grouped SLI's good or bad events without its group labels count for no group: data missing"
        cases.append(case(title, {**full, **ungrouped}, 1, 1))
    unlabelled = {s.name: [*full[s.name], *c] for s in slos if s.name in full and (c := _unlabelled_total(s))}
    if set(unlabelled) - quiet_with_traffic:
        # The probe's quiet side (its `unless on (job, instance)`) is shown where a scenario with traffic feeds
        # `full`, whose unlabelled series sits beside a labelled one (_beside); hosted, there is none: one here.
        title = "a total-events series without the good selector's label beside labelled ones of its target: data"
        cases.append(case(title, full, 1, 1))
    if unlabelled:
        title = "a total-events series with traffic without the label the good selector tests: data missing"
        cases.append(case(title, {**full, **unlabelled}, 1, 1))
    # A free SLI's total with no failure yet (a healthy run): every scenario above feeds a series under each of its
    # selectors, the failures' too, so one that reads no data until the first failure (without its user's
    # `or 0 * sum(rate(total))`) was never shown firing.
    healthy = {n: widest for n in free if (widest := _widest(full[n])) != full[n]}
    if healthy:
        title = "requests counted, no series under a free SLI's narrower selectors (no failure yet)"
        cases.append(case(title, {**full, **healthy}, 1, 1))
    fed = list(dict.fromkeys(_key(m, {**groups.get(m, {}), **labels}) for c in full.values() for m, labels in c))
    up_key = (up.name, up.labels) if service.targets else None

    def quiet(slo: Slo, keys: tuple[SeriesKey, ...]) -> bool:
        every = (*keys, up_key) if up_key else keys
        return not (
            _missing(slo, probe(slo), full.get(slo.name), 1, every, yields)
            or strays(stray_probes.get(slo.name), slo.by, every, stray_answers)
            or _unlabelled(unlabelled_probes.get(slo.name), 1, every, yields)
        )

    apart = family_cases(service, [*rules, *notices], fed, up_key, quiet, step) + idle_cases(service, rules, step)
    return Scenarios(lead, cases, frozenset.intersection(*steady) if steady else frozenset(), apart)


def _share_histogram_groups(groups: dict[str, dict[str, str]]) -> None:
    """A histogram's `_count` and `_bucket` series carry the same group labels: a ratio SLO grouped over the
    `_count` (`requests` of an OpenTelemetry histogram) beside a latency SLO of the same histogram fed the count
    per route and the buckets without one, a series no histogram exposes, and the latency SLO's data-missing
    check fired for a count without buckets (round 40: the compile failed its own tests)."""
    families: dict[str, dict[str, str]] = {}
    for metric, labels in groups.items():
        for suffix in ("_count", "_bucket"):
            if metric.endswith(suffix):
                families.setdefault(metric.removesuffix(suffix), {}).update(labels)
    for base, labels in families.items():
        for suffix in ("_count", "_bucket"):
            groups[base + suffix] = {**labels, **groups.get(base + suffix, {})}


def _key(metric: str, labels: dict[str, str]) -> SeriesKey:
    return metric, tuple(sorted(labels.items()))


def _group_fired(rule: Rule, counters: dict[str, list[tuple[str, dict[str, str]]]]) -> dict[str, str]:
    """A grouped latency SLO's bucket check fires per group (with the fed group's labels); `absent` and the
    stray-events count have none."""
    slo = rule.source.slo if rule.source is not None else None
    latency = slo is not None and slo.sli.kind is SliKind.LATENCY
    return sample_group(slo) if slo is not None and latency and counters.get(slo.name) else {}


def _unlabelled_total(slo: Slo) -> list[tuple[str, dict[str, str]]]:
    """A total-events series of a ratio SLI without the first label its good selector tests, from a scrape
    target of its own (slo_missing.unlabelled_probe: an instance writing another label name; the scenario's
    other total series carry the label); [] when there is none or obsc cannot write its series."""
    labels = unlabelled_labels(slo.sli)
    total = slo.sli.total.selector if slo.sli.total is not None else None
    if not labels or total is None:
        return []
    found = satisfy((*total.matchers, Matcher(labels[0], "=", ""), Matcher("instance", "=", _RENAMED)))
    return [] if found is None else [(total.metric, {**found, **sample_group(slo)})]


def _family(service: Service, slo: Slo) -> list[tuple[str, dict[str, str]]]:
    """The failures counter of its own name (queries.errors_family), at the labels it shares with the total:
    a service whose counters are all there has it (at 0 before the first failure)."""
    family = errors_family(slo.sli, service.selector)
    labels = satisfy(family.matchers) if family is not None else None
    return [] if family is None or labels is None else [(family.metric, {**labels, **sample_group(slo)})]


def _widest(series: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    """The series no other of the same metric is a narrower copy of (`x{result="failed"}` beside `x`: only `x`)."""
    return [
        (metric, labels)
        for metric, labels in series
        if not any(m == metric and labels.items() > other.items() for m, other in series)
    ]


def _beside(slo: Slo, metric: str, labels: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """A total-events series of the scrape target of `labels` without the first label the good selector tests,
    as a correct OpenTelemetry client writes a timeout (no status code) beside its answered calls: a failure,
    not another label name, so SLODataMissing's probe (`unless on (job, instance)` a labelled series) stays
    quiet for it; [] when the good selector needs no label (every total matcher passes it absent)."""
    names = unlabelled_labels(slo.sli)
    return [(metric, {k: v for k, v in labels.items() if k != names[0]})] if names else []


def _unlabelled(
    probe: str | None,
    per_step: int,
    every: tuple[SeriesKey, ...],
    yields: dict[tuple[str, tuple[SeriesKey, ...]], bool],
) -> bool:
    """Whether a total-events series without a label the good selector tests (`probe`:
    slo_missing.unlabelled_probe) has traffic among `every` series of a scenario (counters rising by
    `per_step`): SLODataMissing's count of them holds. yields_with matches the probe's `unless on (job,
    instance)`: a series beside a labelled one of its target (_beside) is quiet, a target of its own
    (_unlabelled_total) fires."""
    if probe is None or per_step <= 0:
        return False
    key = (probe, every)
    if key not in yields:
        yields[key] = yields_with(probe, [(name, dict(labels)) for name, labels in every])
    return yields[key]


def _missing(
    slo: Slo,
    probe: str,
    fed: list[tuple[str, dict[str, str]]] | None,
    per_step: int,
    every: tuple[SeriesKey, ...],
    yields: dict[tuple[str, tuple[SeriesKey, ...]], bool],
) -> bool:
    """Whether SLODataMissing's condition holds for `slo` in a scenario: its `probe` (what the alert asks to
    exist) reads none of `every` series of the scenario, whoever they were fed for (another SLO's counters, a
    hosting raw-counter case's: an error-ratio or raw SLI over the same metric has data then), or `fed`, the
    counters fed for it, give a latency SLI traffic without its threshold bucket. `yields`: what a probe gave
    with which series, for the scenarios of one service (two scenarios feed the same series: up 1, then up 0)."""
    key = (probe, every)
    if key not in yields:
        yields[key] = yields_with(probe, [(name, dict(labels)) for name, labels in every])
    if not yields[key]:
        return True
    has_bucket = any(metric.endswith("_bucket") for metric, _ in fed or ())
    return slo.sli.kind is SliKind.LATENCY and bool(fed) and not has_bucket and per_step > 0


def more_slo_cases(service: Service, rules: ServiceRules, step: int, raw: Sequence[Case] = ()) -> list[Case]:
    """The data-missing and hand-over cases, after the recorded-ratio groups `raw` (which may lend the last
    of them to the data-missing timeline)."""
    alert_rules = rules.alert_rules
    missing = [r for r in alert_rules if r.source is not None and r.source.data_missing]
    before = list(raw)
    # (a group's vanishing reads a day of `up`, but these scenarios feed one `up` throughout: vanished_case's)
    window = reach(
        [data_missing_expr(service, r.source.slo, vanished=False) for r in missing if r.source and r.source.slo]
    )
    # One timeline spaces its scenarios by the longest range and offset the alerts read, and every step of it
    # costs promtool an evaluation of every rule: `offset 1y` in a raw SLI made 17,520 steps (222 s, and past
    # the tool timeout the whole fleet's compile failed). Past a day, each scenario runs in a group of its own.
    chained = bool(service.targets) and window <= _LONGEST_CHAINED_REACH
    # A raw-counter group feeding no `up` may host the scenarios with traffic and idle counters: it wakes none
    # of them, and checks nothing after its own end (missing_hosts.py).
    host = before[-1] if chained and before and lends(before[-1], _SCRAPE) else None
    notices = [r for r in alert_rules if r.source is not None and r.source.failures_unseen]
    scenarios = data_missing_cases(service, missing, step, host, notices)
    out = scenarios.cases
    if chained and out:
        # The scenarios feed the same `up` and counters, so they run in turn in one group. Every alert is
        # gated on `up`, so a step with no inputs at all resets them between scenarios (without targets,
        # no input means "data missing": no neutral state to start the next scenario from). Not after the
        # raw-counter case that hosts some of them: there every step evaluates its ~80 recording rules (a
        # rich service's dearest main-file group, ~0.1 CPU-s focused), here SLODataMissing's few (round 36).
        if host is not None:
            before[-1] = scenarios.lead or host
        keep = max((r.keep_firing_seconds for r in missing), default=0)
        out = timeline(scenarios.cases, step, window, keep, 0, scenarios.steady)
    handovers: list[Case] = []
    for slo in service.slos:
        mine = _mine(alert_rules, slo)
        for tier in (Tier.CRITICAL, Tier.WARNING):
            handover = handover_case(service, slo, mine, step, tier)
            if handover is not None:
                handovers.append(handover)
    vanished = vanished_case(service, missing, step)
    # hand-overs: own series
    return before + out + side_by_side(handovers) + ([vanished] if vanished else []) + scenarios.apart
