"""What a change does to the alerts open while it deploys, said for the reviewer in so many words.

Prometheus 2.42 keeps an alert's state across a rule reload only for a rule of the same group (file and
group name) with the same alert name and the same labels (`Group.CopyState` matches rules on name and
labels). Any other rule starts empty: an alert of the old rule that was firing is dropped without a resolve
(Alertmanager ends it about four evaluation intervals later and tells its resolve), and the new rule's alert
fires again only after its whole `for:`, with other labels, so in another notification group when those are
ones Alertmanager groups by. A threshold, objective, `for:`, annotation or recording-rule change keeps the
state; a label, tier, name or group change does not, and nothing in an alert row said so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.changes.compare import alert_name, labels_text
from compiler.changes.summary import OpenAlerts

__all__ = ["open_alerts"]


def open_alerts(
    old: Mapping[str, dict[str, Any]], aligned: Mapping[str, dict[str, Any]], new: Mapping[str, dict[str, Any]]
) -> list[OpenAlerts]:
    """`old`: the base side's alerts by key; `aligned`: the new side's, an alert paired with a base one (its
    labels, tier or name changed) keyed as on the base side (rules.same_tier); `new`: the new side's by their own
    keys, which hold a renamed alert's new name."""
    new_names = {id(alert): alert_name(key) for key, alert in new.items()}
    # rules of no base rule, by name and tier: a service renamed or moved across files pairs none of its alerts
    # (another service's are never paired), and its new rules page again for the same trouble
    added: dict[tuple[str, str], list[str]] = {}
    for key in aligned.keys() - old.keys():
        added.setdefault((alert_name(key), aligned[key]["severity"]), []).append(aligned[key]["for"])
    found: dict[tuple[str, str, str], tuple[int, set[str], set[str]]] = {}
    for key, before in old.items():
        after = aligned.get(key)
        again = added.get((alert_name(key), before["severity"]))
        if after is None and again:
            effect = "re-pages" if before["severity"] == "critical" else "re-notifies"
            holds, why = set(again), {f"removed; {len(again)} rule(s) of its name and tier added"}
        elif after is None:
            effect, holds, why = "resolves", set(), {"removed"}
        else:
            why = _moved(alert_name(key), before, new_names[id(after)], after)
            if not why:
                continue
            effect = "re-pages" if after["severity"] == "critical" else "re-notifies"
            holds = {after["for"]}
        name = (effect, alert_name(key), before["severity"])
        rules, all_holds, reasons = found.get(name, (0, set(), set()))
        found[name] = (rules + 1, all_holds | holds, reasons | why)
    return [
        OpenAlerts(effect, name, severity, rules, tuple(sorted(holds, key=_seconds)), tuple(sorted(why)))
        for (effect, name, severity), (rules, holds, why) in sorted(found.items(), key=lambda item: _order(item[0]))
    ]


def _moved(was: str, before: Mapping[str, Any], now: str, after: Mapping[str, Any]) -> set[str]:
    """What of the rule's identity moved: its name, labels (severity included) or group."""
    out = set()
    if was != now:
        out.add(f"alertname: {was} → {now}")
    old_labels, new_labels = before["label_set"], after["label_set"]
    if old_labels != new_labels:
        gone = {k: v for k, v in old_labels.items() if new_labels.get(k) != v}
        came = {k: v for k, v in new_labels.items() if old_labels.get(k) != v}
        out.add(f"labels: {labels_text(gone) or '{}'} → {labels_text(came) or '{}'}")
    if before["group"] != after["group"]:
        out.add(f"rule group: {_group(before['group'])} → {_group(after['group'])}")
    return out


def _group(group: tuple[str, str]) -> str:
    return f"{group[1]} ({group[0]})"


_EFFECTS = ("re-pages", "resolves", "re-notifies")  # what wakes someone first


def _order(name: tuple[str, str, str]) -> tuple[int, str, str]:
    effect, alertname, severity = name
    return _EFFECTS.index(effect), alertname, severity


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def _seconds(duration: str) -> tuple[float, str]:
    """A Prometheus duration's length (`1h30m`), for showing holds shortest first; unread text sorts last."""
    total, number = 0.0, ""
    rest = duration
    while rest:
        if rest[0].isdigit():
            number += rest[0]
            rest = rest[1:]
            continue
        unit = "ms" if rest.startswith("ms") else rest[0]
        if unit not in _UNITS or not number:
            return float("inf"), duration
        total += int(number) * _UNITS[unit]
        number, rest = "", rest[len(unit) :]
    return (total, duration) if not number else (float("inf"), duration)
