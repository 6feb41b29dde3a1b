"""What a change does to the alerts open while it deploys, said for the reviewer in so many words.

Prometheus 2.42 keeps an alert's state across a rule reload only for a rule of the same group (file and
group name) with the same alert name and the same labels (`Group.CopyState` matches rules on name and
labels). Any other rule starts empty: an alert of the old rule that was firing is dropped without a resolve
(Alertmanager ends it about four evaluation intervals later and tells its resolve), and the new rule's alert
fires again only after its whole `for:`, with other labels, so in another notification group when those are
ones Alertmanager groups by. A threshold, objective, `for:`, annotation or recording-rule change keeps the
state; a label, tier, name or group change does not, and nothing in an alert row said so.

Pages group per team and service (round 40): a page whose other labels change (`incident` put on it by an SLO
added beside it, `tier_labels`) fires again in the service's open page group, an update of that page and no new
one, as long as the group holds an alert until then; only a page that changes team, service or tier re-pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler import conventions as names
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
    added: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for key in aligned.keys() - old.keys():
        added.setdefault((alert_name(key), aligned[key]["severity"]), []).append(aligned[key])
    found: dict[tuple[str, str, str], tuple[int, set[str], set[str]]] = {}
    for key, before in old.items():
        after = aligned.get(key)
        again = added.get((alert_name(key), before["severity"]))
        if after is None and again:
            # the same tier: an SLO renamed pages again in its page group when a new rule keeps team and service
            effects = {_relabelled(before, rule) for rule in again}
            effect = "re-fires" if "re-fires" in effects else effects.pop()
            holds, why = {rule["for"] for rule in again}, {f"removed; {len(again)} rule(s) of its name and tier added"}
        elif after is None:
            effect, holds, why = "resolves", set(), {"removed"}
        else:
            why = _moved(alert_name(key), before, new_names[id(after)], after)
            if not why:
                continue
            effect = _relabelled(before, after)
            holds = {after["for"]}
        name = (effect, alert_name(key), before["severity"])
        rules, all_holds, reasons = found.get(name, (0, set(), set()))
        found[name] = (rules + 1, all_holds | holds, reasons | why)
    return [
        OpenAlerts(effect, name, severity, rules, tuple(sorted(holds, key=_seconds)), tuple(sorted(why)))
        for (effect, name, severity), (rules, holds, why) in sorted(found.items(), key=lambda item: _order(item[0]))
    ]


# What keeps a page's notification group (routes.PAGE_GROUP_BY and the team branch above it): its team, its service
# and its tier.
_PAGE_GROUP = (names.LABEL_TEAM, names.LABEL_SERVICE, names.LABEL_SEVERITY)


def _relabelled(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """The effect on an open alert whose rule changed name, labels or group: a page that keeps its page group fires
    again in it (`re-fires`); one that leaves it, or a rule that starts paging, `re-pages`; the rest re-notify."""
    if after["severity"] != "critical":
        return "re-notifies"
    kept = all(before["label_set"].get(label) == after["label_set"].get(label) for label in _PAGE_GROUP)
    return "re-fires" if kept else "re-pages"


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


_EFFECTS = ("re-pages", "resolves", "re-fires", "re-notifies")  # what wakes someone first


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
