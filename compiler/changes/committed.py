"""Reading the committed side of `obsc diff`: files anyone with write access to the repository can edit.

The freshly compiled side is obsc's own; the committed one is whatever a pull request put there, and a hand
edit (or a hostile one) must not stop the job that comments on it. Such a file is read as obsc writes its
files, or not at all (None: everything on the other side then reads as added):
- YAML without anchors or aliases (obsc writes none): a "billion laughs" alertmanager.yml is never
  expanded by the walkers below, which kept `obsc diff` busy until it ran out of memory;
- no deeper than `MAX_DEPTH` (obsc's routing tree is a handful of levels);
- integers below the largest float (past 4,300 digits Python refuses to convert them: exit 70).
Values of the wrong type (`groups: 5`, `labels: [a]`, `routes: {}`) are then skipped by the readers, which
check every type they rely on (`mapping`, `sequence`).
"""

from __future__ import annotations

from typing import Any

import yaml

from compiler.spec import yaml_numbers

MAX_DEPTH = 100
_Loader = yaml_numbers.bounded(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def load(text: str | None) -> Any:
    """The committed file's data, or None when it is missing or is not a file obsc could have written."""
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=_Loader) if _plain(text) else None  # a safe loader, integers bounded
    except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: also bytes that are not UTF-8
        return None


def _plain(text: str) -> bool:
    """No anchor or alias, and nesting within MAX_DEPTH: checked on the parser's events,
    before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return False
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif isinstance(event, _CLOSES):
            depth -= 1
    return True


def mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
