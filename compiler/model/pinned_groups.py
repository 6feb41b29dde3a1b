"""A `by:` label the selector pins to one value: one group, never one per value, and the other values unread.

`by: [region]` beside `selector: {region: eu}` reads `region="eu"` only: the SLO (or threshold alert) has one group,
and the author who meant "per region" has no alert for any other region, compiled without a word (round 39). Not
an error: the one group keeps `region` on its alerts, which a route may read; a located warning says so and how to
write either intent. A matcher pins a label when it is `=`, or `=~` with a pattern that names one value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.promql import Matcher
from compiler.model.types import Metric, Service, Slo, ThresholdAlert

_ONE_VALUE = re.compile(r"[A-Za-z0-9_\-:/ ]*")  # a pattern of no regex syntax matches itself alone


def pinned_group_lines(
    data: Mapping[str, Any],
    selector: Sequence[Matcher],
    slos: Sequence[Slo],
    alerts: Sequence[ThresholdAlert],
    ctx: Ctx,
) -> tuple[Diagnostic, ...]:
    """A located warning at each `by:` entry of an SLO or threshold alert whose label one matcher pins."""
    found: list[Diagnostic] = []
    own = {str(k) for k in data.get("selector") or {}}
    groups: dict[str, dict[str, Metric | None]] = {
        "slos": {s.name: s.sli.total or s.sli.latency for s in slos},  # the series an event SLO's groups are of
        "threshold_alerts": {a.name: a.metric for a in alerts},
    }
    for key, built in groups.items():
        for i, raw in enumerate(data.get(key) or []):
            if not isinstance(raw, Mapping) or (metric := built.get(str(raw.get("name")))) is None:
                continue
            for j, label in enumerate(raw.get("by") or []):
                if (pin := _pin(metric, str(label))) is not None:
                    path = (key, i, "by", j)
                    whose = "the service's selector" if pin.label in own and pin in selector else f"{metric.name}'s"
                    found.append(Diagnostic(ctx.loc(path), path, _message(pin, whose, key == "slos")))
    return tuple(found)


def _pin(metric: Metric, label: str) -> Matcher | None:
    if metric.selector is None:
        return None  # an expression: its matchers are free PromQL, not read here
    for m in metric.selector.matchers:
        if m.label == label and (m.op == "=" or (m.op == "=~" and _ONE_VALUE.fullmatch(m.value))):
            return m
    return None


def _message(pin: Matcher, whose: str, slo: bool) -> str:
    what = "the SLO has" if slo else "the alert has"
    return (
        f"by: {pin.label!r} is pinned to one value by {whose} matcher {pin.render()}: {what} one group, never one "
        f"per {pin.label}, and series of any other {pin.label} are not read at all; to keep {pin.label} on the "
        f'alerts for routing, say so with labels: {{{pin.label}: "{pin.value}"}} and drop it from by:, or to '
        f"split by every {pin.label}, take that matcher out"
    )


def pinned_group_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    return [d for s in services for d in s.group_labels if "is pinned to one value" in d.message]
