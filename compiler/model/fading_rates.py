"""A saturation signal read over a window ends when the series it reads end, not a window later.

`sum(rate(container_cpu_usage_seconds_total{...}[5m])) / sum(<limits>)` does not vanish with its counters:
range selectors skip stale markers, so for most of a window after the last scrape the rate is extrapolated
from fewer and fewer samples and fades (a full core read 0.8, then 0.3), while the limits it divides by are
still there. A CPU page read that fading value as a recovery and resolved a minute after cAdvisor lost the
`container` label, and the alert, reading the signal's last value, then held the faded one. Recorded only
while at least one of the series read over a window has a sample now, the signal ends at once: its alert
holds the value it had, and its missing-data twin starts counting a window earlier.

"At least one" and not "every": an expression may read alternatives (`rate(a[5m]) or rate(b[5m])`, cgroup v1
and v2 names), one of which never exists; requiring both would leave the signal empty for good.

A threshold alert's counter record fades the same way and takes the same guard (model/thresholds).
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from compiler.model import promql_tree
from compiler.model.promql_check import children
from compiler.model.selector_text import selector_now


def _ranged(node: Any, found: dict[str | None, None]) -> None:
    if isinstance(node, pp.MatrixSelector):
        found[selector_now(node.vector_selector)] = None
        return
    for child in children(node):
        _ranged(child, found)


_FADING = frozenset({"rate", "irate", "increase"})


def _ranged_outside_rates(node: Any) -> bool:
    if isinstance(node, pp.MatrixSelector):
        return True
    if isinstance(node, pp.Call) and node.func.name in _FADING:
        return False  # its range fades with its counters: what the guard is for
    return any(_ranged_outside_rates(child) for child in children(node))


def rates_only(expr: str) -> bool:
    """Whether every window `expr` reads is a rate's (`rate`, `irate`, `increase`). A gauge-typed expression
    that rates counters fades as a counter's does; one that reads a window to bridge a sparse series
    (`max_over_time(x[1h])`) means to outlive its samples, and keeps its value."""
    try:
        return not _ranged_outside_rates(promql_tree.parse(expr))
    except ValueError:
        return False


def live_inputs(expr: str) -> str | None:
    """`group(a) or group(b) ...`: a sample (no labels) while any series `expr` reads over a window has one now;
    None when it reads none over a window (a gauge's value vanishes with its series already), reads one with an
    `offset` or `@` (no guard can say whether it is there now), or does not parse."""
    try:
        tree = promql_tree.parse(expr)
    except ValueError:
        return None
    found: dict[str | None, None] = {}
    _ranged(tree, found)
    if None in found:
        return None  # "any one of them" without that one could empty a signal that reads only it
    return " or ".join(f"group({selector})" for selector in found) or None


def recorded_while_live(expr: str) -> str:
    """`expr`, kept only while one of the series it reads over a window is there now (see the module)."""
    live = live_inputs(expr)
    if live is None:
        return expr
    return f"{expr}\nand on ()\n{live if ' or ' not in live else f'({live})'}"
