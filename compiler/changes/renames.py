"""A service or team renamed, or a service moved to another team, as one row of `obsc diff`.

Without it a rename read as a mixed diff: the rules whose expression does not hold the service's name paired as
changed, every other one removed and added, its routes, receivers and dashboard too (37 rows for one service of
round 44's fleet), and a reviewer had to compare them pair by pair to learn that nothing but the name moved.

How a pair is decided: a label value (`service`, `team`) gone from every rule of the base side is paired with
one new on the other when the two sets of rules are equal once that value is set aside: the same alert and
recording rules, each with the same name, expression, hold, tier, other labels and evaluation settings (the
value itself masked where a selector matches it exactly, `service="api"`), and only when that pairing is one
to one. A rule that differs in anything else (a threshold, a selector, a hold, one alert more) leaves the two
as removed and added. A service moved to another team is the same test on its `team` label, within the
service. What the rules do not decide (routes' settings, receivers' settings, links in annotations) is compared
once the rename's names are mapped, and what still differs is said on the rename's row; so is what a rename
breaks (dashboard UIDs and paths, silences matching the old value, runbook pages).
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from compiler.changes import moved_files, receiver_renames
from compiler.changes.compare import alert_key, alert_name, changed, labels_text
from compiler.changes.receiver_renames import Alertmanager
from compiler.changes.rules import Side
from compiler.changes.summary import Change
from compiler.model.promql_strings import quote

LABELS = ("service", "team")
__all__ = ["Alertmanager", "Rename", "find", "fold", "gone_from_routing", "masked"]


@dataclass(frozen=True)
class Rename:
    label: str
    old: str
    new: str
    scope: tuple[str, str] | None = None  # (label, value) it is confined to: a service's team
    team: tuple[str, str] | None = None  # a service renamed and moved to another team at once: (old, new)
    loose: bool = False  # paired by identity (changes.identity), its rules changed beyond the name

    def holds(self, labels: Mapping[str, str], value: str) -> bool:
        inside = self.scope is None or labels.get(self.scope[0]) == self.scope[1]
        return inside and labels.get(self.label) == value

    def relabel(self, labels: Mapping[str, str]) -> dict[str, str]:
        """An old rule's labels under the new name (and team)."""
        out = dict(labels)
        if self.holds(labels, self.old):
            out[self.label] = self.new
            if self.team and out.get("team") == self.team[0]:
                out["team"] = self.team[1]
        return out

    @property
    def title(self) -> str:
        where = f"{self.scope[0]} {self.scope[1]}: " if self.scope else ""
        team = f", team {self.team[0]} → {self.team[1]}" if self.team else ""
        return f"{where}{self.label} {self.old} → {self.new}{team}"


# ---- finding renames -------------------------------------------------------------------------------------


def find(old: Side, new: Side, configs: tuple[Alertmanager, Alertmanager]) -> list[Rename]:
    """Every rename of a service or team, then every service moved to another team (not one of a team renamed).
    Only the rule files that differ are read, and a team's rules span its services' files: a team is renamed
    only where alertmanager.yml, which routes the whole fleet, routes neither name on both sides (a team that
    keeps a service whose file did not change keeps its route)."""
    was, now = list(_rules(old)), list(_rules(new))
    found = [r for label in LABELS for r in _pairs(_buckets(was, label, None), _buckets(now, label, None), label)]
    found = [r for r in found if r.label != "team" or gone_from_routing(r, configs)]
    teams = {(r.old, r.new) for r in found if r.label == "team"}
    before, after = _by_scope(_buckets(was, "team", "service")), _by_scope(_buckets(now, "team", "service"))
    for service in sorted(before.keys() & after.keys()):
        if {v for _, v in before[service]} == {v for _, v in after[service]}:
            continue  # the service kept its teams: the usual case, decided without a shape
        mine = [r for r in _pairs(before[service], after[service], "team") if (r.old, r.new) not in teams]
        found += [Rename(r.label, r.old, r.new, ("service", service)) for r in mine]
    return [r for r in found if r.label == "service" or _records_kept(r, old, new)]


def gone_from_routing(rename: Rename, configs: tuple[Alertmanager, Alertmanager]) -> bool:
    before, after = configs
    old_part, new_part = _component(rename.label, rename.old), _component(rename.label, rename.new)
    return (
        any(old_part in path.split(", ") for path in before.routes)
        and any(new_part in path.split(", ") for path in after.routes)
        and not any(new_part in path.split(", ") for path in before.routes)
        and not any(old_part in path.split(", ") for path in after.routes)
    )


def _records_kept(rename: Rename, old: Side, new: Side) -> bool:
    """A team's alerts read their services' recording rules, which carry no `team` label (so no shape holds
    them): a team renamed, or a service moved, in the same change as an SLI is not only a rename."""
    services = {
        r.labels.get("service") for r in _rules(old) if r.fields[0] == "alert" and rename.holds(r.labels, rename.old)
    }

    def records(side: Side) -> list[tuple[str, ...]]:
        return sorted(
            (*r.fields, labels_text(r.labels), r.expr)
            for r in _rules(side)
            if r.fields[0] == "record" and rename.label not in r.labels and r.labels.get("service") in services
        )

    return records(old) == records(new)


_Bucket = dict[tuple[str | None, str], list["_Rule"]]


def _buckets(rules: Iterable[_Rule], label: str, scope: str | None) -> _Bucket:
    """(scope's value, label's value) → the rules carrying them; one pass (shapes are made only for the values
    gone or new: a platform edit that relabels a 1,000-service fleet renames nothing)."""
    out: _Bucket = {}
    for rule in rules:
        value = rule.labels.get(label)
        if value is not None:
            out.setdefault((rule.labels.get(scope) if scope else None, value), []).append(rule)
    return out


def _by_scope(buckets: _Bucket) -> dict[str, _Bucket]:
    """The buckets of each scope value (a service), keyed as unscoped ones."""
    out: dict[str, _Bucket] = {}
    for (inside, value), rules in buckets.items():
        if inside:
            out.setdefault(inside, {})[(None, value)] = rules
    return out


def _pairs(before: _Bucket, after: _Bucket, label: str) -> list[Rename]:
    """One old value and one new with the same rules but the value, where no other value shares them."""
    was, now = {v for _, v in before}, {v for _, v in after}
    gone: dict[tuple[tuple[str, ...], ...], list[str]] = {}
    for value in sorted(was - now):
        gone.setdefault(tuple(sorted(r.shape(label, value) for r in before[(None, value)])), []).append(value)
    came: dict[tuple[tuple[str, ...], ...], list[str]] = {}
    for value in sorted(now - was):
        came.setdefault(tuple(sorted(r.shape(label, value) for r in after[(None, value)])), []).append(value)
    return [
        Rename(label, gone[shape][0], news[0])
        for shape, news in came.items()
        if shape and len(news) == 1 and len(gone.get(shape, ())) == 1
    ]


@dataclass(frozen=True)
class _Rule:
    key: str
    labels: Mapping[str, str]
    fields: tuple[str, ...]  # what decides a pair, the labels and expression aside
    expr: str

    def shape(self, label: str, value: str) -> tuple[str, ...]:
        others = {k: v for k, v in self.labels.items() if k != label}
        return (*self.fields, labels_text(others), masked(label, value).sub(r"\1\2" + '"\x00"', self.expr))


def _rules(side: Side) -> Iterable[_Rule]:
    for key, alert in side.alerts.items():
        fields = ("alert", alert_name(key), *(str(alert.get(f, "")) for f in _ALERT_FIELDS))
        yield _Rule(key, alert.get("label_set") or {}, fields, str(alert.get("expr", "")))
    for rules in side.files.values():
        for rule in rules:
            if rule.record is not None:
                evaluation = side.records.get(rule.key, {}).get("evaluation", "")
                yield _Rule(rule.key, rule.labels, ("record", rule.record, evaluation), rule.expr)


_ALERT_FIELDS = ("severity", "for", "keep_firing_for", "evaluation")


@functools.lru_cache(maxsize=4096)
def masked(label: str, value: str) -> re.Pattern[str]:
    """An exact matcher of `value` in a selector (`service="api"`, `service!="api"`): what a rename rewrites."""
    return re.compile(rf"((?<![\w:]){re.escape(label)})(\s*(?:=~|!~|!=|=)\s*){re.escape(quote(value))}")


# ---- folding the rows ------------------------------------------------------------------------------------


def fold(
    rows: list[Change],
    found: list[Rename],
    rules: tuple[Side, Side],
    configs: tuple[Alertmanager, Alertmanager],
    beyond: Mapping[Rename, list[str]] | None = None,
) -> list[Change]:
    """`rows` with each rename's own rows (its alerts, recording rules, routes, receivers, dashboards) made one
    row, first; then receivers removed and added with equal settings, one row each. `beyond`: a loose rename's
    rule changes beyond the name, as lines for its row (changes.identity)."""
    out = list(rows)
    renamed = []
    for rename in found:
        row, out = _fold_one(rename, out, rules, configs, (beyond or {}).get(rename, []))
        renamed.append(row)
    return renamed + receiver_renames.renamed(out, configs)


def _fold_one(
    rename: Rename,
    rows: list[Change],
    rules: tuple[Side, Side],
    configs: tuple[Alertmanager, Alertmanager],
    beyond: list[str],
) -> tuple[Change, list[Change]]:
    old, new = rules
    alerts = _alert_pairs(rename, old, new)
    records = sum(1 for rule in _rules(old) if rule.fields[0] == "record" and rename.holds(rule.labels, rename.old))
    routes = _route_pairs(rename, configs)
    receivers, receiver_notes = _receiver_pairs(routes, configs)
    boards = _dashboard_pairs(rename, rows)
    objects = moved_files.pairs(rename.label, rename.old, rename.new, rename.team, rows, "file")
    details = [f"alerts: {len(alerts)} rule(s), each keeps its expression, thresholds, hold, tier and other labels"]
    details[0] += " but its team" if rename.team else ""
    details[0] += f"; recording rules: {records}, each keeps its expression" if records else ""
    if rename.loose:  # paired by identity: what moved beyond the name first, else the line above
        details = [
            _LOOSE[rename.label] + (": what changed beyond the name follows" if beyond else ""),
            *(beyond or details),
        ]
    details += _route_notes(routes, receivers, configs) + receiver_notes + _paging(alerts, receivers, old, new)
    notes, breaks = _annotation_notes(rename, alerts, old, new)
    notes = [] if rename.loose else notes  # a loose rename's links that moved beyond the name: in `beyond`
    details += notes + moved_files.notes(boards, objects) + breaks
    scope = dict([rename.scope]) if rename.scope else {}
    details.append(
        f"silences matching {labels_text({**scope, rename.label: rename.old})} stop matching: re-create them for "
        f"{labels_text({**scope, rename.label: rename.new})}"
    )
    gone = _rows_of(rename, alerts, routes, receivers, boards + objects, old, new)
    return Change("rename", "renamed", rename.title, tuple(details)), [r for r in rows if not gone(r)]


_LOOSE = {
    "service": "one service: paired by the series its rules read and its SLOs' names",
    "team": "one team: the same services, and routing that names the old team no more",
}


def _alert_pairs(rename: Rename, old: Side, new: Side) -> dict[str, str]:
    """Old alert key → new: each rule of the rename paired with the one of the same shape (a loose rename: of
    the same name, tier and labels under the new name)."""
    if rename.loose:
        keys = ((key, alert_key(alert_name(key), rename.relabel(a["label_set"]))) for key, a in old.alerts.items())
        return {key: now for key, now in keys if now != key and now in new.alerts}
    after = {
        rule.shape(rename.label, rename.new): rule.key
        for rule in _rules(new)
        if rule.fields[0] == "alert" and rename.holds(rule.labels, rename.new)
    }
    before = (rule for rule in _rules(old) if rule.fields[0] == "alert" and rename.holds(rule.labels, rename.old))
    return {rule.key: now for rule in before if (now := after.get(rule.shape(rename.label, rename.old)))}


def _component(label: str, value: str) -> str:
    return f"{label}={quote(value)}"


def _route_pairs(rename: Rename, configs: tuple[Alertmanager, Alertmanager]) -> dict[str, str | None]:
    """Old route path → the new one it became (None: gone), for the routes whose matchers name the old value;
    a new route no old one became is keyed by its path after a NUL (no path holds one)."""
    before, after = configs
    old_part, new_part = _component(rename.label, rename.old), _component(rename.label, rename.new)
    scope = _component(*rename.scope) if rename.scope else None

    def mine(path: str, part: str) -> bool:
        parts = path.split(", ")
        return part in parts and (scope is None or scope in parts)

    moved = {old_part: new_part}
    if rename.team:
        moved[_component("team", rename.team[0])] = _component("team", rename.team[1])

    def mapped(path: str) -> str:
        return ", ".join(moved.get(p, p) for p in path.split(", "))

    out: dict[str, str | None] = {
        p: (mapped(p) if mapped(p) in after.routes else None) for p in before.routes if mine(p, old_part)
    }
    taken = set(out.values())
    out.update({"\x00" + p: p for p in after.routes if mine(p, new_part) and p not in taken})
    return out


def _receiver_pairs(
    routes: Mapping[str, str | None], configs: tuple[Alertmanager, Alertmanager]
) -> tuple[dict[str, str], list[str]]:
    """Receivers the renamed routes name in place of the old ones, when the old one is gone and the new one
    is new (a team's shared receiver stays as it is): a pair, and what differs in its settings."""
    before, after = configs
    pairs: dict[str, str] = {}
    for was, now in routes.items():
        if now is None or was.startswith("\x00"):
            continue
        a, b = before.routes[was].get("receiver"), after.routes[now].get("receiver")
        if a and b and a != b and a not in after.receivers and b not in before.receivers and a in before.receivers:
            pairs.setdefault(a, b)
    notes = []
    for a, b in sorted(pairs.items()):
        moved = _setting_changes(before.receivers[a], after.receivers.get(b, {}))
        if moved:
            notes.append(f"receiver {a} → {b}: " + "; ".join(moved))
    if pairs:
        same = [
            f"{a} → {b}"
            for a, b in sorted(pairs.items())
            if not _setting_changes(before.receivers[a], after.receivers.get(b, {}))
        ]
        notes[:0] = [f"receivers renamed, settings as they were: {', '.join(same)}"] if same else []
    return pairs, notes


def _paging(alerts: Mapping[str, str], receivers: Mapping[str, str], old: Side, new: Side) -> list[str]:
    """Who the rename's alerts reach now, where that is not the same receiver under its new name (a service
    moved to a team with routes of its own): from the routing table obsc writes beside alertmanager.yml."""
    moved: Counter[tuple[str, str]] = Counter()
    for was, now in alerts.items():
        before, after = (old.receivers or {}).get(was), (new.receivers or {}).get(now)
        if before and after and tuple(receivers.get(r, r) for r in before) != after:
            moved[(", ".join(before), ", ".join(after))] += 1
    return [f"receivers: {a} → {b} ({n} alert rule(s))" for (a, b), n in sorted(moved.items())]


def _setting_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    return [
        changed(k, before.get(k), after.get(k))
        for k in sorted(before.keys() | after.keys())
        if before.get(k) != after.get(k)
    ]


def _route_notes(
    routes: Mapping[str, str | None], receivers: Mapping[str, str], configs: tuple[Alertmanager, Alertmanager]
) -> list[str]:
    before, after = configs
    kept, notes = 0, []
    for was, now in sorted(routes.items()):
        if was.startswith("\x00"):
            notes.append(f"route added: {now}")
        elif now is None:
            notes.append(f"route removed: {was}")
        else:
            old_settings = dict(before.routes[was])
            if old_settings.get("receiver") in receivers:
                old_settings["receiver"] = receivers[old_settings["receiver"]]
            moved = _setting_changes(old_settings, after.routes[now])
            notes += [f"route {now}: " + "; ".join(moved)] if moved else []
            kept += not moved
    return ([f"routes: {kept}, each keeps its settings"] if kept else []) + notes


def _annotation_notes(rename: Rename, alerts: Mapping[str, str], old: Side, new: Side) -> tuple[list[str], list[str]]:
    """What notifications link: the dashboard UIDs and runbook folders the rename moves (links to them break),
    and any other annotation that differs beyond the name (obsc's prose, written from the name, aside)."""
    uids, folders, other = set(), set(), []
    for was, now in sorted(alerts.items()):
        a, b = old.alerts[was]["annotations"], new.alerts[now]["annotations"]
        for key in sorted(a.keys() | b.keys()):
            before, after = a.get(key, ""), b.get(key, "")
            if key == "dashboard_url" and _uid(before) != _uid(after):
                uids.add((_uid(before), _uid(after)))
            elif key == "runbook_url" and posixpath.dirname(before) != posixpath.dirname(after):
                folders.add((posixpath.dirname(before), posixpath.dirname(after)))
            if key not in ("summary", "description") and _beyond_name(rename, before, after):
                other.append(f"{alert_name(was)}: {changed('annotations.' + key, before or None, after or None)}")
    breaks = [f"dashboard UID {a} → {b}: links and bookmarks to /d/{a} break" for a, b in sorted(uids)]
    breaks += [
        f"runbooks move: {a}/ → {b}/ (links to the old pages break; a page edited by hand stays: see Runbooks)"
        for a, b in sorted(folders)
    ]
    return other, breaks


_UID = re.compile(r"/d/([^/?#]+)")


def _uid(url: str) -> str:
    found = _UID.search(url)
    return found.group(1) if found else ""


def _beyond_name(rename: Rename, before: str, after: str) -> bool:
    """Two annotation values differ in more than the renamed value (as a path segment) and the dashboard UID."""

    def neutral(text: str, value: str) -> str:
        text = _UID.sub("/d/\x00", text)
        return re.sub(rf"(?<![\w.-]){re.escape(value)}(?![\w.-])", "\x01", text)

    return neutral(before, rename.old) != neutral(after, rename.new)


def _dashboard_pairs(rename: Rename, rows: list[Change]) -> list[tuple[str, str]]:
    """Dashboard files removed and added whose paths differ by the renamed value (a file or a folder name)."""
    found = moved_files.pairs(rename.label, rename.old, rename.new, rename.team, rows, "dashboard")
    return [(a, b) for a, b in found if not rename.scope or rename.scope[1] + ".json" in a.split("/")]


def _rows_of(
    rename: Rename,
    alerts: Mapping[str, str],
    routes: Mapping[str, str | None],
    receivers: Mapping[str, str],
    boards: list[tuple[str, str]],
    old: Side,
    new: Side,
) -> Any:
    """A test of whether a row is one of the rename's (said on its row instead)."""
    keys = set(alerts) | set(alerts.values())
    paths = {p for p in routes if not p.startswith("\x00")} | {p for p in routes.values() if p}
    names = set(receivers) | set(receivers.values())
    files = {p for pair in boards for p in pair}
    record_parts = [
        (_component(rename.label, value), _component(*rename.scope) if rename.scope else None)
        for value in (rename.old, rename.new)
    ]

    def record(name: str) -> bool:
        labels = "{" + name.partition("{")[2]
        return any(
            re.search(rf"[{{ ]{re.escape(part)}[,}}]", labels)
            and (scope is None or re.search(rf"[{{ ]{re.escape(scope)}[,}}]", labels))
            for part, scope in record_parts
        )

    def gone(row: Change) -> bool:
        return (
            (row.kind == "alert" and row.name in keys)
            or (row.kind == "record" and row.action != "changed" and record(row.name))
            or (row.kind == "route" and row.name in paths)
            or (row.kind == "receiver" and row.action != "changed" and row.name in names)
            or (row.kind in ("dashboard", "file") and row.name in files)
        )

    return gone
