"""Alert and recording rules of the Prometheus rule files on both sides.

Most of what an SLO means lives in recording rules (its SLI selectors, what counts as an error, a latency
threshold), and its alerts only read them: a change there changes what pages although no alert rule moved.
So recording rules are compared too, and every alert that reads a changed one, directly or through other
recording rules of its file, says which.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.changes import committed as committed_files
from compiler.changes.compare import (
    UNSET,
    action,
    alert_key,
    alert_name,
    changed,
    compare,
    excerpt,
    flatten,
    labels_text,
    one_line,
)
from compiler.changes.summary import Change
from compiler.targets.prometheus import extract_groups, layout_of

# `evaluation`: the group's own settings (its `interval`), which say how often the rule runs
ALERT_FIELDS = ("severity", "for", "expr", "labels", "keep_firing_for", "evaluation")
# obsc's own prose, written from the numbers the row already shows: named when it moves, not quoted
_PROSE = ("description", "summary")


@dataclass
class Side:
    """The rules of one side, by key: alerts (name, labels other than severity, tier) and recording rules
    (record name and labels), each file's rules kept apart for following what reads what."""

    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)  # ALERT_FIELDS, and "annotations"
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, list[FileRule]] = field(default_factory=dict)
    receivers: dict[str, tuple[str, ...]] | None = None  # alert key → receivers, when the routing table changed


@dataclass(frozen=True)
class FileRule:
    key: str
    record: str | None  # the recorded name; None for an alert
    labels: Mapping[str, str]
    expr: str


def read(side: Side, path: str, text: str | None, committed: bool = False) -> None:
    """The rules of one file into `side`; a `committed` file (anyone may have edited it) is read with
    committed.load, and only the parts of the shape obsc writes count."""
    if text is None:
        return
    if committed:
        data = committed_files.mapping(committed_files.load(text))
        if layout_of(path) == "prometheus-operator":
            data = committed_files.mapping(data.get("spec"))
        groups = committed_files.sequence(data.get("groups"))
    else:
        groups = extract_groups(text, layout_of(path) or "prometheus")
    rules = side.files.setdefault(path, [])
    for group in groups:
        evaluation = _evaluation(committed_files.mapping(group))
        group_name = str(committed_files.mapping(group).get("name", ""))
        for rule in committed_files.sequence(committed_files.mapping(group).get("rules")):
            if not isinstance(rule, dict):
                continue
            labels = {str(k): str(v) for k, v in committed_files.mapping(rule.get("labels")).items()}
            expr = one_line(str(rule.get("expr", "")))
            if "alert" in rule:
                key = alert_key(str(rule["alert"]), labels)
                side.alerts[key] = {
                    "severity": labels.get("severity", ""),
                    "for": str(rule.get("for", "0s")),
                    "keep_firing_for": str(rule.get("keep_firing_for", "")),
                    "expr": expr,
                    "labels": labels_text(labels),
                    "label_set": labels,  # for pairing an alert whose labels and rule both moved
                    "evaluation": evaluation,
                    "group": (path, group_name),  # with name and labels, what a rule reload keeps state by
                    "annotations": {
                        str(k): str(v) for k, v in committed_files.mapping(rule.get("annotations")).items()
                    },
                }
                rules.append(FileRule(key, None, labels, expr))
            elif "record" in rule:
                key = str(rule["record"]) + labels_text(labels)
                side.records[key] = {"expr": expr, "evaluation": evaluation}
                rules.append(FileRule(key, str(rule["record"]), labels, expr))


def _evaluation(group: Mapping[Any, Any]) -> str:
    """A group's settings other than its name and rules: `interval: 5m`, or the global evaluation interval.
    A rule moved to a group evaluated every 5m, or a group's interval changed, fires later."""
    settings = flatten({k: v for k, v in group.items() if k not in ("name", "rules")})
    return ", ".join(f"{k}: {v}" for k, v in settings.items()) or "every global evaluation_interval"


def alert_changes(old: Side, new: Side, aligned: dict[str, dict[str, Any]] | None = None) -> list[Change]:
    """Alert rows: each alert whose own rule moved, and each kept alert that reads a changed recording rule.
    `aligned`: same_tier of the two sides, when the caller has it already."""
    aligned = same_tier(old.alerts, new.alerts) if aligned is None else aligned
    moved = {c.name: _labels_moved(c, old.alerts, aligned) for c in compare("alert", old.alerts, aligned, ALERT_FIELDS)}
    new_keys = {id(alert): key for key, alert in new.alerts.items()}
    for key in sorted(old.alerts.keys() & aligned.keys()):
        new_key = new_keys[id(aligned[key])]
        renamed = alert_name(new_key) != alert_name(key)  # paired by same_tier across a rename: said first
        first = (f"alertname: {alert_name(key)} → {alert_name(new_key)}",) if renamed else ()
        before, after = (old.receivers or {}).get(key), (new.receivers or {}).get(new_key)
        moves = before and after and before != after  # a team move: who is paged now (no route changed)
        last = (f"receivers: {', '.join(before or ())} → {', '.join(after or ())}",) if moves else ()
        if first or last:
            row = moved.get(key)
            moved[key] = Change("alert", "changed", key, (*first, *(row.details if row else ()), *last))
    for key in sorted(old.alerts.keys() & aligned.keys()):  # what a notification says and links (runbook_url)
        notes = _annotation_changes(old.alerts[key]["annotations"], aligned[key]["annotations"])
        if notes:
            row = moved.get(key)
            moved[key] = Change("alert", "changed", key, (*(row.details if row else ()), *notes))
    # an alert paired by same_tier is keyed as on the old side (a team move with an SLI change: its row says both)
    keyed_as = {id(alert): key for key, alert in aligned.items()}
    for new_key, records in _reads_changed(old, new).items():
        key = keyed_as[id(new.alerts[new_key])]
        if key not in old.alerts:
            continue  # a new alert: its own row says so
        detail = "reads changed recording rules: " + ", ".join(records)
        row = moved.get(key)
        moved[key] = Change("alert", "changed", key, (*(row.details if row else ()), detail))
    return [moved[key] for key in sorted(moved)]


def _labels_moved(row: Change, old: Mapping[str, dict[str, Any]], new: Mapping[str, dict[str, Any]]) -> Change:
    """A changed alert's `labels:` as only the labels that moved, `{team="pay"} → {team="data"}`: both whole
    sets hid the one that moved among five others, or cut it off past 200 characters."""
    before, after = (side.get(row.name, {}).get("label_set") for side in (old, new))
    if row.action != "changed" or before is None or after is None:
        return row
    gone = {k: v for k, v in before.items() if after.get(k) != v and k != "severity"}  # severity: its own field
    came = {k: v for k, v in after.items() if before.get(k) != v and k != "severity"}
    moved = f"labels: {labels_text(gone) or '{}'} → {labels_text(came) or '{}'}" if gone or came else None
    details = (moved if d.startswith("labels: ") else d for d in row.details)
    return Change(row.kind, row.action, row.name, tuple(d for d in details if d is not None))


def _annotation_changes(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    """`annotations.runbook_url: A → B` for each link or spec annotation that moved; obsc's prose by name."""
    moved = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    shown = tuple(_annotation(k, before.get(k), after.get(k)) for k in moved if k not in _PROSE)
    prose = [k for k in moved if k in _PROSE]
    return shown + ((f"annotations changed: {', '.join(prose)}",) if prose else ())


def _annotation(name: str, before: str | None, after: str | None) -> str:
    """A link whole (an excerpt of two URLs cuts off the part that names the page), else as `changed` says."""
    if len(before or "") <= _WHOLE and len(after or "") <= _WHOLE:
        return f"annotations.{name}: {UNSET if before is None else before} → {UNSET if after is None else after}"
    return changed(f"annotations.{name}", before, after)


_WHOLE = 300


def record_changes(old: Side, new: Side) -> list[Change]:
    """Recording-rule rows, one per SLO (or other label set) and change: the windows of one SLI that moved
    alike (`slo:sli_errors:rate5m` … `rate6h`) share a row, as `slo:sli_errors:rate(5m|…|6h)`."""
    rows: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for key in sorted(old.records.keys() | new.records.keys()):
        was, now = old.records.get(key, {}), new.records.get(key, {})
        before, after = was.get("expr"), now.get("expr")
        if was == now:
            continue
        details: tuple[str, ...] = ()
        if before is not None and after is not None and before != after:  # alike for every window of an SLI
            moved = changed("expr", before, after)
            details = (moved if moved.startswith("thresholds: ") else "expr: " + excerpt(before, after),)
        if was and now and was["evaluation"] != now["evaluation"]:
            details += (changed("evaluation", was["evaluation"], now["evaluation"]),)
        name, _, labels = key.partition("{")
        labels = re.sub(r'(, )?window="[^"]*"', "", "{" + labels if labels else "").replace("{, ", "{")
        rows.setdefault((labels if labels != "{}" else "", action(before, after), details), []).append(name)
    return [
        Change("record", action, _names(names) + labels, details)
        for (labels, action, details), names in sorted(rows.items(), key=lambda row: (row[0][0], row[0][1], row[1]))
    ]


# The stem stops where the window's digits start (a digit before them would make a shorter stem): tried only
# there, a name of 4,000 digits and no unit is not read to its end from every character.
_WINDOW = re.compile(r"^(.*?)(?<!\d)(\d+[smhdwy])$")


def _names(names: Iterable[str]) -> str:
    """`slo:sli_errors:rate(5m|1h)` for the windows of one name, shortest first; a name once."""
    windows: dict[str, list[str]] = {}
    for name in names:
        found = _WINDOW.match(name)
        stem, window = (found.group(1), found.group(2)) if found else (name, "")
        ends = windows.setdefault(stem, [])
        if window not in ends:  # one name over two windows told by their `window` label only (burst records)
            ends.append(window)
    shown = []
    for stem, ends in windows.items():
        ends.sort(key=lambda w: (int(w[:-1]) * _SECONDS[w[-1]]) if w else 0)
        shown.append(stem + ("(" + "|".join(ends) + ")" if len(ends) > 1 else ends[0]))
    return ", ".join(shown)


_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


# A selector: a name, and the `{…}` after it when that closes (quoted text read whole). `findall` of the name with
# an optional `{…}` read from every `{` to the end when none closed (`a{a{a{…`: quadratic); `selectors` finds the
# same pairs, each `{…}` followed from a `}` or `"` whose outcome it has not seen yet.
_NAME = re.compile(r'(?<![\w:"])([a-zA-Z_:][\w:]*)\s*')
_SPECIAL = re.compile(r'[}"]')
_CLOSING_QUOTE = re.compile(r'(?<!\\)(?:\\\\)*"')  # after an even run of backslashes: not escaped
_BROKEN = re.compile(r"(?<!\\)\\(?:\\\\)*\n")  # an escaping backslash before a newline: no `\\.` reads it
# A label starts at the first letter of its run of word characters (a digit before it is skipped, as a search
# from each character did) and is tried once per run: `{aaaa…!="x"}` was read from every one of its letters.
_EQUALS = re.compile(r'(?<!\w)(?:(?![a-zA-Z_])\w)*([a-zA-Z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def _reads_changed(old: Side, new: Side) -> dict[str, list[str]]:
    """Alert key → the changed recording rules it reads (their names), followed through the recording
    rules of its own file (obsc writes one file per service, and its rules read only their own)."""
    out: dict[str, list[str]] = {}
    for path, rules in new.files.items():
        out.update(_file_reads_changed(old.files.get(path, []), rules))
    return out


def _file_reads_changed(old: list[FileRule], new: list[FileRule]) -> dict[str, list[str]]:
    before, after = {r.key: r for r in old}, {r.key: r for r in new}
    moved = {
        key
        for key in before.keys() | after.keys()
        if (before.get(key) or after[key]).record
        and (key not in before or key not in after or before[key].expr != after[key].expr)
    }
    if not moved:
        return {}
    by_name: dict[str, list[FileRule]] = {}
    for rule in (*before.values(), *after.values()):
        if rule.record:
            by_name.setdefault(rule.record, []).append(rule)
    roots: dict[str, frozenset[str]] = {}

    def reached(rule: FileRule, seen: frozenset[str]) -> frozenset[str]:
        """The changed recording rules (names) `rule` reads, directly or through others (of the new side)."""
        if rule.key in roots:
            return roots[rule.key]
        found: set[str] = set()
        for read in _reads(rule.expr, by_name):
            if read.key in moved:
                found.add(str(read.record))
            if read.key in after and read.key not in seen:
                found |= reached(after[read.key], seen | {rule.key})
        roots[rule.key] = frozenset(found)
        return roots[rule.key]

    return {rule.key: sorted(found) for rule in new if rule.record is None and (found := reached(rule, frozenset()))}


def _reads(expr: str, by_name: Mapping[str, list[FileRule]]) -> list[FileRule]:
    """The recording rules a query may read: each selector of a recorded name, matched on its `="…"`
    matchers (a rule whose labels say otherwise is not read; anything else may be)."""
    out = []
    for name, braces in selectors(expr):
        for rule in by_name.get(name, ()):
            wanted = dict(_EQUALS.findall(braces))
            if all(rule.labels.get(k, v) == v for k, v in wanted.items()):
                out.append(rule)
    return out


def selectors(expr: str) -> list[tuple[str, str]]:
    """(name, `{…}` or "") of each selector, as `findall` of a name with an optional closed `{…}` returns them."""
    out: list[tuple[str, str]] = []
    # positions of `}` and `"`, of the quotes that close quoted text, and of the newlines that break it: found once
    marks = [[m.end() - 1 for m in p.finditer(expr)] for p in (_SPECIAL, _CLOSING_QUOTE, _BROKEN)]
    ends: dict[int, int] = {}  # a `}` or opening `"` read outside quotes → where the `{…}` ends (-1: never closes)
    at = 0
    while found := _NAME.search(expr, at):
        at, braces = found.end(), ""
        if expr.startswith("{", at):
            end = _braces_end(expr, at + 1, marks, ends)
            braces, at = (expr[at:end], end) if end > 0 else ("", at)
        out.append((found.group(1), braces))
        at += at == found.start()  # an empty match (cannot happen: a name has a character) never stalls
    return out


def _braces_end(expr: str, at: int, marks: list[list[int]], ends: dict[int, int]) -> int:
    """Where `{…}` opened before `at` ends (after its `}`), reading quoted text whole; -1 when it never closes."""
    specials, closing, broken = marks
    seen: list[int] = []
    end = -1
    while (i := bisect.bisect_left(specials, at)) < len(specials):
        k = specials[i]
        if k in ends:
            end = ends[k]
            break
        seen.append(k)
        if expr[k] == "}":
            end = k + 1
            break
        c = bisect.bisect_right(closing, k)
        if c == len(closing) or ((b := bisect.bisect_right(broken, k)) < len(broken) and broken[b] < closing[c]):
            break
        at = closing[c] + 1
    for k in seen:
        ends[k] = end
    return end


def same_tier(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`new` with an alert that only changed tier, or only changed labels, keyed as before: reported as its
    severity or its labels changed, not as one alert removed and another added. Labels are matched by the
    rest of the rule (name, expression, hold, tier), a renamed alert by the whole rule but its name, and only
    where one alert removed and one added share it."""

    def identity(key: str) -> str:
        return key.rsplit(" [", 1)[0]

    def rest(key: str, alert: dict[str, Any]) -> tuple[str, ...]:
        return (alert_name(key), *(str(alert[f]) for f in ALERT_FIELDS if f != "labels"))

    def renamed(key: str, alert: dict[str, Any]) -> tuple[str, ...]:
        # the whole rule but its name (labels, so its service, included): a threshold alert renamed in the spec
        return tuple(str(alert[f]) for f in ALERT_FIELDS)

    out = dict(new)
    # grouped, not compared pair by pair: a platform edit can relabel every alert of a 1,000-service fleet
    for same in (lambda key, alert: identity(key), rest, renamed):
        removed: dict[object, list[str]] = {}
        for key in old.keys() - out.keys():
            removed.setdefault(same(key, old[key]), []).append(key)
        added: dict[object, list[str]] = {}
        for key in out.keys() - old.keys():
            added.setdefault(same(key, out[key]), []).append(key)
        for shared, keys in added.items():
            if len(keys) == 1 and len(removed.get(shared, ())) == 1:
                out[removed[shared][0]] = out.pop(keys[0])
    for was, now in _closest_of_service(old, out).items():
        out[was] = out.pop(now)
    return out


def _closest_of_service(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Old key → new key for an alert of the same name and service whose labels and rule both moved (a team
    move with a threshold change in one pull request): paired with the one whose labels are closest, when each
    is the other's only closest, so the row shows the threshold too (as removed and added it showed neither).
    Another service's alert is never paired: a service renamed while another is added reads as both."""

    def group(key: str, alert: dict[str, Any]) -> tuple[str, str] | None:
        service = (alert.get("label_set") or {}).get("service")
        return (alert_name(key), service) if service else None

    removed: dict[tuple[str, str], list[str]] = {}
    for key in old.keys() - new.keys():
        if (shared := group(key, old[key])) is not None:
            removed.setdefault(shared, []).append(key)
    added: dict[tuple[str, str], list[str]] = {}
    for key in new.keys() - old.keys():
        if (shared := group(key, new[key])) is not None and shared in removed:
            added.setdefault(shared, []).append(key)

    def likeness(was: str, now: str) -> float:
        a, b = set(old[was]["label_set"].items()), set(new[now]["label_set"].items())
        return len(a & b) / len(a | b)

    def closest(scores: list[tuple[float, str]]) -> str | None:
        scores.sort(reverse=True)
        return scores[0][1] if len(scores) == 1 or scores[0][0] > scores[1][0] else None

    pairs: dict[str, str] = {}
    for shared, news in added.items():
        olds = removed[shared]
        for was in olds:
            now = closest([(likeness(was, n), n) for n in news])
            if now is not None and closest([(likeness(w, now), w) for w in olds]) == was:
                pairs[was] = now
    return pairs
