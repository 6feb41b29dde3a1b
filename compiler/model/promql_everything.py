"""A selector that reads every series Prometheus holds: refused in a spec's PromQL.

Found by the round 28 hostile-contributor hunt: `max(count_over_time({__name__=~".+"}[$window]))` as a threshold
alert's metric passed every check and compiled; each evaluation of its rule (every minute, over a day's window)
makes the fleet's shared Prometheus load every sample of every series of every team, until its query sample cap
fails the rule: a cost every team pays, for an alert that cannot tell one service from another. A selector pins
its series by a metric name (or a `__name__` regex listing names), or a label matcher that admits only some
values (`job="checkout"`, `$selector`); negative matchers, regexes every probe value below matches (`.+`, `.*`) and
a pattern over names (`__name__=~".+_total"`: every team's counters, which a validated compile accepted) pin
nothing.
"""

from __future__ import annotations

import re
from typing import Any

from compiler.model.promql_regex import full_match
from compiler.model.promql_text import Finding

# Values a regex that admits "anything" admits; a regex that matches them all is taken to match every value.
_PROBES = ("a", "up", "checkout", "node-exporter", "Z9", "x:y_z", "10.0.0.1:9100", "__a")
# A `__name__` regex pins only as a list of names: `.+_total` is every team's counters.
_NAMES = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*(?:\|[A-Za-z_:][A-Za-z0-9_:]*)*")


def everything_problems(selectors: list[Any]) -> list[Finding]:
    """A finding when a selector of the parsed expression names no metric and pins no label (one per expression)."""
    if all(selector.name or any(_pins(m) for m in selector.matchers.matchers) for selector in selectors):
        return []
    why = (
        "a selector here names no metric and no label value (a pattern over names, `.+` or a negative matcher pins "
        "nothing), so it reads the series of every team on the shared Prometheus at each evaluation: name the "
        "metrics, or add $selector (the service's series)"
    )
    return [(None, why)]


def _pins(matcher: Any) -> bool:
    """Whether the matcher admits only some series: a metric name (`__name__` equal to one, or a regex that is a
    list of names), or another label `="x"` with a value or `=~` a regex some probe value fails."""
    op = str(matcher.op).rsplit(".", 1)[-1]
    if op == "Equal":
        return bool(matcher.value)
    if op != "Re":
        return False  # != and !~ leave every other series in
    if matcher.name == "__name__":
        return bool(_NAMES.fullmatch(matcher.value))
    return not all(full_match(matcher.value, probe) for probe in _PROBES)
