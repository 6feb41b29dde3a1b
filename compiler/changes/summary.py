"""The rows `obsc diff` reports and their two shapes: Markdown for a pull-request comment, JSON for tools.

Every name and detail comes from the specs (label values, receiver settings, titles), so Markdown shows
each one as a code span: inside one, GitHub and GitLab render no image, link, HTML or @mention.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from compiler import conventions as names


@dataclass(frozen=True)
class Change:
    kind: str  # a key of HEADINGS
    action: str  # added | removed | changed | renamed | kept (an edited runbook left without its alert)
    name: str
    details: tuple[str, ...] = ()


# Sections in the order a reviewer reads them: what pages, what it computes, where it goes, what else.
HEADINGS = {
    "rename": "Renamed",
    "alert": "Alerts",
    "record": "Recording rules",
    "route": "Routes",
    "receiver": "Receivers",
    "time_interval": "Time intervals",
    "inhibition": "Inhibitions",
    "alertmanager": "Alertmanager settings",
    "dashboard": "Dashboards",
    "file": "Files",
    "runbook": "Runbooks",
}


# Reasons shown per line of the Markdown (a platform edit gives every service's alerts a reason of its own);
# the JSON lists them all.
SHOWN_REASONS = 2


@dataclass(frozen=True)
class OpenAlerts:
    """The alert rules of one name and tier whose open alerts a change ends (`resolves`) or ends and fires
    again after `for:` (`re-pages` when the new rule pages in another page group, `re-fires` when it pages in the
    same one, else `re-notifies`)."""

    effect: str
    alertname: str
    severity: str  # on the base side
    rules: int
    holds: tuple[str, ...]  # the new rules' `for:` (empty for `resolves`)
    why: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "effect": self.effect,
            "alertname": self.alertname,
            "severity": self.severity,
            "rules": self.rules,
            "for": list(self.holds),
            "why": list(self.why),
        }


@dataclass
class Summary:
    changes: list[Change] = field(default_factory=list)
    # a subset of spec files compares only its services' files: the fleet-wide ones it could not compare,
    # and the command that compares them (said in both shapes: never a silent "no change" for them)
    not_compared: tuple[str, ...] = ()
    compare_all: str | None = None
    # the alert rules whose open alerts the change ends, or ends and fires again (changes.open_alerts)
    open_alerts: list[OpenAlerts] = field(default_factory=list)

    def to_json(self) -> str:
        rows = [{"kind": c.kind, "action": c.action, "name": c.name, "details": list(c.details)} for c in self.changes]
        data: dict[str, Any] = {"changes": rows, "count": len(rows), "not_compared": list(self.not_compared)}
        data["open_alerts"] = [row.to_json() for row in self.open_alerts]
        if self.not_compared:
            data["compare_all"] = self.compare_all
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def to_markdown(self, max_chars: int = 0) -> str:
        """The report as a pull-request comment, at most `max_chars` characters when that is not 0. A report
        too long for it keeps every section with its count and shares the room out row by row, one section
        after the other, so a platform change that alters every alert cannot hide a receiver change; each
        cut section says how many rows it left out, and the end says where to see them all."""
        head: list[str] = []
        if not self.changes:
            scope = " in the named services' files" if self.not_compared else ""
            head.append(f"**obsc**: no operational change{scope}.")
        else:
            head.append(f"**obsc**: {len(self.changes)} operational change(s)")
            head += _open_alerts(self.open_alerts)
        if self.not_compared:
            files = ", ".join(code(p) for p in self.not_compared)
            advice = f"; run {code(self.compare_all)} to compare them" if self.compare_all else ""
            head += ["", f"> **Not compared** (spec files named, not the fleet): {files}{advice}."]
        if not self.changes:
            return "\n".join(head) + "\n"
        sections = [(heading, [_row(c) for c in self.changes if c.kind == kind]) for kind, heading in HEADINGS.items()]
        sections = [(heading, rows) for heading, rows in sections if rows]
        whole = _render(head, sections, [len(rows) for _, rows in sections], len(self.changes))
        if not max_chars or len(whole) <= max_chars:
            return whole
        return _render(head, sections, _fit(sections, max_chars - _frame_length(head, sections)), len(self.changes))


def _render(head: list[str], sections: list[tuple[str, list[str]]], shown: list[int], total: int) -> str:
    lines = [*head, ""]
    for (heading, rows), kept in zip(sections, shown, strict=True):
        lines += [f"### {heading} ({len(rows)})", "", "| | name | what |", "|---|---|---|", *rows[:kept]]
        if kept < len(rows):
            lines.append(_more(len(rows) - kept))
        lines.append("")
    if sum(shown) < total:
        lines.append(CUT_NOTE.format(shown=sum(shown), total=total))
    return "\n".join(lines)


# Each action and its sign in the Markdown's first column (docs/ci.md lists them for the JSON).
SIGNS = {"added": "+", "removed": "−", "changed": "~", "renamed": "→", "kept": "!"}

# The end of a report cut to fit: JSON is never cut.
CUT_NOTE = "**Cut to fit a comment**: {shown} of {total} rows shown; `obsc diff --as json` lists every change.\n"


def _row(change: Change) -> str:
    sign = SIGNS[change.action]
    what = "; ".join(code(d) for d in change.details) or change.action
    return f"| {sign} | {code(change.name)} | {what} |"


def _more(count: int) -> str:
    return f"| | … {count} more | |"


def _frame_length(head: list[str], sections: list[tuple[str, list[str]]]) -> int:
    """Characters of everything but the rows, counting the longest a cut report's notes can be."""
    total = sum(len(line) + 1 for line in head) + 1
    for heading, rows in sections:
        total += len(f"### {heading} ({len(rows)})\n\n| | name | what |\n|---|---|---|\n\n")
        total += len(_more(len(rows))) + 1
    changes = sum(len(rows) for _, rows in sections)
    return total + len(CUT_NOTE.format(shown=changes, total=changes))


def _fit(sections: list[tuple[str, list[str]]], room: int) -> list[int]:
    """How many rows of each section fit in `room` characters, taken one row per section per turn, in
    order; a section stops at its first row that does not fit."""
    kept = [0] * len(sections)
    open_sections = set(range(len(sections)))
    while open_sections:
        for i in sorted(open_sections):
            rows = sections[i][1]
            if kept[i] == len(rows) or len(rows[kept[i]]) + 1 > room:
                open_sections.discard(i)
                continue
            room -= len(rows[kept[i]]) + 1
            kept[i] += 1
    return kept


_BACKTICKS = re.compile(r"`+")
# Characters that reorder or hide the text after them (bidirectional controls, zero-width ones) and other
# controls: a label value holding U+202E showed the rest of its cell right to left, thresholds included.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# A CI runner's in-line command (`##[`, `##vso[`): the report may be printed in a job's log, so it is shown as
# `\u0023#[` here (counted by --max-chars, unlike an escape added later).
_CI_COMMAND = re.compile(names.CI_COMMAND_HASH, re.IGNORECASE)


def code(text: str) -> str:
    """`text` as one inline code span in a table cell: a fence longer than any backtick run inside (so the
    text cannot close it), padded when it starts or ends with a backtick or space (CommonMark strips one
    space each side), pipes escaped (GFM splits cells before it reads code spans, and unescapes `\\|` even
    there), one line, bidirectional and invisible characters shown as `\\u202e`, a CI command's `##[` as
    `\\u0023#[`."""
    text = _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", " ".join(text.splitlines())) if text else ""
    text = _CI_COMMAND.sub(r"\\u0023", text)
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    return fence + text.replace("|", "\\|") + fence


def _open_alerts(rows: list[OpenAlerts]) -> list[str]:
    """The report's lines under its first: one per name and tier, the pages first."""
    if not rows:
        return []
    lines = [
        "",
        "> **Open alerts at the deploy**: Prometheus keeps an alert's state across a rule reload only while its"
        " rule keeps its group, name and labels. This change:",
    ]
    for row in rows:
        shown = ", ".join(code(w) for w in row.why[:SHOWN_REASONS])
        if len(row.why) > SHOWN_REASONS:
            shown += f" and {len(row.why) - SHOWN_REASONS} more"
        # the base side's severity is a committed file's text (anyone may edit it): a code span like the rest
        what = f"**{row.effect}** the open alerts of {row.rules} {code(f'{row.alertname} [{row.severity}]')} rule(s)"
        if row.effect == "resolves":
            tail = "they end at the reload (Alertmanager resolves them), whether or not the trouble is over"
        elif row.effect == "re-fires":
            holds = ", ".join(code(h) for h in row.holds)
            tail = (
                f"they end at the reload and fire again as new alerts after `for:` {holds}, in the service's open"
                " page group: an update of that page, not a new one, unless the group has emptied by then"
                " (Alertmanager ends the old alerts about four resend intervals after the reload, 4m by default)"
            )
        else:
            holds = ", ".join(code(h) for h in row.holds)
            tail = f"they end at the reload and fire again as new alerts after `for:` {holds}"
        lines.append(f"> - {what} ({shown}): {tail}.")
    return lines
