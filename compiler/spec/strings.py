"""Rules for every string of a spec, key or value, that a per-field JSON Schema cannot say once.

Spec text ends up inside Prometheus rule labels and annotations and Alertmanager config, which are Go
templates: a `{{` copied there would run as template code (or, at best, break the output at a later stage).
Long text is copied into every alert of a service, so it is bounded. Control characters have no business
in a name, a selector or a URL and break the YAML/PromQL they land in; only tab and newline are kept for
free text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from compiler.errors import Diagnostic
from compiler.spec.document import Document, Path

MAX_STRING = 4096  # characters; a description is copied into every alert of the service (amplification)
# C0 and C1 controls except tab and newline, DEL, the invisible separators, the characters that change the
# direction text is shown in and the invisible ones that are not part of any script: one search instead of a
# Python loop over every character of every string (a fleet's specs hold millions).
FORBIDDEN_CHARACTERS = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff"
    "\u202a-\u202e\u2066-\u2069"  # direction overrides: a reviewer reads another text ("Trojan Source")
    "\u180e\u200b\u2060-\u2064"  # zero width: `job: "api\u200b"` (a copy-paste) matches no series, unseen
    # Unicode's other default-ignorable characters, shown as nothing by editors, git and code review (round 40: a
    # soft hyphen in `code=~"5\u00ad.."` compiled, and the SLO matched no error ever): the soft hyphen, the
    # combining grapheme joiner, Khmer's inherent vowels, the Hangul fillers, the deprecated format controls and
    # U+2065, the interlinear annotations, the Egyptian and shorthand format controls, the musical beams and the
    # tag characters (text hidden in plain sight). Kept, as scripts and emoji need them: ZWNJ, ZWJ, the LRM, RLM
    # and ALM marks, the variation selectors (U+FE0F: a symbol's emoji form) and Mongolian's.
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2065\u206a-\u206f\ufff0-\ufffb"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e00ff\U000e01f0-\U000e0fff]"
)
_FORBIDDEN = re.compile(FORBIDDEN_CHARACTERS)
_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")  # (the marks LRM, RLM, ALM stay: RTL text uses them)


def problems(doc: Document) -> Iterator[Diagnostic]:
    """Lazily: the schema's caller stops at its cap of problems (schema.MAX_ERRORS)."""
    if _all_fine(doc.data):
        return
    for path, text, is_key in _strings(doc.data, ()):
        message = _problem(text)
        if message:
            what = "key" if is_key else "value"
            yield Diagnostic(doc.locate(path, key=is_key), path, f"{what} {_short(text)}: {message}")


def _problem(text: str) -> str:
    if len(text) > MAX_STRING:
        return f"{len(text):,} characters; at most {MAX_STRING:,} (text is copied into many generated files)"
    if re.search(r"\{\{\s*\.window\s*\}\}", text):  # a Sloth query pasted in: its window placeholder
        return "'{{.window}}' is Sloth's placeholder for the rate window: obsc's is $window (rate(x[$window]))"
    if "{{" in text:
        return "'{{' is not allowed: alert labels and annotations are Go templates and this would run as one"
    found = _FORBIDDEN.search(text)
    return "" if found is None else character_problem(found.group())


def character_problem(character: str) -> str:
    """Why `character`, one that _FORBIDDEN finds, is refused (unseen_text.py says it of a file's other text)."""
    code = ord(character)
    if code in (0x2028, 0x2029, 0xFEFF):
        return f"invisible separator U+{code:04X} is not allowed"
    if _DIRECTION.match(character):
        name = unicodedata.name(character).lower()
        return f"direction control U+{code:04X} ({name}) is not allowed: the text would be shown in another order"
    if unicodedata.category(character) != "Cc":
        name = unicodedata.name(character, "invisible").lower()
        return f"invisible character U+{code:04X} ({name}) is not allowed: what it is next to would look the same"
    return f"control character U+{code:04X} is not allowed"


def _all_fine(value: Any) -> bool:
    """True when no string has a problem (nearly every spec): checked on all strings at once, joined by a
    newline (allowed, and it keeps a `{` at one end from meeting a `{` at the next), without the paths
    that only a problem needs."""
    texts: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            texts.extend(key for key in item if isinstance(key, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    if texts and max(map(len, texts)) > MAX_STRING:
        return False
    joined = "\n".join(texts)
    return "{{" not in joined and _FORBIDDEN.search(joined) is None


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, str, bool]]:
    # Iterative: a Jsonnet result can be deeper than Python's recursion limit.
    stack: list[tuple[Any, Path]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item, False
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    yield (*where, key), key, True
                stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, i)) for i, child in enumerate(item))


def _short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "..."
