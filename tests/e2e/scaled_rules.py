"""Compiled rules with every duration divided by a scale, for live tests where one second stands for a minute.

Range selectors, subquery ranges and steps, `offset`s and each rule's `for:` and `keep_firing_for:` are scaled;
nothing else in the text changes, so the rules read the same series (ALERTS among them), in the same groups and
order, as compiled.
Thresholds on rates are not scaled: a test's counters grow `scale` times faster a second than the production
traffic they stand for, which leaves every ratio, and every "any traffic at all", as it was. A recorded rate times
its window's seconds is a count of events (obsc's event-count SLOs): that multiplier is scaled with the window, so
every count is the production one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
_DURATION = r"(?:\d+(?:ms|[smhdwy]))+"
# a duration where PromQL reads one: after `[` or a subquery's `:` (up to `]` or `:`), or after `offset`
_RECORDED_WINDOW = re.compile(rf":\w*?rate({_DURATION})\b")  # slo:sli_errors:rate5m: its window
_IN_EXPR = re.compile(rf"(?<=\[)({_DURATION})(?=[\]:])|(?<=:)({_DURATION})(?=\])|(?<=offset )({_DURATION})\b")


def milliseconds(duration: str) -> int:
    return sum(int(n) * _UNIT_MS[unit] for n, unit in re.findall(r"(\d+)(ms|[smhdwy])", duration))


def scaled(duration: str, scale: int) -> str:
    """`duration` divided by `scale`, in milliseconds. A duration a few milliseconds off a whole multiple of the
    scale (`[9m59s999ms:15s]`: twice the hold less one millisecond, so a subquery reading both ends takes one
    step fewer) keeps its nudge unscaled: 10s less 1ms, not 9999.98ms rounded back up to 10s (one step too many)."""
    ms = milliseconds(duration)
    whole, nudge = divmod(ms + scale // 2, scale)
    nudge -= scale // 2  # the nearest multiple of the scale, and how far off it the duration is (under half a scale)
    # a nudge must stay a nudge after scaling, or the test lies about the rule's length
    assert whole > 2 * abs(nudge), (duration, scale)
    return f"{whole + nudge}ms"


def scale_expr(expr: str, scale: int) -> str:
    expr = _IN_EXPR.sub(lambda m: scaled(next(g for g in m.groups() if g), scale), expr)
    for seconds in {milliseconds(w) // 1000 for w in _RECORDED_WINDOW.findall(expr)}:
        expr = re.sub(rf"(?<=\* ){seconds}(?![\d.])", str(seconds // scale), expr)
    return expr


def scale_groups(groups: Iterable[dict[str, Any]], scale: int, keep: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """The rule groups with the rules `keep` picks (groups left empty dropped), every duration scaled."""
    out = []
    for group in groups:
        rules = []
        for rule in group["rules"]:
            if not keep(rule):
                continue
            rule = {**rule, "expr": scale_expr(rule["expr"], scale)}
            for hold in ("for", "keep_firing_for"):
                if hold in rule:
                    rule[hold] = scaled(rule[hold], scale)
            rules.append(rule)
        if rules:
            interval = {"interval": scaled(group["interval"], scale)} if "interval" in group else {}
            out.append({**group, **interval, "rules": rules})
    return out
