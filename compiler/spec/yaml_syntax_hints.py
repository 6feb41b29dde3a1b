"""What to do about the YAML syntax errors newcomers meet, added to the parser's own words.

libyaml says "mapping values are not allowed in this context" for a `: ` inside a plain value and for a line
indented one step too deep, "could not find expected ':'" a line after `team:payments`, and "found character
that cannot start any token" for a tab, an `@` or a backquote: true, and no help to someone who has not read
the YAML spec. Each hint is read from the text at the mark, not from the message (libyaml and PyYAML word them
differently)."""

from __future__ import annotations

import re

from compiler.spec import comment_values

# `key:value` with no space after the colon: YAML reads the whole line as one plain text, not a key.
_KEY_WITHOUT_SPACE = re.compile(r"\s*(?:-\s+)?([A-Za-z_][\w.-]*):([^\s:/][^:]*)")
# A line that already holds `key: value` (or `- key: value`) before the colon the parser stopped at.
_VALUE_BEFORE = re.compile(r"\s*(?:-\s+)?[^\s:#'\"][^:#]*:\s+\S")
# libyaml's context for a line that left a block mapping's column without reaching its parent's.
_MAPPING_AT = re.compile(
    r"did not find expected key \(while parsing a block mapping started at line (\d+), column (\d+)\)"
)
_BOM = (
    "an invisible byte order mark (U+FEFF) is here, where only a file's first character may hold one (a second one, "
    "or files joined with cat): delete it"
)
_FLOW_AT = re.compile(r"expected ',' or '[}\]]' \(while parsing a flow (?:mapping|sequence) started at line (\d+)")
_QUOTED_AT = re.compile(r"while scanning a quoted scalar started at line (\d+), column (\d+)")
_DOUBLE_QUOTED_AT = re.compile(r"while (?:parsing|scanning) a quoted scalar started at line (\d+), column (\d+)")
# A line's key, after any `- ` that opens list items: (its column's indentation, the key). One way to read each
# character of the indentation: `(?:\s*-\s+)*\s*` split a run of blanks every way, quadratic on a line of tabs.
_KEY = re.compile(r"((?:\s|-(?=\s))*)([A-Za-z_][\w.-]*):(?:\s|$)")
# A flow mapping's last `key: value` before a column. The key starts where its run of key characters starts (the
# first letter after any digits, dots and dashes, as a search from every character found it), and the value
# holds no `,{}` but a first `}`: searched from after the last of those (or before it), not from every character.
_FLOW_KEY_BEFORE = re.compile(r"(?<![\w.-])(?:(?![A-Za-z_])[\w.-])*([A-Za-z_][\w.-]*):\s+$")
_FLOW_KEY = re.compile(r"(?<![\w.-])(?:(?![A-Za-z_])[\w.-])*([A-Za-z_][\w.-]*):\s+([^\s{\[,'\"][^,{}]*)$")


def hint(text: str, line: int, col: int, problem: str) -> tuple[int, int, str] | None:
    """(line, column, hint) for a syntax error at 1-based `line`:`col`, the place moved to the real mistake
    when it is on an earlier line; None when no hint is sure."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    here = lines[line - 1]
    char = here[col - 1] if 0 < col <= len(here) else ""
    before = _line_before(lines, line)
    if before is not None and ("expected ':'" in problem or "mapping values" in problem):
        number, previous = before
        dash = re.fullmatch(r"(\s*)-([A-Za-z_][\w.-]*:.*)", previous)
        if dash and "mapping values" in problem:
            return number, len(dash.group(1)) + 1, f"a `-` needs a space after it: write - {dash.group(2).strip()}"
        missing = _KEY_WITHOUT_SPACE.fullmatch(previous)
        if missing:
            key, value = missing.groups()
            return (
                number,
                len(previous) - len(previous.lstrip()) + 1,
                (f"a key needs a space after its colon: write {key}: {value.strip()}"),
            )
    if char == "\t" or (char == "" and "\t" in here[:col]):
        return line, col, "YAML indents with spaces, never tabs: replace the tab with spaces"
    if "cannot start any token" in problem and char in ("@", "`"):
        return line, col, f"{char!r} cannot start a plain value in YAML: quote it, {_quoted(here, col)}"
    if "undefined alias" in problem and char == "*":
        quoted = _quoted(here, col)
        return line, col, f"a value starting with * names an anchor (&name) in YAML: quote it if it is text, {quoted}"
    if "expected '-' indicator" in problem:
        return (
            line,
            len(here) - len(here.lstrip()) + 1,  # the key indented too deep, not its colon
            (
                "this line does not line up with the keys above it: the keys of one mapping start in one column, "
                "and each item of a list starts with `- `"
            ),
        )
    # `{channel: #payments}`: the rest of the line was a comment; closing the file's last line, libyaml names no
    # collection ("did not find expected node content") and the line after
    first = int(flow[1]) if (flow := _FLOW_AT.search(problem)) else line - 3 if "node content" in problem else 0
    if first and (comment := comment_values.in_flow(lines, first, line)):
        return comment
    if "expected ',' or '}'" in problem and char == "{" and (value := _flow_value(here, col)):
        key, text = value
        return line, col, f"a '{{' inside a value in {{...}} starts a mapping: quote the value, {key}: {text}"
    for number in (line, line - 1):  # a byte order mark inside the text: files joined with `cat`
        if 0 < number <= len(lines) and "\ufeff" in lines[number - 1]:
            at = lines[number - 1].index("\ufeff") + 1
            return number, at, _BOM
    if "unknown escape" in problem:
        return line, col, _unknown_escape(lines, here[col - 1 : col + 1], problem)
    if "constructor for the tag" in problem:
        return line, col, "obsc reads plain YAML: a tag (!Ref, !Sub, !vault...) is not expanded; write the value itself"
    if runaway := _runaway_quote(lines, line, col):
        return runaway
    if (unended := _QUOTED_AT.search(problem)) and int(unended.group(1)) <= len(lines):
        number, at = int(unended.group(1)), int(unended.group(2))
        quote = lines[number - 1][at - 1 : at]
        return number, at, f"this quoted text is never closed: end it with {quote} on line {number}"
    if mapping := _MAPPING_AT.search(problem):
        return _out_of_step(lines, line, int(mapping.group(1)), int(mapping.group(2)))
    if "mapping values" in problem and char == ":":
        if _VALUE_BEFORE.match(here[: col - 1]):
            key, _, value = here.partition(":")
            quoted = _quoted(here, len(key) + 2)
            return line, col, f"a ': ' inside a plain value: quote the whole value, {key.strip()}: {quoted}"
        return (
            line,
            len(here) - len(here.lstrip()) + 1,  # the key indented too deep, not its colon
            (
                "this line is indented deeper than the keys around it, under a key that already has a value "
                "(or a `-` without its space): line it up with its siblings"
            ),
        )
    return None


def _runaway_quote(lines: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """A quote left open (`description: "Checkout API`): YAML reads on, across lines, to the next quote of its kind
    and fails just after it, lines below, where the parser's "did not find expected key" points. Said at the
    opening quote: the parse stopped right after a line's first quote of a kind, which closed a text an earlier
    line opened (the nearest line above with an odd number of them)."""
    here = lines[line - 1]
    quote = here[col - 2] if 2 <= col <= len(here) + 1 else ""
    if quote not in ("'", '"') or quote in here[: col - 2]:
        return None
    for number in range(line - 1, max(0, line - 200), -1):
        opened = lines[number - 1]
        if opened.count(quote) % 2 == 1:
            at = opened.rfind(quote)
            return (
                number,
                at + 1,
                f"this quoted text is not closed on its line: YAML read on to the next {quote} (line {line}) and "
                f"failed there; end it with {quote} on line {number}",
            )
    return None


def _out_of_step(lines: list[str], line: int, start: int, column: int) -> tuple[int, int, str] | None:
    """A key indented less than the keys above it and more than the mapping that holds them (libyaml: "did not
    find expected key"): name the two columns it may move to, each beside a key written there."""
    here = lines[line - 1]
    indent = len(here) - len(here.lstrip(" ")) + 1
    if indent <= column:
        return None
    inner: tuple[int, str] | None = None
    outer: str | None = None
    for number in range(line - 1, start - 1, -1):
        key = _KEY.match(lines[number - 1])
        if key is None:
            continue
        at = len(key.group(1)) + 1
        if at > indent and (inner is None or at < inner[0]):
            inner = (at, key.group(2))
        if at == column and outer is None:
            outer = key.group(2)
    if inner is None or outer is None:
        return None
    return (
        line,
        indent,
        (
            f"this line starts in column {indent}, between the keys above it and the key that holds them; the keys "
            f"of one mapping start in one column: move it to column {inner[0]}, beside `{inner[1]}:`, or to column "
            f"{column}, beside `{outer}:`"
        ),
    )


def _flow_value(here: str, col: int) -> tuple[str, str] | None:
    """(key, the value quoted) of the plain value in `{...}` that holds a `{` at 1-based `col` (`team-{team}/`):
    the value runs from after its `key: ` to the `,` or `}` that closes it, braces inside it counted."""
    found = _flow_key(here[: col - 1])
    if found is None:
        return None
    depth, end = 0, len(here)
    for at in range(col - 1, len(here)):
        if here[at] == "{":
            depth += 1
        elif here[at] == "}" and depth:
            depth -= 1
        elif here[at] in ",}" and not depth:
            end = at
            break
    value = found[1] + here[col - 1 : end].rstrip()
    return found[0], "'" + value.replace("'", "''") + "'"


def _flow_key(before: str) -> tuple[str, str] | None:
    """(key, value) of the last `key: value` of `before` whose value holds no `,{}` past its first character."""
    last = max(before.rfind(","), before.rfind("{"), before.rfind("}"))
    if last >= 0 and before[last] == "}":  # a value may start with the `}`
        start = max(before.rfind(",", 0, last), before.rfind("{", 0, last), before.rfind("}", 0, last)) + 1
        if key := _FLOW_KEY_BEFORE.search(before, start, last):
            return key.group(1), before[last:]
    found = _FLOW_KEY.search(before, last + 1)
    return (found.group(1), found.group(2)) if found else None


def _line_before(lines: list[str], line: int) -> tuple[int, str] | None:
    """The nearest line above `line` that is not blank or a comment, with its 1-based number."""
    for number in range(line - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number, lines[number - 1]
    return None


def _quoted(here: str, col: int) -> str:
    """The plain value from 1-based `col` to its end, single-quoted: a ` #` comment stays out (quoted, it would
    become part of the value), so does the `,`, `}` or `]` that ends it inside `{...}` or `[...]`, and a `'`
    inside is doubled, as YAML reads it."""
    value = here[col - 1 :].split(" #")[0]
    if re.search(r"[{\[]", here[: col - 1]):
        value = re.split(r"[,}\]]", value)[0]
    return "'" + value.strip().replace("'", "''") + "'"


def _unknown_escape(lines: list[str], escape: str, problem: str) -> str:
    """A backslash in YAML's double quotes that starts no escape YAML knows (`"...{path=~\\"a\\.b\\"}"`, a
    regex's `\\.` or `\\d`): the parser said only "found unknown escape character" (round 43, a newcomer who
    double-quoted a selector to escape its quotes). Single quotes keep a backslash as it is; PromQL's own strings
    then want it twice. The value to write is given when the quoted text is on one line."""
    advice = (
        f"in YAML's double quotes a backslash starts an escape (\\\" for a quote), and `{escape}` is none: put the "
        "value in single quotes instead, where a backslash is plain text and a \" needs none; PromQL's own strings "
        "then want a regex's backslash twice"
    )
    start = _DOUBLE_QUOTED_AT.search(problem)
    number, at = (int(start.group(1)), int(start.group(2))) if start else (0, 0)
    if not 0 < number <= len(lines):
        return advice
    opened = lines[number - 1]
    key = re.search(r"([A-Za-z_][\w.-]*):\s*$", opened[: at - 1])
    value = _single_quoted(opened[at:])
    return f"{advice}: {key.group(1)}: {value}" if key and value else advice


def _single_quoted(rest: str) -> str | None:
    """The double-quoted text starting after its opening quote, written in single quotes as PromQL reads it:
    `\\"` a quote, any other backslash doubled (PromQL's escape of a regex's backslash); None when it does not end
    on this line."""
    out: list[str] = []
    at = 0
    while at < len(rest):
        char = rest[at]
        if char == '"':
            return "'" + "".join(out).replace("'", "''") + "'"
        if char == "\\" and at + 1 < len(rest):
            follows = rest[at + 1]
            out.append('"' if follows == '"' else "\\\\" if follows == "\\" else "\\\\" + follows)
            at += 2
            continue
        out.append(char)
        at += 1
    return None
