"""Spec free text written into markdown (the dashboard's About panel and panel descriptions, runbook pages),
shown as the text it is.

A description is prose, not markup: `# Heading` on a line of its own added headings to every runbook
page, a `|` cut a table cell, `<b>` or `[x](...)` became HTML and links. Each markdown metacharacter is
backslash-escaped (CommonMark and Grafana's renderer read `\\*` as `*`); line breaks are kept, and a line
that would open a block (heading, quote, list, setext underline, indented code) has its marker escaped.
"""

from __future__ import annotations

import re

# Inline markup: emphasis, code, links and images, HTML, table cells, strikethrough; `&` only where it
# would start an entity (`&amp;`, `&#36;`), `>` only where it opens a quote (a line's start, _BLOCK).
_INLINE = re.compile(r"([\\`*_\[\]<|~]|&(?=#?\w+;))")
# After the inline escapes: what opens a block at the start of a line (an ordered list marker's `.`/`)`)
_BLOCK = re.compile(r"^([#>+=-]|\d{1,9}(?=[.)]))")


def text(source: str) -> str:
    """`source` escaped so that markdown shows it as written."""
    return "\n".join(_line(line) for line in source.split("\n"))


def _line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line.strip())
    found = _BLOCK.match(line)
    if found is None:
        return line
    if found.group().isdigit():  # `1. item`: escape the `.` after the number
        end = found.end()
        return f"{line[:end]}\\{line[end:]}"
    return "\\" + line


_BACKTICKS = re.compile(r"`+")
_LINE_BREAK = re.compile(r"(?<!\s)\s*\n\s*")  # from a run's start: a long run without a line break is read once


def code(source: str) -> str:
    """`source` as one inline code span. Its own backticks cannot close the span (the fence is one longer than
    its longest run: a selector value's backtick let `[x](https://...)` and `<b>` out as a link and HTML), and
    its line breaks become spaces (a span's lines are still block-parsed first: `\\n## Mitigation` in a metric's
    PromQL was a heading, `\\n- x` a list)."""
    flat = _LINE_BREAK.sub(" ", source)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
