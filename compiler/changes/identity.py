"""A service renamed in the same change as its rules (an objective raised, a threshold, an SLO added) or as its
team, paired by what identifies it rather than by its rules being equal.

renames.find pairs a service only when its rules are equal up to the name; a reviewer of "rename tokens to
auth-tokens and raise its objective" then read every rule removed and added (46 rows) and had to find the
objective among them. The identity that survives such an edit is the traffic the service is about: the raw
series its rules read (metric names and matchers, the `service` matcher aside: a `job` kept across the rename)
and its SLOs' names. A service gone and one new are paired when those overlap by at least half (Jaccard), share
at least one series, and each is the other's only best match. Two services that merely look alike (the same
template over another `job`) read other series and stay removed and added; a `job` renamed with the service
reads other series too (see docs/known-limits.md).

A pair's old rules are then read under the new name (`translated`), so the usual comparison finds what moved
beyond the name, and those rows are said on the rename's one row (`beyond`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from compiler.changes.compare import alert_key, alert_name, labels_text
from compiler.changes.renames import Alertmanager, Rename, gone_from_routing, masked
from compiler.changes.rules import FileRule, Side, selectors
from compiler.changes.summary import Change
from compiler.model.promql_strings import quote

# At least this share of a service's identity (series read, SLO names) kept across the change
LIKENESS = 0.5


def find(old: Side, new: Side, paired: Iterable[Rename]) -> list[Rename]:
    """Every service gone and one new, neither paired already, whose identities match (see the module)."""
    taken = {(r.old, r.new) for r in paired if r.label == "service"}
    gone = _identities(old, exclude=_services(new) | {a for a, _ in taken})
    came = _identities(new, exclude=_services(old) | {b for _, b in taken})
    best_new = {g: _best(ident, came) for g, ident in gone.items()}
    best_old = {c: _best(ident, gone) for c, ident in came.items()}
    found = []
    for was, now in sorted(best_new.items()):
        if now is not None and best_old.get(now) == was:
            found.append(Rename("service", was, now, team=_team_moved(was, now, old, new), loose=True))
    return found


def _services(side: Side) -> set[str]:
    return {labels["service"] for labels in _all_labels(side) if "service" in labels}


def _all_labels(side: Side) -> Iterable[Mapping[str, str]]:
    for rules in side.files.values():
        for rule in rules:
            yield rule.labels


def _identities(side: Side, exclude: set[str]) -> dict[str, frozenset[str]]:
    """Service → what identifies it: `series ` + each raw selector its rules read (its own `service` matcher
    aside, and its own `team` matcher: its ALERTS reads), `slo ` + each SLO's name."""
    out: dict[str, set[str]] = {}
    for rules in side.files.values():
        for rule in rules:
            service = rule.labels.get("service")
            if service is None or service in exclude:
                continue
            found = out.setdefault(service, set())
            if "slo" in rule.labels:
                found.add("slo " + rule.labels["slo"])
            expr = masked("service", service).sub(lambda m: m.group(1) + m.group(2) + '"\x00"', rule.expr)
            if "team" in rule.labels:  # its own alerts' reads name its team (round 50): a team moved is the service
                expr = masked("team", rule.labels["team"]).sub(lambda m: m.group(1) + m.group(2) + '"\x00"', expr)
            found.update(f"series {name}{braces}" for name, braces in selectors(expr) if _own(name, braces))
    return {service: frozenset(found) for service, found in out.items()}


def _own(name: str, braces: str) -> bool:
    """A raw series selector that names what it reads beyond the service's own label (`job="tokens"`): a bare
    `up` or `queue_depth`, or one matched on `service` alone, is read alike by any service."""
    return ":" not in name and "=" in _SERVICE_ITSELF.sub("", braces)


_SERVICE_ITSELF = re.compile(r'(?<![\w:])service\s*(?:=~|!~|!=|=)\s*"\x00"')


def _best(identity: frozenset[str], others: Mapping[str, frozenset[str]]) -> str | None:
    """The other service most like `identity`, when it is alone at the top and alike enough."""
    series = {i for i in identity if i.startswith("series ")}
    scores = sorted(
        ((len(identity & other) / len(identity | other), name) for name, other in others.items() if series & other),
        reverse=True,
    )
    if not scores or scores[0][0] < LIKENESS or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


def _team_moved(was: str, now: str, old: Side, new: Side) -> tuple[str, str] | None:
    """(old team, new team) when the service's alerts all carried one team before and another one after."""

    def teams(side: Side, service: str) -> set[str]:
        return {
            alert["label_set"]["team"]
            for alert in side.alerts.values()
            if alert["label_set"].get("service") == service and "team" in alert["label_set"]
        }

    before, after = teams(old, was), teams(new, now)
    if len(before) == 1 and len(after) == 1 and before != after:
        return (next(iter(before)), next(iter(after)))
    return None


# ---- the old rules under the new name -------------------------------------------------------------------


def compared(old: Side, new: Side, found: list[Rename]) -> tuple[Side, Side]:
    """The two sides as the rule rows compare them: each loose rename's old rules under the new name."""
    if not found:
        return old, new
    return translated(old, found), _uids_set_aside(new, found)


def translated(side: Side, found: Iterable[Rename]) -> Side:
    """`side` with each loose rename's rules relabelled, re-keyed, their `service` matchers and file paths
    renamed, and their links and prose read under the new name: what stays differs only beyond the name."""
    out = Side(dict(side.alerts), dict(side.records), dict(side.files), dict(side.receivers or {}))
    if side.receivers is None:
        out.receivers = None
    for rename in found:
        _translate(out, rename)
    return out


def _translate(side: Side, rename: Rename) -> None:
    def expr_of(expr: str) -> str:
        expr = masked(rename.label, rename.old).sub(lambda m: m.group(1) + m.group(2) + quote(rename.new), expr)
        team = rename.team
        if team is None:  # its ALERTS reads name its team: moved with it, not a change beyond the name
            return expr
        return masked("team", team[0]).sub(lambda m: m.group(1) + m.group(2) + quote(team[1]), expr)

    for key in [k for k, a in side.alerts.items() if a["label_set"].get(rename.label) == rename.old]:
        alert = dict(side.alerts.pop(key))
        labels = rename.relabel(alert["label_set"])
        new_key = alert_key(alert_name(key), labels)
        alert.update(label_set=labels, expr=expr_of(alert["expr"]), annotations=_prose(alert["annotations"], rename))
        alert["labels"] = labels_text(labels)
        side.alerts[new_key] = alert
        if side.receivers is not None:
            side.receivers.pop(key, None)  # who is paged now: said on the rename's row from both sides' tables
    for path in [p for p, rules in side.files.items() if any(r.labels.get(rename.label) == rename.old for r in rules)]:
        rules = side.files.pop(path)
        moved = []
        for rule in rules:
            labels = rename.relabel(rule.labels)
            key = rule.key
            if rule.record is not None:
                key = rule.record + labels_text(labels)
                if rule.key in side.records:  # a rule written twice (a hand-merged file) is moved once
                    record = side.records.pop(rule.key)
                    side.records[key] = {**record, "expr": expr_of(record["expr"])}
            else:
                key = alert_key(alert_name(rule.key), labels)
            moved.append(FileRule(key, rule.record, labels, expr_of(rule.expr)))
        side.files[_path(path, rename)] = moved


def _path(path: str, rename: Rename) -> str:
    """A rule file's path with the renamed service (and its team, moved) read as the new ones (a team's rules
    live in its services' files, whose paths a team rename keeps)."""
    if rename.label != "service":
        return path
    names = {rename.old: rename.new, rename.old + ".yaml": rename.new + ".yaml"}
    if rename.team:
        names[rename.team[0]] = rename.team[1]
    return "/".join(names.get(part, part) for part in path.split("/"))


def _prose(annotations: Mapping[str, str], rename: Rename) -> dict[str, str]:
    """Annotations with the old name (and team) read as the new one wherever it stands as a word or a path
    segment, and dashboard UIDs set aside: a link or sentence that moved only with the name is not a change."""
    words = [(rename.old, rename.new)] + ([rename.team] if rename.team else [])
    out = {}
    for key, value in annotations.items():
        for was, now in words:
            value = _as_word(was).sub(now.replace("\\", "\\\\"), value)
        out[key] = _UID.sub("/d/\x00", value) if key == "dashboard_url" else value
    return out


def _as_word(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.-]){re.escape(value)}(?![\w.-])")


_UID = re.compile(r"/d/([^/?#]+)")


def _uids_set_aside(side: Side, found: list[Rename]) -> Side:
    """A copy of the new side whose renamed services' (or teams') dashboard links have their UID set aside, as
    `translated` sets the old side's (the UID is made from the name: said once, on the rename's row)."""
    alerts = dict(side.alerts)
    for key, alert in side.alerts.items():
        mine = any(alert["label_set"].get(r.label) == r.new for r in found)
        if mine and "dashboard_url" in alert["annotations"]:
            annotations = {**alert["annotations"]}
            annotations["dashboard_url"] = _UID.sub("/d/\x00", annotations["dashboard_url"])
            alerts[key] = {**alert, "annotations": annotations}
    return Side(alerts, side.records, side.files, side.receivers)


# ---- the rows beyond the name ---------------------------------------------------------------------------


def beyond(rows: list[Change], found: Iterable[Rename], new: Side) -> tuple[list[Change], dict[Rename, list[str]]]:
    """The rule rows of each loose rename's new service (or team) taken out of `rows`, as lines for its row: alerts
    that moved alike on one line (an objective moves four burn alerts' thresholds alike), the objective first."""
    parts = {rename: f"{rename.label}={quote(rename.new)}" for rename in found}
    marks = {rename: [parts[rename], *_services_part(rename, new)] for rename in parts}
    alerts: dict[Rename, dict[tuple[str, str], list[str]]] = {rename: {} for rename in parts}
    records: dict[Rename, list[str]] = {rename: [] for rename in parts}
    kept = []
    for row in rows:
        owner = next(
            (r for r, ms in marks.items() if row.kind in ("alert", "record") and any(_names(row, m) for m in ms)), None
        )
        if owner is None:
            kept.append(row)
            continue
        # obsc's prose (summary, description) is written from the name and the numbers the line shows
        shown = [d for d in row.details if not d.startswith("annotations changed: ")]
        # which of them, per alert, is the same few names each time: said once, on the recording rules' lines
        shown = [_READS if d.startswith("reads changed recording rules: ") else d for d in shown]
        if row.action == "changed" and not shown:
            continue
        if row.kind == "alert":
            where = _where(row.name, owner)
            what = "; ".join(shown) if row.action == "changed" else ""
            head = f"alerts{where}" if row.action == "changed" else f"alerts {row.action}{where}"
            alerts[owner].setdefault((head, what), []).append(f"{alert_name(row.name)} [{row.name.rsplit(' [')[-1]}")
        else:
            name = re.sub(rf"(, )?{re.escape(parts[owner])}", "", row.name).replace("{, ", "{").replace("{}", "")
            records[owner].append(_record_line(row, name, shown))
    out = {}
    for rename in parts:
        lines = sorted(records[rename], key=lambda line: not line.startswith(("SLO ", "service ")))  # objective first
        for (head, what), names in alerts[rename].items():
            lines.append(f"{head}: {_counted(names)}" + (f": {what}" if what else ""))
        out[rename] = lines
    return kept, out


def _where(name: str, rename: Rename) -> str:
    """` of SLO availability`, and the service where a team was renamed (its row holds several)."""
    slo, service = _SLO.search(name), _SERVICE.search(name) if rename.label != "service" else None
    said = [f"service {service.group(1)}"] if service else []
    said += [f"SLO {slo.group(1)}"] if slo else []
    return " of " + ", ".join(said) if said else ""


_SERVICE = re.compile(r'[{ ]service="((?:[^"\\]|\\.)*)"')
_READS = "reads the changed recording rules above"
_SLO = re.compile(r'[{ ]slo="((?:[^"\\]|\\.)*)"')


def _counted(names: list[str]) -> str:
    """`SLOErrorBudgetBurnFast [critical] ×2, SLODataMissing [warning]`, in the order first seen."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name + (f" ×{n}" if n > 1 else "") for name, n in counts.items())


def _services_part(rename: Rename, new: Side) -> list[str]:
    """A renamed team's services, as its recording rules (which carry no `team`) name them."""
    if rename.label != "team":
        return []
    return sorted(f"service={quote(s)}" for s in _team_services(new).get(rename.new, ()))


def _team_services(side: Side) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for alert in side.alerts.values():
        labels = alert["label_set"]
        if "team" in labels and "service" in labels:
            out.setdefault(labels["team"], set()).add(labels["service"])
    return {team: frozenset(services) for team, services in out.items()}


def teams_renamed(
    old: Side, new: Side, configs: tuple[Alertmanager, Alertmanager], paired: list[Rename]
) -> list[Rename]:
    """A team renamed in the same change as some of its services' rules (an objective raised): a team gone and
    one new with the same services, where alertmanager.yml routes the old name no more and the new one not
    before (renames.find pairs a team only when its rules are equal up to the name)."""
    done = {r.old for r in paired if r.label == "team" and r.scope is None}
    renamed = {r.old: r.new for r in paired if r.label == "service"}  # a service renamed with its team: one service
    before = {team: frozenset(renamed.get(s, s) for s in services) for team, services in _team_services(old).items()}
    after = _team_services(new)
    gone = {services: [t for t in before if t not in after and before[t] == services] for services in before.values()}
    found = []
    for team, services in sorted(after.items()):
        was = gone.get(services, [])
        if team in before or len(was) != 1 or was[0] in done:
            continue
        if len([t for t in after if t not in before and after[t] == services]) != 1:
            continue
        rename = Rename("team", was[0], team, loose=True)
        if gone_from_routing(rename, configs):
            found.append(rename)
    return found


def covered(rename: Rename, loose: list[Rename]) -> bool:
    """A service's move between two teams that a loose team rename already says."""
    return rename.scope is not None and any(
        r.label == "team" and (r.old, r.new) == (rename.old, rename.new) for r in loose
    )


def _names(row: Change, part: str) -> bool:
    return re.search(rf"[{{ ]{re.escape(part)}[,}}]", row.name) is not None


def _record_line(row: Change, name: str, shown: list[str]) -> str:
    """A recording-rule row of the new service, its `service` label dropped (the rename's row names it)."""
    objective = _OBJECTIVE.fullmatch(name + " " + "; ".join(shown)) if row.action == "changed" else None
    if objective:
        was, now = (_percent(objective.group(i)) for i in (3, 4))
        service = f"service {objective.group(1)}, " if objective.group(1) else ""
        return f"{service}SLO {objective.group(2)}: objective {was}% → {now}%"
    return f"recording rules {name}: {'; '.join(shown)}" if shown else f"recording rules {row.action}: {name}"


# the objective's own recording rule, the line a reviewer looks for: `slo:objective:ratio{slo="a"}` 0.995 → 0.999
_OBJECTIVE = re.compile(
    r'slo:objective:ratio\{(?:service="((?:[^"\\]|\\.)*)", )?slo="((?:[^"\\]|\\.)*)"\} thresholds: ([\d.]+) → ([\d.]+)'
)


def _percent(ratio: str) -> str:
    return f"{round(float(ratio) * 100, 6):g}"
