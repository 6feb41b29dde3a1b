"""The bucket branch of a latency SLO's SLODataMissing read over time (queries.unbucketed_now): a threshold bucket is
gone when it has no sample now or missed bucket_missed_scrapes of its requests' scrapes over the window.

Five cases for each latency SLO whose histogram obsc can write, each a group of its own, scraped at the platform's
scrape interval (the count of missed scrapes is the interval's), the SLI's `_count` fed throughout and `up` at 1:

- the bucket stops without a staleness marker (an agent remote-writing, a federation) while the count goes on:
  firing a hold after the missed scrape that counts it gone (on an evaluation), not a step before (a rule that
  waits for the 5m lookback to lose the last sample fires minutes later; one that takes a scrape more, a step later);
- the bucket a scrape short of gone (a remote-write shard up to a minute behind): not in the unbucketed record at
  that evaluation (a rule that takes a scrape fewer for gone has it);
- the bucket stops with a staleness marker (a Prometheus scrape that lost it): firing a hold after the marker (a
  rule that only counts samples fires a minute later);
- a quiet service (a request every 10 minutes) without the bucket: firing (a rule that asks for requests in the
  last 5m restarts its hold at each quiet 5 minutes and never fires);
- the bucket missing one scrape in six (a remote-write shard delivering it late): quiet (a rule that takes one
  missed scrape for gone fires: every 5m window misses one).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.scrape_windows import bucket_missed_scrapes
from compiler.model.types import Service, SliKind, Slo
from compiler.targets.prometheus.promtool.cases import Case, ExprCheck, InputSeries, steps_after
from compiler.targets.prometheus.promtool.groups import sample_group
from compiler.targets.prometheus.promtool.series import exposed_le, satisfy
from compiler.targets.prometheus.rule_model import Rule, label_selector

_STOPS = 10  # the bucket's last sample, in scrapes, at least
_QUIET_EVERY = 10  # a quiet service's request, every this many scrapes


def bucket_cases(service: Service, rules: Sequence[Rule], step: int) -> list[Case]:
    """The five cases for each SLODataMissing rule of `rules` whose SLO is a latency SLO obsc can feed."""
    up = satisfy(service.targets) if service.targets else {}
    if up is None:
        return []
    out: list[Case] = []
    for rule in rules:
        slo = rule.source.slo if rule.source is not None and rule.source.data_missing else None
        if slo is None or slo.sli.kind is not SliKind.LATENCY:
            continue
        fed = _histogram(slo)
        if fed is not None:
            out.extend(_cases(rule, service.name, slo, fed, up, step))
    return out


def _histogram(slo: Slo) -> tuple[tuple[str, dict[str, str]], tuple[str, dict[str, str]]] | None:
    """((`_count`, labels), (threshold bucket, labels)) of the SLO's histogram, group labels set; None where obsc
    cannot write series its selector matches."""
    sli = slo.sli
    assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None
    sel = sli.latency.selector
    labels = satisfy(sel.matchers)
    if labels is None:
        return None
    labels = {**labels, **sample_group(slo)}
    return (sel.metric + "_count", labels), (sel.metric + "_bucket", {**labels, "le": exposed_le(sli.threshold_le)})


def _cases(
    rule: Rule,
    service: str,
    slo: Slo,
    fed: tuple[tuple[str, dict[str, str]], tuple[str, dict[str, str]]],
    up: dict[str, str],
    step: int,
) -> list[Case]:
    (count, labels), (bucket, bucket_labels) = fed
    scrape, missed = slo.sli.scrape_seconds, bucket_missed_scrapes(slo.sli.scrape_seconds)
    # The bucket outlives the first evaluation with a rate (the second): at 1s, 2s or 5s scrapes 10 scrapes ended
    # within the first minute, and the SLI, still without data at the first evaluation, was never out of the hold
    stops = _on_a_step(max(_STOPS, step // scrape) + missed, scrape, step) - missed
    gone = (stops + missed) * scrape  # the missed scrape that counts it gone, on an evaluation: pending from here
    fires = gone + steps_after(rule.for_seconds, step)
    short = _on_a_step(_STOPS + missed - 1, scrape, step)  # the bucket's scrapes to an evaluation one short of gone
    end = fires + step
    samples = end // scrape
    quiet_end = steps_after(rule.for_seconds + step, step)  # pending from its first sample
    late_end = steps_after(6 * scrape + rule.for_seconds, step)  # one missed in the first 5m window at 6m
    ups = (InputSeries("up", tuple(sorted(up.items())), f"1+0x{samples}"),) if up else ()
    counted = InputSeries(count, tuple(sorted(labels.items())), f"0+60x{samples}")
    held = tuple(sorted(bucket_labels.items()))
    stopped = InputSeries(bucket, held, f"0+60x{stops} _x{samples - stops}")
    marked = InputSeries(bucket, held, f"0+60x{stops} stale")
    marked_fires = steps_after((stops + 1) * scrape + rule.for_seconds, step)
    behind = InputSeries(bucket, held, f"0+60x{short - missed + 1} _x{missed - 1}")
    record = names.SLI_UNBUCKETED + label_selector({"service": service, "slo": dict(rule.labels)["slo"]})
    quiet = InputSeries(count, counted.labels, " ".join(f"{n + 1}+0x{_QUIET_EVERY - 1}" for n in _quiet_runs(samples)))
    late = InputSeries(
        bucket, held, " ".join("_" if i % 6 == 5 else str(60 * i) for i in range(late_end // scrape + 1))
    )
    firing = ((_alert(rule, slo, with_group=True), 1.0),)
    name, checked = rule.alert, _alert(rule, slo, with_group=False)
    title = f"{name}: {dict(rule.labels)['slo']}'s threshold bucket"
    return [
        Case(
            f"{title} stops with no staleness marker, its requests counted on: data missing",
            scrape,
            (*ups, counted, stopped),
            (),
            (ExprCheck(fires - step, checked, ()), ExprCheck(fires, checked, firing)),
        ),
        Case(
            f"{title} {missed - 1} scrape{'s' * (missed > 2)} behind its requests' (a late shard): in the SLI",
            scrape,
            (
                *(InputSeries("up", u.labels, f"1+0x{short}") for u in ups),
                InputSeries(count, counted.labels, f"0+60x{short}"),
                behind,
            ),
            (),
            (ExprCheck(short * scrape, record, ()),),
        ),
        Case(
            f"{title} stops with a staleness marker, its requests counted on: data missing",
            scrape,
            (*ups, counted, marked),
            (),
            (ExprCheck(marked_fires - step, checked, ()), ExprCheck(marked_fires, checked, firing)),
        ),
        Case(
            f"{title} absent, a request every {_QUIET_EVERY}m (a quiet service): data missing",
            scrape,
            (*ups, quiet),
            (),
            (ExprCheck(quiet_end, checked, firing),),
        ),
        Case(
            f"{title} missing one scrape in six (delivered late), its requests counted on: data",
            scrape,
            (*ups, counted, late),
            (),
            (ExprCheck(late_end, checked, ()),),
        ),
    ]


def _on_a_step(scrapes: int, scrape: int, step: int) -> int:
    """The fewest scrapes, at least `scrapes`, that end on an evaluation."""
    while scrapes * scrape % step:
        scrapes += 1
    return scrapes


def _quiet_runs(samples: int) -> range:
    return range(-(-(samples + 1) // _QUIET_EVERY))


def _alert(rule: Rule, slo: Slo, with_group: bool) -> str:
    """The alert's firing ALERTS series (with the fed group's labels), or the selector a check reads."""
    own = {"alertname": rule.alert, "alertstate": "firing", **dict(rule.labels)}
    if with_group:
        own.update(sample_group(slo))
    return names.ALERTS_SERIES + label_selector(own)
