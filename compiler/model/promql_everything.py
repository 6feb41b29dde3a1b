"""A selector that reads every series Prometheus holds: refused in a spec's PromQL.

Found by the round 28 hostile-contributor hunt: `max(count_over_time({__name__=~".+"}[$window]))` as a threshold
alert's metric passed every check and compiled; each evaluation of its rule (every minute, over a day's window)
makes the fleet's shared Prometheus load every sample of every series of every team, until its query sample cap
fails the rule: a cost every team pays, for an alert that cannot tell one service from another. A selector pins
its series by a metric name, or a label matcher that admits only some values (`job="checkout"`, `$selector`,
`__name__=~"http_.*"`); negative matchers and regexes every probe name below matches (`.+`, `.*`) pin nothing.
"""

from __future__ import annotations

from typing import Any

from compiler.model.promql_regex import full_match
from compiler.model.promql_text import Finding

# Names a regex that admits "anything" admits; a regex that matches them all is taken to match every value.
_PROBES = ("a", "up", "http_requests_total", "node_cpu_seconds_total", "Z9", "x:y_z", "kube_pod_info", "__a")


def everything_problems(selectors: list[Any]) -> list[Finding]:
    """A finding when a selector of the parsed expression names no metric and pins no label (one per expression)."""
    if all(selector.name or any(_pins(m) for m in selector.matchers.matchers) for selector in selectors):
        return []
    why = (
        "a selector here names no metric and no label value, so it reads every series of every team on the shared "
        "Prometheus at each evaluation: name the metric, or add $selector (the service's series)"
    )
    return [(None, why)]


def _pins(matcher: Any) -> bool:
    """Whether the matcher admits only some series: `="x"` with a value, or `=~` a regex some probe name fails."""
    op = str(matcher.op).rsplit(".", 1)[-1]
    if op == "Equal":
        return bool(matcher.value)
    if op == "Re":
        return not all(full_match(matcher.value, probe) for probe in _PROBES)
    return False  # != and !~ leave every other series in
