"""The rows `obsc diff` reports and their two shapes: Markdown for a pull-request comment, JSON for tools.

Every name and detail comes from the specs (label values, receiver settings, titles), so Markdown shows
each one as a code span: inside one, GitHub and GitLab render no image, link, HTML or @mention.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    kind: str  # a key of HEADINGS
    action: str  # added | removed | changed | kept (an edited runbook left without its alert)
    name: str
    details: tuple[str, ...] = ()


# Sections in the order a reviewer reads them: what pages, what it computes, where it goes, what else.
HEADINGS = {
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


@dataclass
class Summary:
    changes: list[Change] = field(default_factory=list)
    # a subset of spec files compares only its services' files: the fleet-wide ones it could not compare,
    # and the command that compares them (said in both shapes: never a silent "no change" for them)
    not_compared: tuple[str, ...] = ()
    compare_all: str | None = None

    def to_json(self) -> str:
        rows = [{"kind": c.kind, "action": c.action, "name": c.name, "details": list(c.details)} for c in self.changes]
        data = {"changes": rows, "count": len(rows), "not_compared": list(self.not_compared)}
        if self.not_compared:
            data["compare_all"] = self.compare_all
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def to_markdown(self) -> str:
        lines: list[str] = []
        if not self.changes:
            scope = " in the named services' files" if self.not_compared else ""
            lines.append(f"**obsc**: no operational change{scope}.")
        else:
            lines.append(f"**obsc**: {len(self.changes)} operational change(s)")
        if self.not_compared:
            files = ", ".join(code(p) for p in self.not_compared)
            advice = f"; run {code(self.compare_all)} to compare them" if self.compare_all else ""
            lines += ["", f"> **Not compared** (spec files named, not the fleet): {files}{advice}."]
        if not self.changes:
            return "\n".join(lines) + "\n"
        lines.append("")
        for kind, heading in HEADINGS.items():
            rows = [c for c in self.changes if c.kind == kind]
            if not rows:
                continue
            lines += [f"### {heading}", "", "| | name | what |", "|---|---|---|"]
            for c in rows:
                sign = {"added": "+", "removed": "−", "changed": "~", "kept": "!"}[c.action]
                what = "; ".join(code(d) for d in c.details) or c.action
                lines.append(f"| {sign} | {code(c.name)} | {what} |")
            lines.append("")
        return "\n".join(lines)


_BACKTICKS = re.compile(r"`+")


def code(text: str) -> str:
    """`text` as one inline code span in a table cell: a fence longer than any backtick run inside (so the
    text cannot close it), padded when it starts or ends with a backtick or space (CommonMark strips one
    space each side), pipes escaped (GFM splits cells before it reads code spans, and unescapes `\\|` even
    there), one line."""
    text = " ".join(text.splitlines()) if text else ""
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    return fence + text.replace("|", "\\|") + fence
