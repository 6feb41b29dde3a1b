"""Spec text that reaches dashboard queries: what Grafana would rewrite in it.

Grafana replaces variables in a panel's query before Prometheus reads it, inside PromQL strings too, and has no
escape for them. A label value or expression holding one (`job="$__interval"`, `path=~"[[datasource]]"`, a
group label's `$route`) read another series on the dashboard than in the alerts, which get the text as
written. Refused where written: the service's selector and targets values, the strings of every metric's
selector or expression (the spec's and the platform's defaults; outside strings a `$` is no PromQL, and the
PromQL checks refuse it at its column). Only names Grafana fills on obsc's dashboards count: its built-ins
(`__` first), the data source variable and the service's `by:` labels (its SLOs' and threshold alerts'; a
platform default metric's `$route` is refused at the `by:` label of each service inheriting it, model/groups.py).
An unknown `$name` (a JVM class's `Outer$Inner`) is left alone by Grafana, and obsc's own `$selector` and
`$window` are filled before any query is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.conventions import GRAFANA_DATASOURCE_VARIABLE
from compiler.errors import Diagnostic
from compiler.spec.document import Document, Path

# Grafana's templateSrv syntax: $name, [[name]] / [[name:format]], ${name}, ${name.field}, ${name:format}
_VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\}")
_OBSC_PLACEHOLDERS = frozenset({"selector", "window"})
_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`""")  # PromQL string literals


def problems(doc: Document) -> Iterator[Diagnostic]:
    data = doc.data
    if not isinstance(data, Mapping):
        return
    platform = data.get("kind") == "Platform"
    variables = {GRAFANA_DATASOURCE_VARIABLE, *([] if platform else _group_labels(data))}
    for path, text, promql in _queried(data, platform):
        # in PromQL only strings: elsewhere a `$` is no PromQL, and the PromQL checks say so at its column
        found = _substituted(" ".join(_STRING.findall(text)) if promql else text, variables)
        if found:
            yield Diagnostic(
                doc.locate(path),
                path,
                f"{found!r} is Grafana variable syntax, which Grafana fills in dashboard queries (inside strings "
                "too): the panels would read other series than the alerts; match the value with a regex (=~) "
                "that writes '$' or '[' as a class, [$] or [[]",
            )


def _substituted(text: str, variables: set[str]) -> str:
    """The first variable reference in `text` that Grafana fills on obsc's dashboards, or ""."""
    for match in _VARIABLE.finditer(text):
        name = next(g for g in match.groups() if g is not None)
        if name.startswith("__") or (name in variables and name not in _OBSC_PLACEHOLDERS):
            return match.group()
    return ""


def filled_label(text: str, promql: bool, label: str) -> str:
    """The first reference to `label`'s variable in what Grafana reads of `text` (a PromQL query's strings), or
    "": a platform default metric is written before the services' `by:` labels are known (model/groups.py)."""
    if label in _OBSC_PLACEHOLDERS:
        return ""
    for match in _VARIABLE.finditer(" ".join(_STRING.findall(text)) if promql else text):
        if next(g for g in match.groups() if g is not None) == label:
            return match.group()
    return ""


def default_metric_texts(defaults: Mapping[str, Any]) -> Iterator[tuple[Path, str, bool]]:
    """(path below `defaults`, text, whether PromQL) of the platform's default metrics' selectors and exprs."""
    yield from _metrics(defaults.get("metrics"), ("metrics",))


def _group_labels(data: Mapping[str, Any]) -> Iterator[str]:
    """The `by:` labels of SLOs and threshold alerts: each is a variable of the service's dashboard."""
    for key in ("slos", "threshold_alerts"):
        items = data.get(key)
        for item in items if isinstance(items, list) else ():
            by = item.get("by") if isinstance(item, Mapping) else None
            yield from (label for label in by if isinstance(label, str)) if isinstance(by, list) else ()


def _queried(data: Mapping[str, Any], platform: bool) -> Iterator[tuple[Path, str, bool]]:
    """(path, text, whether it is PromQL) of what dashboard queries read: selector and targets values, metric
    selectors and expressions."""
    if platform:
        defaults = data.get("defaults")
        if isinstance(defaults, Mapping):
            yield from _metrics(defaults.get("metrics"), ("defaults", "metrics"))
        return
    for key in ("selector", "targets"):
        labels = data.get(key)
        if isinstance(labels, Mapping):
            yield from (((key, label), value, False) for label, value in labels.items() if isinstance(value, str))
        elif isinstance(labels, str):  # targets as label matchers: their quoted values are what Grafana reads
            yield ((key,), labels, True)
    yield from _metrics(data.get("metrics"), ("metrics",))


def _metrics(metrics: Any, base: Path) -> Iterator[tuple[Path, str, bool]]:
    if not isinstance(metrics, Mapping):
        return
    for name, body in metrics.items():
        if isinstance(body, str):
            yield (*base, name), body, True
        elif isinstance(body, Mapping):
            for key in ("selector", "expr"):
                if isinstance(body.get(key), str):
                    yield (*base, name, key), body[key], True
