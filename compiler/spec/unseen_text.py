"""Characters a reviewer cannot see, in the text of a spec file around its values (comments, line breaks).

strings.py refuses them in every key and value a spec holds; a comment and the space between entries hold
none, so they went unchecked. There they change what a review shows without changing what obsc reads: YAML
reads U+0085, U+2028, U+2029 and a carriage return without a newline as line breaks, which git, editors or
code review show as none, so `selector: {job: x}  # scraped by the agent<U+2028>targets: false` reads as a
comment and switches ServiceDown off; a direction control in a comment shows the line in another order
("Trojan Source"). A file's first character may be a byte-order mark (editors write one): the loader strips it.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable

from compiler.errors import Diagnostic, InputError, Location
from compiler.spec.strings import FORBIDDEN_CHARACTERS, character_problem

# the characters strings.py refuses in values, but a carriage return before a newline (a CRLF file's line ends)
UNSEEN = re.compile("(?!\r\n)" + FORBIDDEN_CHARACTERS)
# line breaks to YAML 1.1 (and libyaml), not to git, editors or code review (a lone CR: to git and a web page)
_YAML_BREAKS = "\r\x85\u2028\u2029"
MAX_SHOWN = 10  # a file pasted from elsewhere may hold hundreds: the first ones say what to do


def refuse(path: str, text: str, values: Iterable[tuple[int, int, bool]] = (), yaml: bool = True) -> None:
    """Raise InputError at each unseen character of `text` (a file's text without its byte-order mark) outside
    the `values`: (start, end, block) character offsets of its scalars, which strings.py judges with their path.
    A block scalar counts from its first content line: its header line holds a comment, not the value. A YAML
    line break is refused inside a value too: there YAML turns it into a newline, or ends the value with it
    (a block scalar's next line at the indentation of a key was read as one). Nearly every file holds none:
    one search, and the spans are read only when it finds one."""
    if UNSEEN.search(text) is None:
        return
    spans = sorted(_content(text, start, end, block) for start, end, block in values)  # scalars do not overlap
    starts = [start for start, _ in spans]
    found: list[Diagnostic] = []
    for match in UNSEEN.finditer(text):
        at, character = match.start(), match.group()
        breaks = yaml and character in _YAML_BREAKS
        i = bisect.bisect_right(starts, at) - 1
        if not breaks and i >= 0 and at < spans[i][1]:
            continue
        line = text.count("\n", 0, at) + 1
        where = Location(path, line, at - (text.rfind("\n", 0, at) + 1) + 1)
        found.append(Diagnostic(where, (), _line_break(character) if breaks else _message(character, yaml)))
        if len(found) == MAX_SHOWN:
            break
    if found:
        raise InputError(found)


def _content(text: str, start: int, end: int, block: bool) -> tuple[int, int]:
    if not block:
        return start, end
    first = text.find("\n", start, end)  # the header's own line break (any other is refused)
    return (first + 1 if first >= 0 else end), end


def _line_break(character: str) -> str:
    name = {"\r": "carriage return", "\x85": "next line"}.get(character) or unicodedata.name(character).lower()
    return (
        f"character U+{ord(character):04X} ({name}): YAML reads it as a line break that git, editors and code "
        "review do not show, so what follows it (after a comment too) may be read as a line of its own: use a "
        "newline, or delete it"
    )


def _message(character: str, yaml: bool) -> str:
    where = "outside a value (in a comment or between entries)" if yaml else "in Jsonnet text (a comment too)"
    return f"{where}: {character_problem(character)}"
