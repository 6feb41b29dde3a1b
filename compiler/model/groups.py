"""Grouped SLOs (`by: [route]`): which labels may split an SLO, and the PromQL pieces that keep them.

A group label must not be one obsc itself sets on recorded series or alerts (recording-rule labels
override the expression's, so `by: [service]` would fold every group into one series), nor one the
service's own `labels:` put on alerts (that would overwrite the group's value on every alert). Each
label multiplies the recorded series (groups × windows), so the platform caps how many an SLO names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler import conventions as names
from compiler.model.build_context import Ctx, Layer
from compiler.spec.document import Path
from compiler.spec.query_text import default_metric_texts, filled_label

DEFAULT_MAX_GROUP_LABELS = 2
# Labels obsc owns: on recorded series (service, slo, window), on alerts (severity, team, burn_window, and
# data="missing" on SLODataMissing and a threshold or saturation alert's no-series twin: a route or silence on it
# would catch an SLO's group too), and `le`, which the latency SLI sums buckets by.
RESERVED = (*names.ALERT_LABELS_OWNED, names.LABEL_WINDOW, "le")


def max_group_labels(defaults: Layer) -> int:
    return int((defaults.data.get("slo") or {}).get("max_group_labels", DEFAULT_MAX_GROUP_LABELS))


def label_setters(raw: Mapping[str, Any], data: Mapping[str, Any], defaults: Layer, own: str) -> dict[str, Any]:
    """Where the labels written on an alert come from, by name: the spec's labels:, the alert's or SLO's own
    (`own` names them), the spec's and the platform's tier_labels. A `by:` label set by any of them would give
    every group that one value, and Prometheus fails the rule ("same labelset after applying alert labels")."""
    where = {"the service's labels:": data.get("labels") or {}, own: raw.get("labels") or {}}
    where |= {f"tier_labels.{t}": v or {} for t, v in (data.get("tier_labels") or {}).items()}
    platform = defaults.data.get("tier_labels") or {}
    return where | {f"the platform's defaults.tier_labels.{t}": v or {} for t, v in platform.items()}


def set_elsewhere(label: str, setters: Mapping[str, Any]) -> str:
    """Why group label `label` cannot split an alert, or ""."""
    found = [name for name, labels in setters.items() if label in labels]
    if not found:
        return ""
    return (
        f"{label!r} splits the alert (by:) and is also set by {', '.join(found)}: every group would carry that one "
        "value and Prometheus would fail the rule; drop it from one of them"
    )


def build_by(
    raw: Mapping[str, Any], data: Mapping[str, Any], defaults: Layer, ctx: Ctx, path: Path
) -> tuple[str, ...] | None:
    """The SLO's group labels, or None after reporting every refused one."""
    setters = label_setters(raw, data, defaults, "the SLO's labels")
    by = [str(label) for label in raw.get("by") or []]
    ok = True
    cap = max_group_labels(defaults)
    if len(by) > cap:
        ctx.error(
            (*path, "by"),
            f"{len(by)} group labels ({', '.join(by)}) exceed the platform's cap of {cap} "
            "(defaults.slo.max_group_labels): every label multiplies the SLO's recorded series "
            "(groups x windows); group by fewer labels or raise the cap in the platform file",
        )
        ok = False
    for i, label in enumerate(by):
        problem = _label_problem(label) or set_elsewhere(label, setters) or filled_by_platform(label, data, defaults)
        if problem:
            ctx.error((*path, "by", i), problem)
            ok = False
    return tuple(by) if ok else None


def _label_problem(label: str) -> str:
    if label.startswith("__"):
        return (
            f"group label {label!r} is internal to Prometheus (labels starting with '__' are dropped after relabelling)"
        )
    if label in RESERVED:
        return (
            f"group label {label!r} is one obsc sets itself on recorded series and alerts "
            f"({', '.join(RESERVED)}): grouping by it would merge or mislabel the groups; rename the label"
        )
    return dashboard_variable_problem(label, "group label")


def dashboard_variable_problem(label: str, what: str) -> str:
    """A `by:` label (an SLO's or a threshold alert's) named like a variable obsc defines besides the group ones:
    each such label becomes a variable of its name, and the alert's link would set the other one."""
    if label in DASHBOARD_VARIABLES:
        return (
            f"{what} {label!r} is the name of a dashboard variable obsc defines (the data source picker): "
            f"each {what} becomes a variable of that name, and the two would collide; rename the label"
        )
    return ""


def filled_by_platform(label: str, data: Mapping[str, Any], defaults: Layer) -> str:
    """Why `by:` label `label` (an SLO's or a threshold alert's), a variable of the service dashboard, cannot be
    one, or "": a platform default metric the service inherits writes `$label` in a string of its query. The
    spec's own strings are refused where written (spec/query_text.py); the platform's are written before any
    service's labels are known, so the service that makes the variable is told."""
    own = data.get("metrics") or {}
    for path, text, promql in default_metric_texts(defaults.data):
        if path[1] not in own and (found := filled_label(text, promql, label)):
            where = defaults.ctx.loc((*defaults.base, *path))
            return (
                f"by: label {label!r} becomes a variable of the service dashboard, and the platform's default "
                f"metric {path[1]!r} ({where}) writes {found!r} in a string of its query: Grafana would fill it "
                "in that metric's panels, which would read other series than its alerts; rename the label, or "
                "have the platform write the '$' as a regex class ([$])"
            )
    return ""


# Dashboard template variables obsc writes besides one per group label (targets/grafana).
DASHBOARD_VARIABLES = ("datasource",)


def by_clause(by: Sequence[str]) -> str:
    """` by (route, tenant)` for an aggregation keeping the groups; "" for an ungrouped SLO."""
    return f" by ({', '.join(by)})" if by else ""


def on_labels(by: Sequence[str]) -> str:
    """Labels that match one group of an SLO against its other windows: `service, slo` plus the groups."""
    return ", ".join((names.LABEL_SERVICE, names.LABEL_SLO, *by))


_AGGREGATION = re.compile(
    r"\b(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile|count_values)\s*"
    r"(?:(by|without)\s*\(([^()]*)\)\s*)?\("
)
_MATCHING = re.compile(r"\b(on|ignoring)\s*\(([^()]*)\)")


def raw_group_problem(expr: str, by: Sequence[str]) -> str:
    """Why a raw SLI query would lose a group label, or "".

    A raw SLI is free PromQL; obsc sums it `by` the groups, which only works if the query still carries
    them. Checked on the text: every aggregation must keep them (`by (...)` naming them, or `without`
    not naming them), and every vector match must too (`on (...)` naming them, `ignoring` not).
    """
    for m in _AGGREGATION.finditer(expr):
        modifier, labels = m.group(2), _names(m.group(3) or "")
        if modifier is None:
            trailing = re.match(r"\s*(by|without)\s*\(([^()]*)\)", expr[_close(expr, m.end() - 1) + 1 :])
            if trailing:
                modifier, labels = trailing.group(1), _names(trailing.group(2))
        lost = _lost(modifier, labels, by)
        if lost:
            return f"its {m.group(1)}(...) drops {', '.join(lost)}"
    for m in _MATCHING.finditer(expr):
        lost = _lost("by" if m.group(1) == "on" else "without", _names(m.group(2)), by)
        if lost:
            return f"its {m.group(1)}({m.group(2).strip()}) match drops {', '.join(lost)}"
    return ""


def _names(text: str) -> set[str]:
    return {part.strip() for part in text.split(",") if part.strip()}


def _lost(modifier: str | None, labels: set[str], by: Sequence[str]) -> list[str]:
    if modifier == "without":
        return [label for label in by if label in labels]
    return [label for label in by if label not in labels]  # `by` or no modifier (which keeps nothing)


def _close(text: str, open_at: int) -> int:
    """Index of the parenthesis closing the one at `open_at` (the end of the text if unbalanced)."""
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text)
