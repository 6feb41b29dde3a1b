"""Cut the parts of a document that failed the schema, so the rest can still be built and checked.

One run should report every mistake, but the model builder trusts schema-valid input. So a document
with schema errors is not thrown away: each error's *unit* (the smallest piece the builder can do
without: one SLO, one metric, one team's business_hours, one receiver...) is removed, and the builder
runs on what is left. `broken` records what was removed so that checks which would need it are
skipped instead of reporting a consequence of the first error (a pruned receiver is not "undefined").

List items are removed too (a broken `slos[1]`); positions and paths of the items after it are
mapped back, so later errors still name the line and the `$.slos[2]` the user wrote.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import Diagnostic
from compiler.spec.document import Document, Path
from compiler.spec.schema import key_meant

# How deep below a top-level key the unit of a broken value lies (default 1: the whole top-level key).
_SERVICE_DEPTH = {
    "slos": 2,
    "metrics": 2,
    "alerts": 2,
    "routing": 2,
    "links": 2,
    "labels": 2,
    "threshold_alerts": 2,
    "tier_labels": 2,
}
_PLATFORM_DEPTH = {
    "teams": 3,  # teams.<team>.routing / business_hours / links
    "receivers": 2,
    "defaults": 3,  # defaults.metrics.<name>, defaults.routing.<tier>, defaults.period
    "alertmanager": 3,  # alertmanager.global.<key>, alertmanager.default_receiver
    "standard_dashboards": 2,
    "secrets": 2,
}
# Lists whose items are units of their own (a broken `slos[1]` leaves `slos[2]` checked).
_ITEM_LISTS = frozenset({"slos", "threshold_alerts"})
# Required service keys the builder reads unconditionally; a broken one is replaced by a stand-in.
_STAND_INS: dict[str, Any] = {"service": "-", "team": "-", "selector": {"job": "-"}}


@dataclass(frozen=True)
class Pruned:
    doc: Document  # the document without its broken units (positions kept)
    broken: frozenset[Path]  # the units removed or replaced
    _kept: dict[Path, list[int]] = field(default_factory=dict)  # list path -> original index of each kept item

    def restore(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic found on the pruned document, with the path the user wrote."""
        path = list(diagnostic.path)
        for i in range(len(path)):
            kept = self._kept.get(tuple(path[:i]))
            index = path[i]
            if kept is not None and isinstance(index, int) and index < len(kept):
                path[i] = kept[index]
        return Diagnostic(diagnostic.location, tuple(path), diagnostic.message)


def prune(doc: Document, problems: Iterable[Diagnostic], *, platform: bool = False) -> Pruned | None:
    """`doc` without the units of `problems` (schema errors of this document); None if nothing is left."""
    if not isinstance(doc.data, dict):
        return None
    depth = _PLATFORM_DEPTH if platform else _SERVICE_DEPTH
    problems = list(problems)
    units = {_unit(d.path, depth) for d in problems if d.path}
    # A misspelt key (`metrcs:`, `secret:`) holds what its meant key would: that key is not missing, it is
    # unknown, so checks that read it are skipped ("metric 'errors' is not defined" said the typo again).
    meant = {_unit((*d.path[:-1], name), depth) for d in problems if (name := key_meant(d))}
    meant = {m for m in meant if not _present(doc.data, m)}
    units |= meant
    if not platform:
        units |= _dependents(doc.data, units)
    data = copy.deepcopy(doc.data)
    removed = {u for u in units if _remove(data, u)} | meant
    data = _drop_gone(data)
    if not platform:
        for key, stand_in in _STAND_INS.items():
            if key not in data:
                data[key] = copy.deepcopy(stand_in)
                removed.add((key,))
        if ("team",) in removed:
            data.pop("routing", None)  # a spec's receivers use its team's secrets: unknown without the team
            removed.add(("routing",))
    kept = _kept_items(doc.data, removed)
    out = Document(
        file=doc.file,
        data=data,
        index=doc.index,
        real_file=doc.real_file,
        real_folder=doc.real_folder,
        link_folders=doc.link_folders,
        imports=doc.imports,
    )
    out.value_marks = _remap(doc.value_marks, removed, kept)
    out.key_marks = _remap(doc.key_marks, removed, kept)
    return Pruned(out, frozenset(removed), kept)


def _present(data: Any, path: Path) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def _unit(path: Path, depth: dict[str, int]) -> Path:
    unit = path[: depth.get(str(path[0]), 1)]
    # A unit never ends inside a list of scalars it does not own: `slos[1]` yes, `dashboards[0]` no.
    return unit[:-1] if isinstance(unit[-1], int) and unit[0] not in _ITEM_LISTS else unit


def _dependents(data: dict[str, Any], units: set[Path]) -> set[Path]:
    """SLOs and threshold alerts that name a metric that was removed: they would report it as undefined."""
    gone = {str(u[1]) for u in units if len(u) == 2 and u[0] == "metrics"}
    if ("metrics",) in units:
        gone.add("*")  # every metric
    if not gone:
        return set()
    out: set[Path] = set()
    slos = data.get("slos")
    for i, slo in enumerate(slos if isinstance(slos, list) else []):
        sli = slo.get("sli") if isinstance(slo, dict) else None
        names = {v for v in sli.values() if isinstance(v, str)} if isinstance(sli, dict) else set()
        if ("*" in gone and names) or names & gone:
            out.add(("slos", i))
    alerts = data.get("threshold_alerts")
    for i, alert in enumerate(alerts if isinstance(alerts, list) else []):
        metric = alert.get("metric") if isinstance(alert, dict) else None
        if isinstance(metric, str) and ("*" in gone or metric in gone):
            out.add(("threshold_alerts", i))
    if "*" in gone or gone & {"requests", "errors", "latency", "cpu", "memory", "disk", "build_info"}:
        out.add(("alerts",))  # key alerts read the well-known metrics
    return out


def _remove(data: Any, unit: Path) -> bool:
    parent = data
    for part in unit[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = unit[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent[last] = _GONE  # removed below, once every unit of the list is known
        return True
    return False


class _Gone:
    pass


_GONE = _Gone()


def _kept_items(original: Any, removed: set[Path]) -> dict[Path, list[int]]:
    lists = {u[:-1] for u in removed if u and isinstance(u[-1], int)}
    kept: dict[Path, list[int]] = {}
    for list_path in lists:
        value = original
        for part in list_path:
            value = value[part]
        kept[list_path] = [i for i in range(len(value)) if (*list_path, i) not in removed]
    return kept


def _drop_gone(data: Any) -> Any:
    if isinstance(data, dict):
        for key, value in data.items():
            data[key] = _drop_gone(value)
    elif isinstance(data, list):
        return [_drop_gone(v) for v in data if v is not _GONE]
    return data


def _remap(marks: dict[Path, tuple[int, int]], removed: set[Path], kept: dict[Path, list[int]]) -> dict[Path, Any]:
    new_index = {lp: {old: new for new, old in enumerate(olds)} for lp, olds in kept.items()}
    out: dict[Path, tuple[int, int]] = {}
    gone = {u for u in removed if u}
    for path, mark in marks.items():
        # Each prefix looked up in a set: testing every mark against every removed unit was quadratic
        # (a spec of 99,000 broken metrics took half an hour here).
        if any(path[:n] in gone for n in range(1, len(path) + 1)):
            continue
        parts = list(path)
        for i in range(len(parts)):
            table = new_index.get(tuple(path[:i]))
            if table is not None and isinstance(parts[i], int):
                parts[i] = table[path[i]]  # type: ignore[index]
        out[tuple(parts)] = mark
    return out
