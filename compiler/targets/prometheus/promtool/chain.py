"""Cases run one after another on one timeline of one test group (instead of one group each).

promtool re-reads and re-parses the rule files for every test group (~30 ms for a rich service's rule
file, four times the cost of an evaluation step), so scenarios that feed the same series, and so cannot
run side by side, can still share a group when they run in turn: each case's inputs and checks are
shifted to its own stretch of time. Between two stretches there is one evaluation step at which no input
of either is visible (every alert's condition is then false, so whatever fired is resolved and the next
case starts from nothing, as it would in a group of its own) plus any keep_firing_for; the caller may
skip that step where nothing firing at one case's end fires under the next's inputs. Only for cases
whose rules read their inputs over short windows: a window reaching back into the previous stretch
would mix two cases' inputs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from compiler.model.promql_text import mask
from compiler.model.units import parse_duration
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, ExprCheck, InputSeries, steps_after

LOOKBACK = 300  # Prometheus' default lookback: a sample is visible at most 5m after its timestamp
_TOKEN = re.compile(r"^(?:_x(\d+)|_|stale|[-+0-9.eE]+(?:[-+][0-9.eE]+x(\d+))?)$")
_RANGE = re.compile(r"\[([0-9]+[smhdwy](?:[0-9]+[smhdwy])*)(?::[^\]]*)?\]")
_OFFSET = re.compile(r"\boffset\s+([0-9]+[smhdwy](?:[0-9]+[smhdwy])*)")
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


def reach(exprs: list[str]) -> int:
    """How far back (seconds) any of the expressions can read: per expression, every range and offset in
    it added up (an upper bound that also covers subqueries nesting ranges). Strings are masked: a service's label
    value `"x offset 99999999999d"` is no offset (it was read as one, past 100y: exit 70)."""
    masked = [mask(e) for e in exprs]
    return max((sum(parse_duration(m) for m in (*_RANGE.findall(e), *_OFFSET.findall(e))) for e in masked), default=0)


@functools.lru_cache(maxsize=4096)  # a service's chained cases repeat a few values texts
def samples(values: str) -> int:
    """How many sample slots promtool's expanding notation writes: `a+bxn` is n+1, `_xn` is n."""
    count = 0
    for token in values.split():
        found = _TOKEN.match(token)
        if found is None:
            raise ValueError(f"input values token {token!r} is not one obsc writes")
        blanks, repeats = found.groups()
        count += int(blanks) if blanks is not None else int(repeats) + 1 if repeats is not None else 1
    return count


def unseen_from(case: Case, step: int, window: int) -> int:
    """The first step (from the case's start) that sees none of its samples, directly (the lookback) or through a
    range or offset reaching `window` back."""
    last_sample = max(((samples(s.values) - 1) * case.interval for s in case.series), default=0)
    last_check = max([c.at for c in case.alerts] + [c.at for c in case.exprs], default=0)
    return steps_after(max(last_check, last_sample) + max(LOOKBACK, window) + 1, step)


def chain(cases: list[Case], step: int, window: int, keep_firing: int = 0, fresh: Sequence[bool] = ()) -> list[Case]:
    """One case running `cases` in turn (each case's times shifted), or `cases` itself when fewer than two.
    `step`: the file's evaluation interval; `window`: the longest range any rule reads the inputs over;
    `keep_firing`: the longest keep_firing_for of the alerts checked; `fresh[i]`: case i+1 may start right
    at the first step that no longer sees case i's inputs (no alert active at case i's end holds under
    case i+1's inputs, so each is resolved or started there as in a group of its own), without the quiet
    step that otherwise resets every alert in between."""
    if len(cases) < 2:
        return cases
    interval = cases[0].interval
    assert all(c.interval == interval for c in cases) and step % interval == 0
    offset, starts = 0, []
    for i, case in enumerate(cases):
        starts.append(offset)
        # (relative to the case's start) the step after its end sees none of its samples, through no window
        # either ...
        quiet = unseen_from(case, step, window)
        if i < len(fresh) and fresh[i] and not keep_firing:
            offset += quiet
            continue
        # ... and alerts kept firing after their condition ended have stopped by the next case's start
        offset += quiet + steps_after(keep_firing, step) + step
    values: dict[SeriesKey, list[str]] = {}
    filled: dict[SeriesKey, int] = {}  # sample slots written so far per series
    first: dict[SeriesKey, InputSeries] = {}
    for case, start in zip(cases, starts, strict=True):
        for series in case.series:
            key = (series.name, series.labels)
            first.setdefault(key, series)
            gap = start // interval - filled.get(key, 0)
            assert gap >= 0, "a case's inputs overrun the next case's stretch"
            values.setdefault(key, []).extend([f"_x{gap}"] if gap else [])
            values[key].append(series.values)
            filled[key] = start // interval + samples(series.values)
    fed = tuple(InputSeries(s.name, s.labels, " ".join(values[k])) for k, s in first.items())
    alerts = tuple(
        AlertCheck(check.at + start, check.alertname, check.firing)
        for case, start in zip(cases, starts, strict=True)
        for check in case.alerts
    )
    exprs = tuple(
        ExprCheck(check.at + start, check.expr, check.samples)
        for case, start in zip(cases, starts, strict=True)
        for check in case.exprs
    )
    return [Case("; then ".join(c.name for c in cases), interval, fed, alerts, exprs)]
