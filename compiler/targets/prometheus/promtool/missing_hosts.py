"""Data-missing scenarios run inside the raw-counter case (the others run in turn in a group of their own:
missing_timeline.py).

That case feeds every SLI's counters through phases of traffic, and checks recorded SLO series only, which no
rule derives from `up`. Where its counters are what a scenario would feed (rising: "requests counted,
threshold buckets present"; present but flat: "an idle service exporting its counters has data"), the
scenario runs there, with `up` fed for its span alone, instead of in a stretch of its own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from itertools import pairwise

from compiler.model.le_spellings import le_matcher
from compiler.model.promql import Matcher
from compiler.model.types import SliKind, Slo
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, InputSeries, steps_after
from compiler.targets.prometheus.promtool.chain import LOOKBACK
from compiler.targets.prometheus.promtool.hosts import end
from compiler.targets.prometheus.promtool.series import selects

_RUN = re.compile(r"^([-+]?[0-9.]+(?:[eE][-+]?\d+)?)([-+][0-9.]+(?:[eE][-+]?\d+)?)x(\d+)$")  # `a+bxn`


@functools.lru_cache(maxsize=256)
def expand(values: str) -> tuple[float | None, ...]:
    """Every sample slot of promtool's expanding notation (None where there is no sample). Remembered: the
    host's counters are spelled alike in every service (their phases are the same), and each is read twice."""
    out: list[float | None] = []
    for token in values.split():
        if token.startswith("_x"):
            out += [None] * int(token[2:])
        elif token in ("_", "stale"):
            out.append(None)
        elif (run := _RUN.match(token)) is not None:
            first, step, more = float(run.group(1)), float(run.group(2)), int(run.group(3))
            out += [first + step * i for i in range(more + 1)]
        else:
            out.append(float(token))
    return tuple(out)


def start(host: Case, slos: Sequence[Slo], span: int, step: int, *, rising: bool, after: int = 0) -> int | None:
    """The first step at or after `after` from which, for `span` seconds, the host feeds each SLO's total
    counter (and a latency SLI's threshold bucket) rising, or else present and flat; None if there is none, or
    if the host does not go on for a step after such a scenario's `up` is gone (its alerts end inside it)."""
    minute = host.interval
    fed = [(s.name, dict(s.labels), expand(s.values)) for s in host.series]
    wanted = [_selectors(slo) for slo in slos]
    if not all(wanted):
        return None
    at = steps_after(after, step)
    while steps_after(at + span + LOOKBACK + 1, step) < end(host):
        first, last = at // minute, (at + span) // minute
        if all(
            _fed(fed, metric, matchers, first, last, rising) for selectors in wanted for metric, matchers in selectors
        ):
            return at
        at += step
    return None


def _selectors(slo: Slo) -> list[tuple[str, tuple[Matcher, ...]]]:
    """(metric, matchers) of each series the SLO's data-missing probe reads; [] where obsc writes none."""
    sli = slo.sli
    if sli.kind is SliKind.LATENCY and sli.latency is not None and sli.latency.selector is not None:
        sel, threshold = sli.latency.selector, sli.threshold_le
        assert threshold is not None
        return [(sel.metric + "_count", sel.matchers), (sel.metric + "_bucket", (*sel.matchers, le_matcher(threshold)))]
    if sli.kind is SliKind.RATIO and sli.total is not None and sli.total.selector is not None:
        return [(sli.total.selector.metric, sli.total.selector.matchers)]
    return []


def _fed(
    fed: list[tuple[str, dict[str, str], tuple[float | None, ...]]],
    metric: str,
    matchers: tuple[Matcher, ...],
    first: int,
    last: int,
    rising: bool,
) -> bool:
    """Whether some series the selector picks has a sample in every slot first..last, and every one it picks
    rises at each slot (`rising`) or stays the same (a rate of 0, not none)."""
    picked = [values[first : last + 1] for name, labels, values in fed if name == metric and selects(matchers, labels)]
    if not picked:
        return False
    for span in picked:
        if len(span) < last - first + 1 or any(v is None for v in span):
            return False
        steps = [b - a for a, b in pairwise(span) if a is not None and b is not None]
        if any((d <= 0) if rising else (d != 0) for d in steps):
            return False
    return True


def hosting(host: Case, placed: Sequence[tuple[int, Case]], alert: str) -> Case:
    """The host with each placed scenario's checks moved to its start and the scenario's own series (`up`, and
    the counters of SLIs the host does not feed) fed over its span only."""
    values: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    filled: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    checks: list[AlertCheck] = []
    parts = []
    for at, scenario in sorted(placed, key=lambda p: p[0]):
        for own in scenario.series:
            key = (own.name, own.labels)
            gap = at // host.interval - filled.get(key, 0)
            assert gap >= 0, "two hosted scenarios overlap"
            values.setdefault(key, []).extend([f"_x{gap}"] if gap else [])
            values[key].append(own.values)
            filled[key] = at // host.interval + len(expand(own.values))
        checks += [AlertCheck(c.at + at, c.alertname, c.firing) for c in scenario.alerts]
        parts.append(f"{scenario.name} (targets up from {at // 60}m)")
    named = f"{host.name}; with {alert}: " + ", ".join(parts)
    fed = tuple(InputSeries(name, labels, " ".join(v)) for (name, labels), v in values.items())
    return host._replace(name=named, series=(*host.series, *fed), alerts=(*host.alerts, *checks))
