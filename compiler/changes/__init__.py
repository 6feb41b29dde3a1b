"""What a change to the specs does to operations, for a reviewer: alerts added, removed or changed
(expression, hold, severity, labels, the recording rules they read), recording rules, routes and their
settings, receivers, time intervals, inhibitions, other Alertmanager settings, dashboards; and which alerts
open at the deploy it ends or pages again (open_alerts). A service or team renamed, or a service moved to another
team, is one row (renames).

Reads the files on both sides (the committed output and the freshly compiled bundle) rather than the
model, so it reports what Prometheus and Alertmanager will actually load, whatever obsc version wrote
the old tree. `obsc diff` prints it as Markdown (for a pull-request comment) or JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

import yaml

from compiler import conventions as names
from compiler.changes import alertmanager, committed, identity, open_alerts, receivers, renames, rules
from compiler.changes.compare import action
from compiler.changes.summary import Change, Summary
from compiler.targets.prometheus import layout_of

# libyaml where available: the new side is a whole rule file or alertmanager.yml (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["COMMENT_CHARS", "Change", "FileDiff", "Summary", "summarise"]

# `obsc diff`'s default room for Markdown: GitHub refuses a pull-request comment over 65,536 characters, and a
# workflow may put a line of its own above the report.
COMMENT_CHARS = 60_000

# (path, old text or None, new text or None) for every file that differs.
FileDiff = tuple[str, str | None, str | None]


def summarise(diffs: Iterable[FileDiff]) -> Summary:
    summary = Summary()
    old_rules, new_rules = rules.Side(), rules.Side()
    configs = (renames.Alertmanager({}, {}), renames.Alertmanager({}, {}))
    for path, old, new in sorted(diffs, key=lambda d: d[0]):
        if layout_of(path):
            rules.read(old_rules, path, old, committed=True)
            rules.read(new_rules, path, new)
        elif path == names.ROUTING_TESTS:
            old_rules.receivers, new_rules.receivers = receivers.read(old), receivers.read(new)
        elif path == names.ALERTMANAGER_CONFIG:
            before, after = committed.load(old), _yaml(new)
            summary.changes += alertmanager.changes(before, after)
            configs = (_routing(before), _routing(after))
        elif path.startswith("grafana/dashboards/") and path.endswith(".json"):
            summary.changes.append(_dashboard(path, old, new))
        elif path == names.GRAFANA_PROVISIONING_PATH and not _same_yaml(path, old, new):
            summary.changes.append(Change("file", action(old, new), path, _folders(old, new)))
        elif (
            not path.startswith(("prometheus/tests/", "runbooks/"))
            and path not in (names.MANIFEST, names.ROUTING_TESTS)
            and not _same_yaml(path, old, new)
        ):
            summary.changes.append(Change("file", action(old, new), path))
    aligned = rules.same_tier(old_rules.alerts, new_rules.alerts)
    found = renames.find(old_rules, new_rules, configs)
    loose = identity.find(old_rules, new_rules, found)
    loose += identity.teams_renamed(old_rules, new_rules, configs, found + loose)
    found = [r for r in found if not identity.covered(r, loose)]
    before, after = identity.compared(old_rules, new_rules, loose)
    summary.changes[:0] = rules.alert_changes(before, after, None if loose else aligned) + rules.record_changes(
        before, after
    )
    summary.changes, beyond = identity.beyond(summary.changes, loose, new_rules)
    summary.changes = renames.fold(summary.changes, found + loose, (old_rules, new_rules), configs, beyond)
    summary.open_alerts = open_alerts.open_alerts(old_rules.alerts, aligned, new_rules.alerts)
    return summary


def _routing(config: Any) -> renames.Alertmanager:
    return renames.Alertmanager(alertmanager.routes(config), alertmanager.receivers(config))


def _same_yaml(path: str, old: str | None, new: str | None) -> bool:
    """Both sides hold the same YAML data: only comments moved (the header's regenerate command, after the
    specs directory or --out was moved), which nothing that loads the file sees."""
    if old is None or new is None or not path.endswith((".yaml", ".yml")):
        return False
    before = committed.load(old)
    return before is not None and before == _yaml(new)


def _yaml(text: str | None) -> Any:
    if text is None:
        return None
    return yaml.load(text, Loader=_LOADER)  # obsc's own, just compiled (the committed side: committed.load)


def _folders(old: str | None, new: str | None) -> tuple[str, ...]:
    """The Grafana folders (dashboard providers) the provisioning file adds, removes or changes: a team added,
    removed or renamed (the row said only "changed")."""

    def providers(text: str | None) -> dict[str, Any]:
        data = committed.load(text) if text is not None else None
        listed = data.get("providers") if isinstance(data, dict) else None
        return {str(p.get("folder")): p for p in listed or () if isinstance(p, dict)}

    before, after = providers(old), providers(new)
    found = []
    for word, titles in (
        ("Grafana folders added", [t for t in after if t not in before]),
        ("Grafana folders removed", [t for t in before if t not in after]),
        ("Grafana folders changed", [t for t in after if t in before and after[t] != before[t]]),
    ):
        if titles:
            found.append(f"{word}: {', '.join(sorted(titles))}")
    return tuple(found)


def _dashboard(path: str, old: str | None, new: str | None) -> Change:
    before, after = _dashboard_json(old), _dashboard_json(new)
    shown = str(after.get("title") or before.get("title") or "")
    details = [f"title: {shown}"] if shown else []
    if old is not None and new is not None:
        details += _panel_changes(before, after)
    return Change("dashboard", action(old, new), path, tuple(details))


def _dashboard_json(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except (ValueError, RecursionError):  # a committed dashboard anyone may have edited
        return {}
    return data if isinstance(data, dict) else {}


def _panel_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Which panels a changed dashboard added, removed or changed (by id: obsc's ids are stable, titles may
    repeat), named by title, and which of its other settings changed (a team's links change them and the
    About panel together: the links were not named when a panel had moved too)."""
    old, new = _panels(before), _panels(after)
    new = _keyed_as_before(old, new)
    differ = [i for i in new if i in old and new[i] != old[i]]
    moved = [i for i in differ if _placed_apart(new[i]) == _placed_apart(old[i])]
    found = []
    for word, ids in (
        ("panels added", [i for i in new if i not in old]),
        ("panels removed", [i for i in old if i not in new]),
        ("panels changed", [i for i in differ if i not in moved]),
    ):
        if ids:
            titles = Counter(str((new.get(i) or old[i]).get("title") or f"id {i}") for i in ids)
            found.append(f"{word}: " + ", ".join(t + (f" ×{n}" if n > 1 else "") for t, n in titles.items()))
    if moved:  # counted, not named: a removed SLO's rows move every panel below them (8 of 10 rows named)
        found.append(f"{len(moved)} panel(s) only moved")
    settings = sorted((before.keys() | after.keys()) - {"panels"}, key=str)
    moved = [str(key) for key in settings if before.get(key) != after.get(key)]
    if moved:
        found.append(f"settings changed ({', '.join(moved)})")
    return found


def _keyed_as_before(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`new` with a panel whose id changed keyed by its old id, when one panel removed and one added share a title
    (a threshold alert's tier changed renumbers its panel): one panel changed, not one titled alike added and
    removed (round 45: "panels added: queue; panels removed: queue; panels changed: queue")."""

    def titled(panels: dict[str, dict[str, Any]], ids: set[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in sorted(ids):
            out.setdefault(str(panels[i].get("title") or ""), []).append(i)
        return out

    gone, came = titled(old, old.keys() - new.keys()), titled(new, new.keys() - old.keys())
    moved = {came[t][0]: ids[0] for t, ids in gone.items() if t and len(ids) == 1 and len(came.get(t, ())) == 1}
    return {moved.get(i, i): panel for i, panel in new.items()}


def _placed_apart(panel: dict[str, Any]) -> dict[str, Any]:
    """A panel less its place on the grid: what it shows and how."""
    return {key: value for key, value in panel.items() if key != "gridPos"}


def _panels(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every panel, rows' collapsed panels included, by id (a panel without one by its place)."""
    out: dict[str, dict[str, Any]] = {}
    pending = list(dashboard.get("panels") or []) if isinstance(dashboard.get("panels"), list) else []
    while pending:
        panel = pending.pop(0)
        if not isinstance(panel, dict):
            continue
        out[str(panel.get("id", f"#{len(out)}"))] = panel
        if isinstance(panel.get("panels"), list):
            pending += panel["panels"]
    return out
