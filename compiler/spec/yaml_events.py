"""Documents built straight from a file's parser events, for the usual spec file: no anchors, aliases or tags.

The loader reads every event of a file once, to check its budget (yaml_budget), before it composes nodes
and turns them into data. For a file without anchors, aliases or explicit tags the events already hold all
of it: this builds the same documents (values, key and value marks, scalar styles, in the same order) from
them, instead of parsing the text a second time into nodes and walking those.

Anything it does not handle returns None and the loader takes its usual way, which also reports every
problem (a duplicate key, a key that is not a string, merge keys, a value the constructor refuses): the
messages stay the loader's own.
"""

from __future__ import annotations

from typing import Any

import yaml

from compiler.spec.document import Document, Path

_STR_TAG = "tag:yaml.org,2002:str"


class _Open:
    """A mapping or sequence whose end event has not come yet."""

    __slots__ = ("key", "path", "value")

    def __init__(self, value: Any, path: Path) -> None:
        self.value = value  # the dict or list being filled
        self.path = path
        self.key: str | None = None  # a mapping's key whose value comes next


def documents(path: str, events: list[Any], loader: Any, max_depth: int) -> list[Document] | None:
    """The file's documents, as the loader composes them; None when the loader must compose them itself."""
    if loader.yaml_path_resolvers:  # a tag that depends on a node's place: only the composer knows it
        return None
    try:
        return _documents(path, events, loader, max_depth)
    except Exception:  # the loader's own way reports it, with its message and location
        return None


# A plain scalar's meaning depends on its text alone (and the loader's class: its resolvers and constructors).
# The same few texts (`name`, `99.9`, `true`) fill every spec of a fleet: each is resolved and built once per
# process. Only immutable values are kept; bounded, cleared when full.
_PLAIN: dict[type, dict[str, tuple[bool, Any]]] = {}
_PLAIN_LIMIT = 1 << 12
_KEPT_TYPES = (str, int, float, bool, type(None))


def _plain(loader: Any, known: dict[str, tuple[bool, Any]], event: Any) -> tuple[bool, Any]:
    """(is a string, value) of a plain scalar's event."""
    text = event.value
    found = known.get(text)
    if found is None:
        tag = loader.resolve(yaml.ScalarNode, text, event.implicit)
        if tag == _STR_TAG:
            found = (True, text)
        else:
            node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
            value = loader.construct_object(node, deep=True)
            if isinstance(value, bytes | set) or type(value).__module__ == "datetime":
                value = str(text)  # not spec values: the text the user wrote
            found = (False, value)
        if type(found[1]) in _KEPT_TYPES:
            if len(known) >= _PLAIN_LIMIT:
                known.clear()
            known[text] = found
    return found


def shown_otherwise(value: Any, text: str) -> bool:
    """Whether a plain scalar's value prints as other than its text: `yes` (true), `~` (null), `1.10` (1.1)."""
    return value is None or type(value) is bool or (type(value) in (int, float) and str(value) != text)


def _documents(path: str, events: list[Any], loader: Any, max_depth: int) -> list[Document] | None:
    known = _PLAIN.setdefault(type(loader), {})
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    docs: list[Document] = []
    stack: list[_Open] = []
    doc = Document(file=path, data=None)
    index = 0
    for event in events:
        kind = type(event)
        if kind is scalar_event or kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag is not None:
                return None
            mark = event.start_mark
            if stack:
                top = stack[-1]
                parent = top.value
                if type(parent) is dict:
                    if top.key is None:  # the event is a key: a plain or quoted string, new in its mapping
                        if kind is not scalar_event:
                            return None
                        key = event.value
                        plain = event.implicit[0]  # quoted keys are strings
                        if key in parent or (plain and not _plain(loader, known, event)[0]):
                            return None
                        if plain and key[:1].isdigit():  # `{above: 92,5%}`, `{below: 0,5s}`: a number cut by a
                            return None  # comma, maybe; the loader's composer says where
                        top.key = key
                        doc.key_marks[(*top.path, key)] = (mark.line + 1, mark.column + 1)
                        continue
                    where: Path = (*top.path, top.key)
                else:
                    where = (*top.path, len(parent))
            else:
                where = ()
            doc.value_marks[where] = (mark.line + 1, mark.column + 1)
            if len(stack) > max_depth:
                return None
            value: Any
            if kind is scalar_event:
                value = event.value
                style = event.style
                if mark.line == event.end_mark.line and style in (None, "", '"', "'"):
                    doc.scalar_styles[where] = style or ""
                if event.implicit[0]:
                    value = _plain(loader, known, event)[1]
                    if type(value) is not str and shown_otherwise(value, event.value):
                        doc.read_otherwise[where] = event.value
            else:
                value = {} if kind is mapping_start else []
            if stack:
                top = stack[-1]
                if top.key is not None:
                    top.value[top.key] = value
                    top.key = None
                else:
                    top.value.append(value)
            else:
                doc.data = value
            if kind is not scalar_event:
                stack.append(_Open(value, where))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.DocumentEndEvent:
            if doc.data is not None:
                doc.index = index
                docs.append(doc)
            index += 1
            doc = Document(file=path, data=None)
        elif kind is yaml.AliasEvent:
            return None
    return docs
